"""The audit log in the console: who did what, when, on whom, in her exchanges (issue 6, point 6).

Read-only: the page answers GET only (405 otherwise) and nothing in the application changes an
entry (the admin shows them read-only, `accounts/admin.py`). Reading the log about one person is
itself an access to her data, and is logged as such (DESIGN section 8).
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.services import audit_log

from ..forms import date_field
from ..selectors import exchanges_for_coordinator
from ..selectors.audit import (
    ACTION_GROUPS,
    audit_coordinators,
    audit_entries_for_coordinator,
    audit_rows,
    persons_named,
)
from .coordinator import PAGE_SIZE, coordinator_required


class AuditFilterForm(forms.Form):
    """GET filters. A malformed one is dropped rather than answered with an error page."""

    # The upper bound keeps SQLite from an OverflowError on a 30-digit id.
    person = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    name = forms.CharField(label=_("Name"), required=False, max_length=80,
                           help_text=_("Jugendliche oder Auftraggeber Ihrer Börse, z. B. „Lena Beispiel“."))
    actor = forms.TypedChoiceField(label=_("Wer"), required=False, coerce=int, empty_value=None)
    group = forms.ChoiceField(label=_("Was"), required=False)
    date_from = date_field(_("Von"))
    date_to = date_field(_("Bis"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", _("Alle")), *((u.pk, u.email) for u in audit_coordinators(user=user))]
        self.fields["group"].choices = [("", _("Alle")), *((key, label) for key, (label, _q) in ACTION_GROUPS.items())]

    def filters(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) for name in self.fields if name not in self.errors}


@coordinator_required
@require_GET
def audit_list(request):
    user = request.user
    form = AuditFilterForm(request.GET, user=user)
    chosen = form.filters()
    person = chosen.get("person")
    name = (chosen.get("name") or "").strip()
    persons = persons_named(user=user, text=name) if name else None
    entries = audit_entries_for_coordinator(
        user=user, person=person, persons=persons, actor=chosen.get("actor"), group=chosen.get("group") or "",
        date_from=chosen.get("date_from"), date_to=chosen.get("date_to"))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows, people = audit_rows(user=user, entries=page.object_list, extra_user_ids=[person] if person else [])
    subject = people.by_user.get(person) if person else None
    # DESIGN section 8: the log about a person tells a lot about her; reading it is on record too.
    if person and (subject or rows):
        audit_log(actor=user, action="marketplace.audit.viewed", subject_user_id=person,
                  exchange_id=subject.exchange_id if subject else rows[0]["entry"].exchange_id)
    elif persons and persons["exchange_ids"]:
        audit_log(actor=user, action="marketplace.audit.viewed", exchange_id=persons["exchange_ids"][0],
                  data={"teen_ids": persons["teen_ids"], "provider_ids": persons["provider_ids"]})
    exchanges = dict(exchanges_for_coordinator(user=user).values_list("pk", "name"))
    for row in rows:
        row["exchange"] = exchanges.get(row["entry"].exchange_id, "")
    return render(request, "marketplace/coordinator/audit_list.html", {
        "form": form, "page": page, "rows": rows, "person": person, "subject": subject,
        "several_exchanges": len(exchanges) > 1,
    })


urlpatterns = [
    path("koordination/protokoll/", audit_list, name="coordinator_audit"),
]
