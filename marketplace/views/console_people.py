"""The console's people and match actions: the search over her exchanges, blocking a pair from a
teen's or a provider's page, and cancelling or reassigning a confirmed match from the job page.

Like the rest of the console: the coordinator role or 403; every object is looked up through her
exchanges, so one of another exchange is a 404 (STYLE habit 6); the rules live in the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.services import audit_log

from ..forms_people import AssignmentCancelForm, BlockProviderForm, BlockTeenForm, ReassignForm, SearchForm
from ..models import Assignment, AssignmentStatus, BlockedPair, ProviderProfile, TeenProfile
from ..selectors import exchanges_for_coordinator, providers_for_coordinator, teens_for_coordinator
from ..selectors.people import block_choices_for_provider, block_choices_for_teen, search_for_coordinator
from ..services.assignments import assignment_cancel, assignment_reassign
from ..services.blocks import blocked_pair_create, blocked_pair_delete
from ..services.errors import Conflict
from .coordinator import coordinator_required, render_provider_page, render_teen_page
from .coordinator_jobs import _job_or_404, _render_detail

# --- Search ------------------------------------------------------------------------------------


@coordinator_required
def search(request):
    form = SearchForm(request.GET if "q" in request.GET else None)
    result = None
    if form.is_bound and form.is_valid():
        result = search_for_coordinator(user=request.user, query=form.cleaned_data["q"])
        exchange_ids = list(exchanges_for_coordinator(user=request.user).values_list("pk", flat=True))
        # The query itself holds names: only the number of hits goes on record.
        audit_log(actor=request.user, action="marketplace.console.searched",
                  exchange_id=exchange_ids[0] if len(exchange_ids) == 1 else None,
                  data={"hits": result.total, "teens": result.teens.count,
                        "providers": result.providers.count, "jobs": result.jobs.count})
    return render(request, "marketplace/coordinator/search.html", {
        "form": form, "result": result,
        "several_exchanges": exchanges_for_coordinator(user=request.user).count() > 1,
    })


# --- Blocked pairs -----------------------------------------------------------------------------


def _block_done(request, pair: BlockedPair, teen: TeenProfile, provider: ProviderProfile) -> None:
    messages.success(request, _("%(teen)s und %(provider)s werden nicht mehr zusammen vermittelt.") % {
        "teen": f"{teen.first_name} {teen.last_name}", "provider": f"{provider.first_name} {provider.last_name}"})
    ahead = Assignment.objects.filter(teen=teen, job__provider=provider, status=AssignmentStatus.CONFIRMED,
                                      starts_at__gt=timezone.now()).count()
    if ahead:
        messages.warning(request, _("Die beiden haben noch %(count)s vereinbarte Einsätze. Sagen Sie diese "
                                    "bei Bedarf auf der Seite des Auftrags ab.") % {"count": ahead})


def _block_from_form(request, form, *, person, other_field: str) -> bool:
    """Blocks the page's `person` and the one the form names in `other_field` ("provider" on a
    teen's page, "teen" on a provider's), who must be of the same exchange; True once blocked."""
    if not form.is_valid():
        return False
    model = ProviderProfile if other_field == "provider" else TeenProfile
    other = get_object_or_404(model.objects.filter(exchange_id=person.exchange_id), pk=form.cleaned_data[other_field])
    teen, provider = (person, other) if other_field == "provider" else (other, person)
    try:
        pair = blocked_pair_create(teen=teen, provider=provider, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        form.add_service_errors(exc)
    except Conflict as exc:
        form.add_error(other_field, exc.message)
    else:
        _block_done(request, pair, teen, provider)
        return True
    return False


@coordinator_required
@require_POST
def teen_block(request, pk: int):
    teen = get_object_or_404(teens_for_coordinator(user=request.user), pk=pk)
    known, others = block_choices_for_teen(teen=teen)
    form = BlockProviderForm(request.POST, known=known, others=others, auto_id="id_block_%s")
    if _block_from_form(request, form, person=teen, other_field="provider"):
        return redirect("coordinator_teen", pk=teen.pk)
    return render_teen_page(request, teen, block_form=form)


@coordinator_required
@require_POST
def provider_block(request, pk: int):
    provider = get_object_or_404(providers_for_coordinator(user=request.user), pk=pk)
    known, others = block_choices_for_provider(provider=provider)
    form = BlockTeenForm(request.POST, known=known, others=others, auto_id="id_block_%s")
    if _block_from_form(request, form, person=provider, other_field="teen"):
        return redirect("coordinator_provider", pk=provider.pk)
    return render_provider_page(request, provider, block_form=form)


@coordinator_required
@require_POST
def block_delete(request, pk: int):
    pair = get_object_or_404(
        BlockedPair.objects.filter(exchange__in=exchanges_for_coordinator(user=request.user))
        .select_related("teen", "provider"), pk=pk)
    try:
        blocked_pair_delete(pair=pair, by=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Sperre für %(teen)s und %(provider)s ist aufgehoben.") % {
            "teen": pair.teen.first_name, "provider": f"{pair.provider.first_name} {pair.provider.last_name}"})
    if request.POST.get("back") == "provider":
        return redirect("coordinator_provider", pk=pair.provider_id)
    return redirect("coordinator_teen", pk=pair.teen_id)


# --- Cancelling and reassigning a match --------------------------------------------------------


def _assignment_or_404(request, pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.filter(job__exchange__in=exchanges_for_coordinator(user=request.user))
        .select_related("job", "teen"), pk=pk)


def _job_page(request, assignment: Assignment, forms: dict):
    job = _job_or_404(request, assignment.job_id)
    return _render_detail(request, job, match_forms={assignment.pk: forms})


@coordinator_required
@require_POST
def assignment_cancel_view(request, pk: int):
    assignment = _assignment_or_404(request, pk)
    form = AssignmentCancelForm(request.POST, auto_id=f"id_cancel{assignment.pk}_%s")
    if form.is_valid():
        try:
            assignment_cancel(assignment=assignment, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("coordinator_job", pk=assignment.job_id)
        else:
            messages.success(request, _("Der Einsatz von %(name)s ist abgesagt. %(name)s und die "
                                        "Auftraggeberin oder der Auftraggeber sind benachrichtigt.")
                             % {"name": assignment.teen.first_name})
            return redirect("coordinator_job", pk=assignment.job_id)
    return _job_page(request, assignment, {"cancel": form})


@coordinator_required
@require_POST
def assignment_reassign_view(request, pk: int):
    assignment = _assignment_or_404(request, pk)
    form = ReassignForm(request.POST, candidates=[], auto_id=f"id_reassign{assignment.pk}_%s")
    if form.is_valid():
        # A teen of another exchange does not exist for this coordinator (404).
        teen = get_object_or_404(TeenProfile.objects.filter(exchange_id=assignment.job.exchange_id),
                                 pk=form.cleaned_data["teen"])
        try:
            new = assignment_reassign(assignment=assignment, teen=teen, by=request.user,
                                      reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            if "job" in exc.message_dict:
                form.add_error("teen", _("%(name)s kann nicht vermittelt werden: %(reasons)s") % {
                    "name": teen.first_name, "reasons": " ".join(exc.message_dict["job"])})
            else:
                form.add_service_errors(exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("coordinator_job", pk=assignment.job_id)
        else:
            start = timezone.localtime(new.starts_at)
            messages.success(request, _(
                "„%(title)s“ ist neu vermittelt: %(new)s statt %(old)s, am %(day)s um %(time)s Uhr. Alle "
                "Beteiligten sind benachrichtigt.") % {
                "title": assignment.job.title, "new": teen.first_name, "old": assignment.teen.first_name,
                "day": start.strftime("%d.%m.%Y"), "time": start.strftime("%H:%M")})
            return redirect("coordinator_job", pk=assignment.job_id)
    return _job_page(request, assignment, {"reassign": form})


urlpatterns = [
    path("koordination/suche/", search, name="coordinator_search"),
    path("koordination/jugendliche/<int:pk>/paar-sperren/", teen_block, name="coordinator_teen_block"),
    path("koordination/auftraggeber/<int:pk>/paar-sperren/", provider_block, name="coordinator_provider_block"),
    path("koordination/gesperrte-paare/<int:pk>/aufheben/", block_delete, name="coordinator_block_delete"),
    path("koordination/einsaetze/<int:pk>/absagen/", assignment_cancel_view, name="coordinator_assignment_cancel"),
    path("koordination/einsaetze/<int:pk>/neu-vermitteln/", assignment_reassign_view,
         name="coordinator_assignment_reassign"),
]
