"""The teen's own pages: her profile, a new consent e-mail for her parents, a break."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role

from .. import notify
from ..forms import TeenProfileForms
from ..models import TeenStatus
from ..services.consent import consent_resend as consent_resend_service
from ..services.errors import Conflict
from ..services.teens import (
    SELF_PAUSE_REASON,
    current_consent,
    teen_pause_self,
    teen_profile_for,
    teen_profile_update,
)


def teen_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role != Role.TEEN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _back(request, default: str = "teen_profile"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _saved_message(teen) -> str:
    if teen.status == TeenStatus.CONSENT_PENDING:
        return _("Gespeichert! Wir haben deinen Eltern eine E-Mail an %(email)s geschickt. "
                 "Sobald sie zustimmen, geht es weiter.") % {"email": teen.parent_email}
    if teen.status == TeenStatus.INTAKE_PENDING:
        return _("Gespeichert! Deine Taschengeldbörse meldet sich bei dir für ein kurzes "
                 "Kennenlerngespräch.")
    if teen.status == TeenStatus.INCOMPLETE and not teen.availability.exists():
        return _("Gespeichert. Trag bitte noch ein, wann du Zeit hast. Sonst können wir dir "
                 "keine Aufträge vorschlagen.")
    if teen.status == TeenStatus.INCOMPLETE:
        return _("Gespeichert. Dein Profil ist aber noch nicht vollständig.")
    return _("Dein Profil ist gespeichert.")


@teen_required
def profile_edit(request):
    teen = teen_profile_for(request.user)
    if request.method == "POST":
        add_row = next((section for section in (TeenProfileForms.AVAILABILITY, TeenProfileForms.ABSENCES)
                        if f"add_{section}" in request.POST), None)
        forms = TeenProfileForms(teen=teen, data=request.POST, add_row=add_row)
        if add_row is None and forms.is_valid():
            had_categories = teen.exchange_id is not None
            try:
                teen = teen_profile_update(teen=teen, data=forms.service_data(), by=request.user)
            except ValidationError as exc:
                forms.add_service_errors(exc)
            except Conflict as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _saved_message(teen))
                if not had_categories and teen.exchange_id is not None:
                    # Now that her exchange is known, she can pick from its categories.
                    messages.info(request, _("Jetzt kannst du noch auswählen, was du gern machst."))
                    return redirect(f"{request.path}#interessen")
                if teen.status == TeenStatus.INCOMPLETE:
                    return redirect("teen_profile")
                return redirect("dashboard")
    else:
        forms = TeenProfileForms(teen=teen)
    consent = teen.consents.first() if teen.status == TeenStatus.CONSENT_PENDING else None
    return render(request, "marketplace/teen/profile.html", {
        "teen": teen,
        "forms": forms,
        "form": forms.form,
        "pending_consent": consent,
        "consent_sent_at": notify.consent_request_sent_at(consent=consent) if consent else None,
        "valid_consent": current_consent(teen) if teen.is_minor else None,
        "can_pause": teen.status == TeenStatus.ACTIVE,
        "can_resume": teen.status == TeenStatus.PAUSED and teen.status_reason == SELF_PAUSE_REASON,
    })


@require_POST
@teen_required
def consent_resend(request):
    teen = teen_profile_for(request.user)
    try:
        consent = consent_resend_service(teen=teen)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Wir schicken die E-Mail noch einmal an %(email)s. Der alte "
                                    "Link gilt nicht mehr.") % {"email": consent.parent_email})
    return _back(request)


@require_POST
@teen_required
def pause(request):
    teen = teen_profile_for(request.user)
    paused = request.POST.get("paused") == "1"
    try:
        teen_pause_self(teen=teen, paused=paused)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Du machst jetzt Pause. Du bekommst keine Angebote, bis du "
                                    "wieder einsteigst.") if paused
                         else _("Willkommen zurück! Du bekommst wieder Angebote."))
    return _back(request)
