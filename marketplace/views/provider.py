"""The provider's own pages: her profile."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Role

from ..forms import ProviderProfileForm
from ..models import ProviderStatus
from ..services.errors import Conflict
from ..services.providers import provider_profile_for, provider_profile_update


def provider_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role != Role.PROVIDER:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _saved_message(profile) -> str:
    if profile.status == ProviderStatus.PENDING:
        return _("Vielen Dank! Ihre Angaben sind gespeichert. Die Koordination Ihrer "
                 "Taschengeldbörse prüft sie und meldet sich bei Ihnen. Danach können Sie "
                 "Aufträge einstellen.")
    if profile.status == ProviderStatus.INCOMPLETE:
        return _("Ihre Angaben sind gespeichert, aber noch nicht vollständig.")
    return _("Vielen Dank! Ihre Angaben sind gespeichert.")


@provider_required
def profile_edit(request):
    profile = provider_profile_for(request.user)
    form = ProviderProfileForm(request.POST if request.method == "POST" else None, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile = provider_profile_update(profile=profile, data=form.service_data(), by=request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _saved_message(profile))
            return redirect("dashboard")
    return render(request, "marketplace/provider/profile.html", {"profile": profile, "form": form})
