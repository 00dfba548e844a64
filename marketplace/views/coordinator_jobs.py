"""The coordinator's job pages: review queue, a job entered after a phone call, the job's page
with candidates and "why not", direct assignment and the engine's batch proposal.

Like the rest of the console (`coordinator.py`): the coordinator role or 403; every job is looked
up through her exchanges, so a job of another exchange is a 404 (STYLE habit 6); the rules are
in `services.jobs`, the reads in `selectors`; showing personal data writes an audit entry.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.services import audit_log

from ..forms_coordinator_jobs import (
    STATUS_ALL,
    CoordinatorJobForm,
    JobFilterForm,
    ProposalFilterForm,
    ReasonForm,
    WhyNotForm,
    active_providers,
    parse_pairs,
)
from ..forms_people import AssignmentCancelForm, ReassignForm
from ..matching_adapter import aware
from ..models import ApplicationStatus, AssignmentStatus, Job, JobStatus, TeenProfile, TeenStatus
from ..selectors import (
    applicants_for_job,
    assignment_contact,
    candidates_for_job,
    exchanges_for_coordinator,
    proposal_for,
    why_not_for,
)
from ..services import jobs as job_services
from ..services.errors import Conflict
from ._actions import act
from .coordinator import PAGE_SIZE, coordinator_required

CANDIDATE_LIMIT = 25
WHY_NOT_MATCHES = 20
QUEUE_STATUSES = (JobStatus.REVIEW, JobStatus.OPEN)


def jobs_for_coordinator(user) -> QuerySet[Job]:
    """Every job of her exchanges, with what the pages show of it."""
    return (Job.objects.filter(exchange__in=exchanges_for_coordinator(user=user))
            .select_related("exchange__policy", "provider__user", "provider__postcode", "postcode", "category"))


def _job_or_404(request, pk: int) -> Job:
    return get_object_or_404(jobs_for_coordinator(request.user), pk=pk)


def _on_or_after(day: date) -> Q:
    return Q(starts_at__date__gte=day) | Q(starts_at__isnull=True, window_end__gte=day)


def _on_or_before(day: date) -> Q:
    return Q(starts_at__date__lte=day) | Q(starts_at__isnull=True, window_start__lte=day)


# --- The list ------------------------------------------------------------------------------


@coordinator_required
def job_list(request):
    exchanges = exchanges_for_coordinator(user=request.user)
    form = JobFilterForm(request.GET or None, exchanges=exchanges)
    chosen = form.filters()
    jobs = jobs_for_coordinator(request.user)
    status = chosen.get("status") or ""
    if status == STATUS_ALL:
        pass
    elif status in JobStatus.values:
        jobs = jobs.filter(status=status)
    else:
        jobs = jobs.filter(status__in=QUEUE_STATUSES)
    if chosen.get("category"):
        jobs = jobs.filter(category__slug=chosen["category"])
    if chosen.get("date_from"):
        jobs = jobs.filter(_on_or_after(chosen["date_from"]))
    if chosen.get("date_to"):
        jobs = jobs.filter(_on_or_before(chosen["date_to"]))
    # What needs her first: jobs in review, then open ones; within each the longest waiting.
    rank = Case(When(status=JobStatus.REVIEW, then=Value(0)), When(status=JobStatus.OPEN, then=Value(1)),
                When(status=JobStatus.FILLED, then=Value(2)), default=Value(3), output_field=IntegerField())
    jobs = jobs.annotate(rank=rank).order_by("rank", "created_at", "id")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "marketplace/coordinator/jobs/list.html", {
        "form": form, "page": page,
        "several_exchanges": exchanges.count() > 1,
    })


# --- A job after a phone call --------------------------------------------------------------


@coordinator_required
def job_new(request):
    exchanges = list(exchanges_for_coordinator(user=request.user).select_related("policy"))
    search = request.GET.get("suche", "").strip()[:80]
    if request.method == "POST":
        form = CoordinatorJobForm(request.POST, exchanges=exchanges)
        if form.is_valid():
            provider = form.cleaned_data["provider"]
            try:
                job = job_services.job_create(provider=provider, by=request.user, data=form.service_data())
            except ValidationError as exc:
                form.add_service_errors(exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _(
                    "Der Auftrag „%(title)s“ für %(name)s ist angelegt und veröffentlicht. Passende "
                    "Jugendliche sehen ihn jetzt; unten finden Sie die Kandidaten.") % {
                    "title": job.title, "name": f"{provider.first_name} {provider.last_name}"})
                return redirect("coordinator_job", pk=job.pk)
    else:
        providers = active_providers(exchanges, search)
        initial = {}
        wanted = request.GET.get("auftraggeber", "")
        if wanted.isdigit() and len(wanted) < 12:
            initial["provider"] = providers.filter(pk=int(wanted)).values_list("pk", flat=True).first()
        elif search and providers.count() == 1:
            initial["provider"] = providers.get().pk
        form = CoordinatorJobForm(exchanges=exchanges, providers=providers, initial=initial)
    return render(request, "marketplace/coordinator/jobs/form.html", {
        "form": form, "search": search, "exchanges": exchanges,
        "provider_count": form.fields["provider"].queryset.count(),
    })


# --- A job's page --------------------------------------------------------------------------


def _why_not(request, job: Job) -> dict:
    """The "why not?" part: a name search among the exchange's teens, or one named teen and the
    engine's full verdict for her."""
    pool = (TeenProfile.objects.filter(exchange_id=job.exchange_id).exclude(status=TeenStatus.DELETED)
            .select_related("postcode"))
    form = WhyNotForm(request.GET if "wer" in request.GET else None, auto_id="id_whynot_%s")
    out = {"form": form, "asked": False, "matches": None, "teen": None, "verdict": None}
    teen = None
    wanted = request.GET.get("teen", "")
    if wanted:
        out["asked"] = True
        teen = pool.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 12 else None
    elif form.is_bound and form.is_valid():
        out["asked"] = True
        matches = pool
        for word in form.cleaned_data["wer"].split()[:4]:
            matches = matches.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        matches = list(matches.order_by("first_name", "last_name", "id")[:WHY_NOT_MATCHES + 1])
        if len(matches) == 1:
            teen = matches[0]
        else:
            out["matches"] = matches[:WHY_NOT_MATCHES]
            out["more_matches"] = len(matches) > WHY_NOT_MATCHES
    if teen is not None:
        out["teen"] = teen
        out["verdict"] = why_not_for(job=job, teen=teen)
        if out["verdict"] is not None and out["verdict"].starts_at:
            out["starts_at"] = aware(out["verdict"].starts_at)
            out["ends_at"] = aware(out["verdict"].ends_at)
        out["age"] = teen.age_on(out["starts_at"].date() if out.get("starts_at") else timezone.localdate())
        # DESIGN section 8: looking at a named minor's eligibility is access to her data.
        audit_log(actor=request.user, action="marketplace.teen.viewed", target=teen,
                  exchange_id=job.exchange_id, subject_user_id=teen.user_id,
                  data={"job_id": job.pk, "view": "why_not"})
    return out


def _candidate_rows(job: Job, applicants: list[dict]) -> list[dict]:
    pending = {a["teen_id"] for a in applicants if a["status"] == ApplicationStatus.PENDING}
    rows = []
    for teen, ranked in candidates_for_job(job=job, limit=CANDIDATE_LIMIT):
        start = aware(ranked.starts_at)
        rows.append({"teen": teen, "ranked": ranked, "age": teen.age_on(start.date()),
                     "starts_at": start, "ends_at": aware(ranked.ends_at), "applied": teen.pk in pending})
    return rows


def _match_actions(job: Job, contacts: list[dict], candidates: list[dict] | None, applicants: list[dict],
                   match_forms: dict | None) -> list[dict]:
    """For each confirmed match still ahead: a cancel form and a "reassign to" form offering the
    engine's candidates (computed once per page, also for a filled job)."""
    ahead = [c for c in contacts if c["assignment"].status == AssignmentStatus.CONFIRMED
             and c["assignment"].starts_at > timezone.now()]
    if not ahead:
        return candidates or []
    if candidates is None:
        candidates = _candidate_rows(job, applicants)
    taken = {c["assignment"].teen_id for c in contacts}
    choices = [c for c in candidates if c["teen"].pk not in taken]
    match_forms = match_forms or {}
    for item in ahead:
        a = item["assignment"]
        given = match_forms.get(a.pk, {})
        item["cancel_form"] = given.get("cancel") or AssignmentCancelForm(auto_id=f"id_cancel{a.pk}_%s")
        reassign = given.get("reassign") or ReassignForm(auto_id=f"id_reassign{a.pk}_%s", candidates=choices)
        reassign.set_candidates(choices)
        item["reassign_form"] = reassign
        item["has_candidates"] = bool(choices)
    return candidates


def _render_detail(request, job: Job, *, reject_form=None, cancel_form=None, match_forms=None, status=200):
    user = request.user
    applicants = applicants_for_job(job=job)
    assignments = list(job.assignments.select_related("teen__user").order_by("starts_at", "id"))
    contacts = [{"assignment": a, "contact": assignment_contact(assignment=a, viewer=user)} for a in assignments]
    show_candidates = job.status == JobStatus.OPEN and job.places_left > 0
    candidates = _candidate_rows(job, applicants) if show_candidates else None
    reassign_candidates = _match_actions(job, contacts, candidates, applicants, match_forms)
    candidates = candidates or []
    why_not = _why_not(request, job)
    # DESIGN section 8: the coordinator saw the provider's, the applicants', the helpers' and
    # the candidates' data on this page.
    audit_log(actor=user, action="marketplace.job.viewed", target=job, exchange_id=job.exchange_id,
              subject_user_id=job.provider.user_id,
              data={"applicants": [a["teen_id"] for a in applicants],
                    "assignments": [a.teen_id for a in assignments],
                    "candidates": sorted({c["teen"].pk for c in [*candidates, *reassign_candidates]})})
    in_review = job.status == JobStatus.REVIEW
    next_in_review = (jobs_for_coordinator(user).filter(status=JobStatus.REVIEW).exclude(pk=job.pk)
                      .order_by("created_at", "id").values_list("pk", flat=True).first())
    return render(request, "marketplace/coordinator/jobs/detail.html", {
        "job": job,
        "provider": job.provider,
        "in_review": in_review,
        "reject_form": reject_form or ReasonForm(
            auto_id="id_reject_%s",
            help_text=_("Die Begründung steht im Protokoll und wird der Auftraggeberin oder dem "
                        "Auftraggeber mitgeteilt.")),
        "can_cancel": job.status in job_services.CANCELLABLE,
        "cancel_form": cancel_form or ReasonForm(
            auto_id="id_cancel_%s", label=_("Grund der Absage"),
            help_text=_("Vereinbarte Einsätze werden mit abgesagt.")),
        "applicants": applicants,
        "contacts": contacts,
        "candidates": candidates,
        "show_candidates": show_candidates,
        "candidate_limit": CANDIDATE_LIMIT,
        "why_not": why_not,
        "next_in_review": next_in_review,
    }, status=status)


@coordinator_required
def job_detail(request, pk: int):
    job = _job_or_404(request, pk)
    if request.method == "POST":
        if request.POST.get("action") != "cancel":
            return redirect("coordinator_job", pk=job.pk)
        form = ReasonForm(request.POST, auto_id="id_cancel_%s", label=_("Grund der Absage"))
        if form.is_valid():
            response = act(request, lambda: job_services.job_cancel(job=job, by=request.user,
                                                                     reason=form.cleaned_data["reason"]),
                           success=_("Der Auftrag „%(title)s“ ist abgesagt.") % {"title": job.title},
                           back=reverse("coordinator_job", args=[job.pk]), form=form)
            if response:
                return response
        return _render_detail(request, job, cancel_form=form)
    if request.htmx and ("wer" in request.GET or "teen" in request.GET):
        # htmx asks only for the "why not?" answer: spare the page (and the candidate search).
        response = render(request, "marketplace/coordinator/jobs/_why_not.html",
                          {"job": job, "why_not": _why_not(request, job)})
    else:
        response = _render_detail(request, job)
    patch_vary_headers(response, ("HX-Request",))
    return response


@coordinator_required
@require_POST
def job_approve(request, pk: int):
    job = _job_or_404(request, pk)
    return act(request, lambda: job_services.job_approve(job=job, by=request.user),
               success=_("„%(title)s“ ist freigegeben und für passende Jugendliche sichtbar.") % {"title": job.title},
               back=reverse("coordinator_job", args=[job.pk]))


@coordinator_required
@require_POST
def job_reject(request, pk: int):
    job = _job_or_404(request, pk)
    form = ReasonForm(request.POST, auto_id="id_reject_%s")
    if form.is_valid():
        response = act(request, lambda: job_services.job_reject(job=job, by=request.user,
                                                                 reason=form.cleaned_data["reason"]),
                       success=_("„%(title)s“ ist abgelehnt.") % {"title": job.title},
                       back=reverse("coordinator_job", args=[job.pk]), form=form)
        if response:
            return response
    return _render_detail(request, job, reject_form=form)


@coordinator_required
@require_POST
def assign(request, pk: int):
    job = _job_or_404(request, pk)
    wanted = request.POST.get("teen", "")
    if not (wanted.isdigit() and len(wanted) < 12):
        messages.error(request, _("Bitte eine Person aus der Liste wählen."))
        return redirect("coordinator_job", pk=job.pk)
    # A teen of another exchange does not exist for this coordinator (404, like the job).
    teen = get_object_or_404(TeenProfile.objects.filter(exchange_id=job.exchange_id), pk=int(wanted))
    try:
        assignment = job_services.assignment_create_direct(job=job, teen=teen, by=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _("%(name)s kann nicht vermittelt werden: %(reasons)s") % {
            "name": teen.first_name, "reasons": " ".join(exc.messages)})
    else:
        start = timezone.localtime(assignment.starts_at)
        messages.success(request, _(
            "%(name)s ist für „%(title)s“ am %(day)s um %(time)s Uhr vermittelt. Beide Seiten sehen "
            "jetzt die Kontaktdaten.") % {"name": teen.first_name, "title": job.title,
                                          "day": start.strftime("%d.%m.%Y"), "time": start.strftime("%H:%M")})
    return redirect("coordinator_job", pk=job.pk)


# --- The batch proposal --------------------------------------------------------------------


def _proposal_query(values: dict, several: bool) -> str:
    query = {}
    if several and values["exchange"] is not None:
        query["exchange"] = values["exchange"].pk
    for name in ("date_from", "date_to"):
        if values[name]:
            query[name] = values[name].isoformat()
    return urlencode(query)


@coordinator_required
def proposal(request):
    exchanges = list(exchanges_for_coordinator(user=request.user))
    several = len(exchanges) > 1
    source = request.POST if request.method == "POST" else (request.GET or None)
    form = ProposalFilterForm(source, exchanges=exchanges)
    values = form.values()
    back = f"{reverse('coordinator_proposal')}?{_proposal_query(values, several)}".rstrip("?")

    if request.method == "POST":
        pairs = parse_pairs(request.POST.getlist("pair"))
        if not pairs:
            messages.warning(request, _("Sie haben kein Paar ausgewählt; es wurde nichts vermittelt."))
            return HttpResponseRedirect(back)
        made, problems = job_services.proposal_confirm(by=request.user, pairs=pairs)
        if made:
            messages.success(request, _("Vermittelt (%(count)s): %(list)s") % {
                "count": len(made),
                "list": "; ".join(
                    f"{a.teen.first_name} → {a.job.title} ({timezone.localtime(a.starts_at):%d.%m. %H:%M})"
                    for a in made)})
        for problem in problems:
            messages.error(request, _("Nicht vermittelt: %(problem)s") % {"problem": problem})
        return HttpResponseRedirect(back)

    exchange = values["exchange"]
    context = {"form": form, "exchange": exchange, "several": several}
    if exchange is None:
        return render(request, "marketplace/coordinator/jobs/proposal.html", context)
    jobs = Job.objects.filter(exchange=exchange, status=JobStatus.OPEN)
    if values["date_from"]:
        jobs = jobs.filter(_on_or_after(values["date_from"]))
    if values["date_to"]:
        jobs = jobs.filter(_on_or_before(values["date_to"]))
    result, jobs_by_id, teens_by_id = proposal_for(exchange=exchange, job_ids=jobs.values_list("pk", flat=True))
    chosen = defaultdict(list)
    for ranked in result.pairs:
        start = aware(ranked.starts_at)
        teen = teens_by_id[ranked.teen_id]
        chosen[ranked.job_id].append({"teen": teen, "ranked": ranked, "age": teen.age_on(start.date()),
                                      "starts_at": start, "ends_at": aware(ranked.ends_at)})

    def when(job):
        return (timezone.localdate(job.starts_at) if job.starts_at else job.window_start, job.pk)

    groups = [{"job": job, "pairs": chosen.get(job.pk, []), "places": job.places_left}
              for job in sorted(jobs_by_id.values(), key=when)]
    teen_ids = sorted({r.teen_id for r in result.pairs})
    if teen_ids:
        # DESIGN section 8: the proposal shows names and ages of these teens.
        audit_log(actor=request.user, action="marketplace.proposal.viewed", exchange_id=exchange.pk,
                  data={"teen_ids": teen_ids, "job_ids": sorted(jobs_by_id)})
    context.update(proposal=result, groups=groups, values=values)
    return render(request, "marketplace/coordinator/jobs/proposal.html", context)
