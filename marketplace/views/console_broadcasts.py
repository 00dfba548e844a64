"""Broadcasts: the list of what was sent, and a new message in two steps ("Vorschau", "Senden").

The preview tells how many teens the message reaches, never who: the coordinator chooses a
group, not people. A coordinator of several exchanges picks the exchange first (the filters are
that exchange's postcodes and categories); an exchange that is not hers is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from ..forms_broadcasts import BroadcastForm
from ..selectors import exchanges_for_coordinator
from ..selectors.broadcasts import AGE_CLASS_CHOICES, broadcasts_for_coordinator, filter_summaries
from ..services.broadcasts import broadcast_preview, broadcast_send
from ..services.errors import Conflict
from .coordinator import PAGE_SIZE, coordinator_required


@coordinator_required
def broadcast_list(request):
    page = Paginator(broadcasts_for_coordinator(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = filter_summaries(page.object_list)
    return render(request, "marketplace/coordinator/broadcast_list.html", {
        "page": page,
        "rows": [(b, summaries[b.pk]) for b in page.object_list],
        "several_exchanges": exchanges_for_coordinator(user=request.user).count() > 1,
    })


def _exchange(request, exchanges):
    """The exchange the message is for: the only one she has, or the one chosen (a GET
    parameter on the way in, a hidden field after that)."""
    chosen = request.POST.get("exchange") if request.method == "POST" else request.GET.get("boerse")
    if chosen is None or chosen == "":
        return exchanges[0] if len(exchanges) == 1 else None
    try:
        return next(e for e in exchanges if str(e.pk) == chosen)
    except StopIteration:
        raise Http404 from None


@coordinator_required
def broadcast_new(request):
    exchanges = list(exchanges_for_coordinator(user=request.user).order_by("name"))
    if not exchanges:
        raise Http404
    exchange = _exchange(request, exchanges)
    if exchange is None:
        return render(request, "marketplace/coordinator/broadcast_choose.html", {"exchanges": exchanges})
    step = request.POST.get("step", "") if request.method == "POST" else ""
    form = BroadcastForm(request.POST if request.method == "POST" else None, exchange=exchange)
    preview = None
    if step in ("preview", "send") and form.is_valid():
        try:
            if step == "send":
                broadcast = broadcast_send(by=request.user, **form.service_kwargs())
            else:
                preview = broadcast_preview(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_errors(exc)
            preview = None
        except Conflict as exc:
            messages.warning(request, exc.message)
            return redirect("coordinator_broadcasts")
        else:
            if step == "send":
                messages.success(request, _("Die Nachricht „%(title)s“ geht an %(count)s Jugendliche.")
                                 % {"title": broadcast.title, "count": broadcast.recipients})
                return redirect("coordinator_broadcasts")
    if preview is not None and preview["recipients"] == 0:
        form.add_error(None, _("Mit diesen Filtern erreicht die Nachricht niemanden. Bitte die Auswahl erweitern."))
        preview = None
    classes = dict(AGE_CLASS_CHOICES)
    return render(request, "marketplace/coordinator/broadcast_form.html", {
        "form": form, "exchange": exchange, "several_exchanges": len(exchanges) > 1, "preview": preview,
        "chosen": preview and {
            "age_classes": [classes[c] for c in preview["filters"]["age_classes"]],
            "postcodes": [label for value, label in form.fields["postcodes"].choices
                          if value in preview["filters"]["postcodes"]],
            "interests": [label for value, label in form.fields["interests"].choices
                          if value in preview["filters"]["interests"]],
        },
    })


urlpatterns = [
    path("koordination/rundnachrichten/", broadcast_list, name="coordinator_broadcasts"),
    path("koordination/rundnachrichten/neu/", broadcast_new, name="coordinator_broadcast_new"),
]
