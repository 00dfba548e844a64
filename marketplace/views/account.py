"""Pages of every signed-in person: the start page after login and the data rights (see what is
stored, download it as JSON, delete the account)."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.services import user_delete, user_export, user_has_history

from ..models import ConsentMethod, ProviderStatus, TeenStatus
from ..services.providers import provider_profile_for
from ..services.teens import SELF_PAUSE_REASON, teen_profile_for


@login_required
def dashboard(request):
    user = request.user
    if user.role == Role.COORDINATOR:
        return redirect("coordinator_home")
    if user.role == Role.OPERATOR or user.is_staff:
        return redirect("admin:index")
    if user.role == Role.PROVIDER:
        return _provider_dashboard(request, provider_profile_for(user))
    return _teen_dashboard(request, teen_profile_for(user))


# The onboarding steps of DESIGN section 5, in order; "consent" only for minors.
_TEEN_STEP_OF_STATUS = {
    TeenStatus.CONSENT_PENDING: "consent",
    TeenStatus.INTAKE_PENDING: "intake",
    TeenStatus.ACTIVE: "active",
    TeenStatus.PAUSED: "active",
    TeenStatus.SUSPENDED: "active",
}


def _teen_steps(teen) -> list[dict]:
    steps = [("profile", gettext_lazy("Profil ausfüllen"))]
    if teen.is_minor or teen.status == TeenStatus.CONSENT_PENDING:
        steps.append(("consent", gettext_lazy("Einwilligung deiner Eltern")))
    steps += [
        ("intake", gettext_lazy("Kennenlerngespräch und Freischaltung durch die Koordination")),
        ("active", gettext_lazy("Freigeschaltet: Du kannst vermittelt werden")),
    ]
    current = _TEEN_STEP_OF_STATUS.get(teen.status)
    keys = [key for key, _label in steps]
    current_index = keys.index(current) if current in keys else len(keys)
    result = []
    for index, (key, label) in enumerate(steps):
        if index < current_index or (key == "active" and teen.status == TeenStatus.ACTIVE):
            state = "done"
        elif index == current_index:
            state = "current"
        else:
            state = "todo"
        result.append({"key": key, "label": label, "state": state})
    return result


def _teen_dashboard(request, teen):
    if teen.status == TeenStatus.INCOMPLETE:
        return redirect("teen_profile")
    latest_request = None
    if teen.status == TeenStatus.CONSENT_PENDING:
        latest_request = (teen.consents.filter(method=ConsentMethod.LINK)
                          .order_by("-requested_at", "-id").first())
    return render(request, "marketplace/dashboard_teen.html", {
        "teen": teen,
        "exchange": teen.exchange,
        "steps": _teen_steps(teen),
        "latest_request": latest_request,
        "request_expired": bool(latest_request and latest_request.expires_at
                                and latest_request.expires_at < timezone.now()),
        # A teen may lift her own pause, never a coordinator's (teen_pause_self).
        "can_pause": teen.status == TeenStatus.ACTIVE,
        "can_resume": teen.status == TeenStatus.PAUSED and teen.status_reason == SELF_PAUSE_REASON,
    })


def _provider_dashboard(request, profile):
    if profile.status == ProviderStatus.INCOMPLETE:
        return redirect("provider_profile")
    return render(request, "marketplace/dashboard_provider.html", {
        "profile": profile,
        "exchange": profile.exchange,
    })


@login_required
def data_overview(request):
    return render(request, "marketplace/account/data.html", {
        "has_history": user_has_history(user=request.user),
    })


@never_cache
@require_GET
@login_required
def data_export(request):
    data = user_export(user=request.user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"taschengeldboerse-meine-daten-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class DeleteForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Passwort"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "required": True}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        # Re-entering the password proves that the person at the keyboard owns the account.
        if not password or not self.user.check_password(password):
            raise forms.ValidationError(_("Das Passwort stimmt nicht. Bitte versuchen Sie es noch einmal."))
        return password


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def delete(request):
    user = request.user
    form = DeleteForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        outcome = user_delete(user=user, by=user)
        logout(request)
        if outcome == "deleted":
            messages.success(request, _("Ihr Konto und alle Ihre Daten wurden gelöscht."))
        else:
            messages.success(request, _(
                "Ihr Konto wurde geschlossen und Ihre persönlichen Daten wurden entfernt. Einträge, "
                "auf die andere angewiesen sind, bleiben ohne Ihren Namen erhalten."))
        return redirect("home")
    return render(request, "marketplace/account/delete.html", {
        "form": form,
        "has_history": user_has_history(user=user),
    })
