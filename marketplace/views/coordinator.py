"""The coordinator's console: verification of teens, vetting and intake of providers.

Every view requires the coordinator role (403 otherwise). Every object is looked up through the
selectors that scope it to the coordinator's own exchanges, so a teen or provider of another
exchange is a 404: she must not learn that the person exists (STYLE habit 6).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.services import audit_log

from ..forms import WEEKDAYS, ProviderIntakeForm, ProviderVetForm, TeenVerifyForm
from ..forms_people import UPCOMING_CANCEL, BlockProviderForm, BlockTeenForm, UpcomingForm
from ..models import (
    ContactPreference,
    ProviderProfile,
    ProviderStatus,
    TeenProfile,
    TeenStatus,
)
from ..selectors import (
    VERIFICATION_QUEUE_STATUSES,
    exchanges_for_coordinator,
    providers_for_coordinator,
    teens_for_coordinator,
)
from ..selectors.audit import profile_history
from ..selectors.people import (
    block_choices_for_provider,
    block_choices_for_teen,
    provider_history,
    teen_history,
    upcoming_assignments,
)
from ..services.assignments import assignments_cancel_upcoming
from ..services.errors import Conflict
from ..services.providers import provider_create_by_coordinator, provider_vet
from ..services.teens import Decision, teen_missing_requirements, teen_verify

PAGE_SIZE = 50
QUEUE_PREVIEW = 5


def coordinator_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role != Role.COORDINATOR:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- Teens ---------------------------------------------------------------------------------


@coordinator_required
def teen_list(request):
    status = request.GET.get("status", "")
    teens = teens_for_coordinator(user=request.user).prefetch_related(None)
    if status == "all":
        pass
    elif status in TeenStatus.values:
        teens = teens.filter(status=status)
    else:
        status = ""
        teens = teens.filter(status__in=VERIFICATION_QUEUE_STATUSES)
    page = Paginator(teens, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = [("", _("Warteschlange (Einwilligung, Kennenlernen)")), ("all", _("Alle")),
               *TeenStatus.choices]
    return render(request, "marketplace/coordinator/teen_list.html", {
        "page": page, "status": status, "filters": filters,
        "several_exchanges": exchanges_for_coordinator(user=request.user).count() > 1,
    })


def _verify_message(teen: TeenProfile, decision: str) -> str:
    name = teen.first_name
    if decision == Decision.ACTIVATE:
        return _("%(name)s ist freigeschaltet und kann vermittelt werden.") % {"name": name}
    if decision == Decision.PAUSE:
        return _("%(name)s ist pausiert.") % {"name": name}
    return _("%(name)s ist gesperrt.") % {"name": name}


def _decide(decide, *, upcoming, upcoming_form, by) -> list:
    """The decision and, if the coordinator chose so, the cancellation of the person's upcoming
    matches: together or not at all."""
    with transaction.atomic():
        decide()
        if upcoming and upcoming_form.cleaned_data["upcoming"] == UPCOMING_CANCEL:
            return assignments_cancel_upcoming(assignments=upcoming, by=by,
                                               reason=upcoming_form.cleaned_data["cancel_reason"])
    return []


def _cancelled_message(cancelled: list) -> str:
    return _("%(count)s vereinbarte Einsätze sind abgesagt; beide Seiten sind benachrichtigt.") % {
        "count": len(cancelled)}


@coordinator_required
def teen_detail(request, pk: int):
    teen = get_object_or_404(teens_for_coordinator(user=request.user), pk=pk)
    policy = teen.exchange.policy
    posted = request.method == "POST"
    form = TeenVerifyForm(request.POST if posted else None, teen=teen, policy=policy)
    upcoming = upcoming_assignments(teen=teen)
    upcoming_form = UpcomingForm(request.POST if posted else None, prefix="upcoming") if upcoming else None
    if posted and form.is_valid():
        decision = form.cleaned_data["decision"]
        # Pausing or suspending someone with matches ahead: she must say what becomes of them.
        asks_upcoming = bool(upcoming) and decision in (Decision.PAUSE, Decision.SUSPEND)
        if not asks_upcoming or upcoming_form.is_valid():
            try:
                cancelled = _decide(lambda: teen_verify(teen=teen, by=request.user, **form.service_kwargs()),
                                    upcoming=upcoming if asks_upcoming else [], upcoming_form=upcoming_form,
                                    by=request.user)
            except ValidationError as exc:
                form.add_service_errors(exc)
            except Conflict as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _verify_message(teen, decision))
                if cancelled:
                    messages.success(request, _cancelled_message(cancelled))
                return redirect("coordinator_teen", pk=teen.pk)
    return render_teen_page(request, teen, form=form, upcoming=upcoming, upcoming_form=upcoming_form)


def render_teen_page(request, teen: TeenProfile, *, form=None, upcoming=None, upcoming_form=None,
                     block_form=None, status: int = 200):
    policy = teen.exchange.policy
    if form is None:
        form = TeenVerifyForm(teen=teen, policy=policy)
    if upcoming is None:
        upcoming = upcoming_assignments(teen=teen)
        upcoming_form = UpcomingForm(prefix="upcoming") if upcoming else None
    if block_form is None:
        known, others = block_choices_for_teen(teen=teen)
        block_form = BlockProviderForm(known=known, others=others, auto_id="id_block_%s")
    # DESIGN section 8: every coordinator access to a minor's personal data is on record.
    audit_log(actor=request.user, action="marketplace.teen.viewed", target=teen,
              exchange_id=teen.exchange_id, subject_user_id=teen.user_id)
    return render(request, "marketplace/coordinator/teen_detail.html", {
        "teen": teen,
        "policy": policy,
        "form": form,
        "missing": [m for messages_ in teen_missing_requirements(teen=teen, policy=policy).values()
                    for m in messages_],
        "consents": teen.consents.all(),
        "availability": [(dict(WEEKDAYS)[slot.weekday], slot) for slot in teen.availability.all()],
        "history": profile_history(profile=teen),
        "record": teen_history(teen=teen),
        "upcoming": upcoming,
        "upcoming_form": upcoming_form,
        "block_form": block_form,
    }, status=status)


# --- Providers -----------------------------------------------------------------------------


@coordinator_required
def provider_list(request):
    status = request.GET.get("status", ProviderStatus.PENDING)
    providers = providers_for_coordinator(user=request.user)
    if status == "all":
        pass
    elif status in ProviderStatus.values:
        providers = providers.filter(status=status)
    else:
        status = ProviderStatus.PENDING
        providers = providers.filter(status=status)
    page = Paginator(providers, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = [(ProviderStatus.PENDING.value, _("Warten auf Prüfung")), ("all", _("Alle")),
               *[(value, label) for value, label in ProviderStatus.choices
                 if value != ProviderStatus.PENDING]]
    return render(request, "marketplace/coordinator/provider_list.html", {
        "page": page, "status": status, "filters": filters,
        "several_exchanges": exchanges_for_coordinator(user=request.user).count() > 1,
    })


def _created_message(profile: ProviderProfile) -> str:
    name = f"{profile.first_name} {profile.last_name}"
    if profile.user_id:
        return _("%(name)s ist erfasst und freigeschaltet. Eine Einladung per E-Mail geht an "
                 "%(email)s; damit legt sie oder er ein Passwort fest.") % {
            "name": name, "email": profile.user.email}
    way = {
        ContactPreference.PHONE: _("telefonisch über Sie"),
        ContactPreference.LETTER: _("per Brief"),
        ContactPreference.SMS: _("per SMS"),
    }.get(profile.contact_preference, _("über Sie"))
    return _("%(name)s ist erfasst und freigeschaltet. Ohne E-Mail-Adresse geht keine Einladung "
             "hinaus; Nachrichten laufen %(way)s.") % {"name": name, "way": way}


@coordinator_required
def provider_create(request):
    exchanges = exchanges_for_coordinator(user=request.user)
    form = ProviderIntakeForm(request.POST if request.method == "POST" else None, exchanges=exchanges)
    if request.method == "POST" and form.is_valid():
        try:
            profile = provider_create_by_coordinator(
                exchange=form.cleaned_data["exchange"], by=request.user, data=form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _created_message(profile))
            return redirect("coordinator_provider", pk=profile.pk)
    return render(request, "marketplace/coordinator/provider_form.html", {"form": form})


@coordinator_required
def provider_detail(request, pk: int):
    profile = get_object_or_404(providers_for_coordinator(user=request.user), pk=pk)
    posted = request.method == "POST"
    form = ProviderVetForm(request.POST if posted else None)
    upcoming = upcoming_assignments(provider=profile)
    upcoming_form = UpcomingForm(request.POST if posted else None, prefix="upcoming") if upcoming else None
    if posted and form.is_valid():
        decision = form.cleaned_data["decision"]
        asks_upcoming = bool(upcoming) and decision == "suspend"
        if not asks_upcoming or upcoming_form.is_valid():
            try:
                cancelled = _decide(lambda: provider_vet(profile=profile, by=request.user, decision=decision,
                                                         reason=form.cleaned_data["reason"]),
                                    upcoming=upcoming if asks_upcoming else [], upcoming_form=upcoming_form,
                                    by=request.user)
            except ValidationError as exc:
                form.add_service_errors(exc)
            except Conflict as exc:
                messages.error(request, exc.message)
            else:
                name = f"{profile.first_name} {profile.last_name}"
                messages.success(request, _("%(name)s ist freigeschaltet.") % {"name": name}
                                 if decision == "activate" else _("%(name)s ist gesperrt.") % {"name": name})
                if cancelled:
                    messages.success(request, _cancelled_message(cancelled))
                return redirect("coordinator_provider", pk=profile.pk)
    return render_provider_page(request, profile, form=form, upcoming=upcoming, upcoming_form=upcoming_form)


def render_provider_page(request, profile: ProviderProfile, *, form=None, upcoming=None, upcoming_form=None,
                         block_form=None, status: int = 200):
    if form is None:
        form = ProviderVetForm()
    if upcoming is None:
        upcoming = upcoming_assignments(provider=profile)
        upcoming_form = UpcomingForm(prefix="upcoming") if upcoming else None
    if block_form is None:
        known, others = block_choices_for_provider(provider=profile)
        block_form = BlockTeenForm(known=known, others=others, auto_id="id_block_%s")
    audit_log(actor=request.user, action="marketplace.provider.viewed", target=profile,
              exchange_id=profile.exchange_id, subject_user_id=profile.user_id)
    return render(request, "marketplace/coordinator/provider_detail.html", {
        "profile": profile,
        "form": form,
        "can_vet": profile.status in (ProviderStatus.PENDING, ProviderStatus.ACTIVE,
                                      ProviderStatus.SUSPENDED),
        "history": profile_history(profile=profile),
        "record": provider_history(provider=profile),
        "upcoming": upcoming,
        "upcoming_form": upcoming_form,
        "block_form": block_form,
    }, status=status)
