"""The teen's job pages: her ranked feed, a job, her applications, her confirmed jobs and
their calendar file.

What she sees follows DESIGN section 8: before a confirmed match only the area of a job
(postcode and place), never the street or the provider's name; after it the exact address and
the provider's contact, through `selectors.assignment_contact`. A job she may not know about
answers 404, as if it did not exist: another exchange, beyond her or the job's radius, reserved
for someone else, a blocked provider, or no longer open (unless she applied for it). An open
job in her area that she may not do (her age, her times) shows the engine's reasons instead of
the apply form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from matching import engine
from matching.geo import haversine_km
from matching.scoring import distance_reason

from ..forms_teen_jobs import ApplyForm
from ..matching_adapter import aware, policies_for, teen_queryset, teens_to_engine, to_job
from ..matching_adapter import snapshot as snapshot_now
from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Feedback,
    FeedbackAuthor,
    Job,
    JobStatus,
    TeenStatus,
)
from ..selectors import assignment_contact, feed_for_teen
from ..services.assignments import ical_for_teen
from ..services.errors import Conflict
from ..services.jobs import PREFERRED_TEEN_HOURS, application_create, application_withdraw
from ..services.teens import SELF_PAUSE_REASON, teen_profile_for
from ._actions import act
from .teen import teen_required

# The engine's reasons that mean "not for her eyes at all" rather than "not for her now": a job
# beyond either radius is not in her area, and a blocked provider must stay out of sight.
HIDDEN_REASON_CODES = frozenset({"other_exchange", "too_far_for_teen", "too_far_for_job", "blocked_pair"})

# Application and assignment statuses in the words a teen understands, with a badge style.
APPLICATION_WORDS = {
    ApplicationStatus.PENDING: (gettext_lazy("Beworben – wartet auf Antwort"), "info"),
    ApplicationStatus.ACCEPTED: (gettext_lazy("Zusage – du bist dabei!"), "success"),
    ApplicationStatus.DECLINED: (gettext_lazy("Leider eine Absage"), "muted"),
    ApplicationStatus.WITHDRAWN: (gettext_lazy("Von dir zurückgezogen"), "muted"),
    ApplicationStatus.CLOSED: (gettext_lazy("Geschlossen – schon vergeben oder abgesagt"), "muted"),
}
ASSIGNMENT_WORDS = {
    AssignmentStatus.CONFIRMED: (gettext_lazy("Zugesagt"), "success"),
    AssignmentStatus.DONE: (gettext_lazy("Erledigt"), "info"),
    AssignmentStatus.NO_SHOW: (gettext_lazy("Als „nicht erschienen“ gemeldet"), "warning"),
    AssignmentStatus.CANCELLED: (gettext_lazy("Abgesagt"), "muted"),
}


# --- helpers -------------------------------------------------------------------------------

def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def _pay(job: Job, minutes: int | None) -> dict:
    """The pay of a job as the template shows it: the rate or the fixed amount, and for an
    hourly rate what that makes for the planned time."""
    if job.hourly_rate is not None:
        total = (job.hourly_rate * Decimal(minutes) / 60).quantize(Decimal("0.01")) if minutes else None
        return {"hourly_rate": job.hourly_rate, "total": total}
    return {"fixed_amount": job.fixed_amount}


def _tel(phone: str) -> str:
    """A tel: target keeps only digits and a leading plus (RFC 3966 has no spaces)."""
    phone = (phone or "").strip()
    digits = "".join(ch for ch in phone if ch.isdigit())
    return ("+" + digits) if phone.startswith("+") else digits


def _reserved_for_someone_else(job: Job, teen) -> bool:
    return bool(job.preferred_teen_id and job.preferred_teen_id != teen.pk and job.published_at
                and timezone.now() < job.published_at + timedelta(hours=PREFERRED_TEEN_HOURS))


def _engine_answer(job: Job, teen):
    """The engine on this one job for her: (ranked or None, verdict or None). Her own booking
    of this job does not count against it (she may already be one of its helpers)."""
    teens = teens_to_engine(list(teen_queryset().filter(pk=teen.pk)), exclude_job_id=job.pk)
    if not teens:
        return None, None
    snapshot = snapshot_now(teens=teens, jobs=[to_job(job)], policies=policies_for([job.exchange_id]))
    verdict = engine.why_not(snapshot, teen.pk, job.pk)
    ranked = next(iter(engine.jobs_for_teen(snapshot, teen.pk)), None) if verdict.eligible else None
    return ranked, verdict


def _fit_reasons(ranked) -> list[str]:
    """The engine's reasons why a job fits her, without the distance (shown on its own)."""
    if ranked is None:
        return []
    return [r for r in ranked.reasons if r != distance_reason(ranked.distance_km)]


def _safe_next(request, default: str) -> str:
    """The posted `next` if it is a page of this site, else `default` (a URL name)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# --- the feed ------------------------------------------------------------------------------

@dataclass
class _Card:
    job: Job
    starts_at: datetime
    ends_at: datetime
    distance_km: float
    reasons: list[str]
    pay: dict
    application: Application | None


@never_cache
@require_GET
@teen_required
def feed(request):
    teen = teen_profile_for(request.user)
    if teen.status != TeenStatus.ACTIVE:
        return render(request, "marketplace/teen/jobs/feed.html", {
            "teen": teen, "cards": [], "active": False,
            "can_resume": teen.status == TeenStatus.PAUSED and teen.status_reason == SELF_PAUSE_REASON,
        })
    pairs = feed_for_teen(teen=teen)
    applied = {a.job_id: a for a in Application.objects.filter(teen=teen, job_id__in=[j.pk for j, _ in pairs])}
    cards = []
    for job, ranked in pairs:
        starts_at, ends_at = aware(ranked.starts_at), aware(ranked.ends_at)
        cards.append(_Card(job=job, starts_at=starts_at, ends_at=ends_at, distance_km=ranked.distance_km,
                           reasons=_fit_reasons(ranked), pay=_pay(job, _minutes(starts_at, ends_at)),
                           application=applied.get(job.pk)))
    context = {"teen": teen, "cards": cards, "active": True}
    if not cards:
        context.update({
            "open_jobs": Job.objects.filter(exchange_id=teen.exchange_id, status=JobStatus.OPEN).count(),
            "slot_count": teen.availability.count(),
        })
    return render(request, "marketplace/teen/jobs/feed.html", context)


# --- one job -------------------------------------------------------------------------------

def _visible_job(teen, pk: int):
    """The job and what she may see of it, or 404."""
    if teen.exchange_id is None:
        raise Http404
    job = get_object_or_404(Job.objects.select_related("category", "postcode", "exchange"),
                            pk=pk, exchange_id=teen.exchange_id)
    application = Application.objects.filter(job=job, teen=teen).first()
    assignment = (Assignment.objects.filter(job=job, teen=teen)
                  .select_related("job__provider__user", "job__postcode", "teen__user").first())
    ranked = verdict = None
    if (job.status == JobStatus.OPEN and teen.status == TeenStatus.ACTIVE
            and not _reserved_for_someone_else(job, teen)):
        ranked, verdict = _engine_answer(job, teen)
    in_her_area = verdict is not None and not any(r.code in HIDDEN_REASON_CODES for r in verdict.reasons)
    if application is None and assignment is None and not in_her_area:
        raise Http404
    return job, application, assignment, ranked, verdict


def _gone_from_her_area(teen, pk: int) -> bool:
    """A job of her exchange within her reach that is no longer open: she may have seen it."""
    job = Job.objects.filter(pk=pk, exchange_id=teen.exchange_id).exclude(status=JobStatus.OPEN).first()
    if job is None or teen.postcode is None or teen.status != TeenStatus.ACTIVE:
        return False
    reach = min(teen.radius_km, job.radius_km or teen.radius_km)
    return haversine_km(teen.postcode.latitude, teen.postcode.longitude, job.latitude, job.longitude) <= reach


def _job_context(request, teen, job, application, assignment, ranked, verdict, *, form=None,
                 refusal=None, conflict=None) -> dict:
    if assignment is not None and assignment.status != AssignmentStatus.CANCELLED:
        starts_at, ends_at = assignment.starts_at, assignment.ends_at
    elif job.starts_at:
        starts_at, ends_at = job.starts_at, job.ends_at
    elif verdict is not None and verdict.starts_at:
        starts_at, ends_at = aware(verdict.starts_at), aware(verdict.ends_at)
    else:
        starts_at = ends_at = None
    minutes = _minutes(starts_at, ends_at) if starts_at else job.duration_minutes
    contact = assignment_contact(assignment=assignment, viewer=request.user) if assignment else {}
    can_apply = (application is None and assignment is None and job.status == JobStatus.OPEN
                 and verdict is not None and verdict.eligible)
    application_words = APPLICATION_WORDS.get(application.status) if application else None
    return {
        "teen": teen,
        "job": job,
        "application": application,
        "application_words": application_words,
        "assignment": assignment,
        "contact": contact,
        "tel": _tel(contact.get("phone", "")),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "suggested": job.starts_at is None and starts_at is not None,
        "minutes": minutes,
        "pay": _pay(job, minutes),
        "distance_km": verdict.distance_km if verdict is not None else None,
        "fit_reasons": _fit_reasons(ranked),
        "why_not": [r.message for r in verdict.reasons] if verdict is not None and not can_apply
        and application is None and assignment is None else [],
        "availability_reason": verdict is not None and any(
            r.code.startswith("not_available") for r in verdict.reasons),
        "can_apply": can_apply,
        "form": form or ApplyForm(),
        "refusal": refusal or [],
        "conflict": conflict,
    }


def _still_visible(teen, pk: int) -> bool:
    try:
        _visible_job(teen, pk)
    except Http404:
        return False
    return True


@never_cache
@require_http_methods(["GET", "POST"])
@teen_required
def job_detail(request, pk):
    """The job page; a POST applies. Without JavaScript every outcome ends on a page of its
    own; with htmx only the apply section is swapped (nothing else on the page changes)."""
    teen = teen_profile_for(request.user)
    try:
        job, application, assignment, ranked, verdict = _visible_job(teen, pk)
    except Http404:
        if request.method == "POST" and _gone_from_her_area(teen, pk):
            # She saw it a moment ago and it was filled or withdrawn meanwhile: say so kindly.
            return _to_feed(request, _("Für diesen Auftrag kann man sich nicht mehr bewerben."))
        raise
    form = refusal = conflict = None
    if request.method == "POST":
        form = ApplyForm(request.POST)
        if form.is_valid():
            try:
                application = application_create(job=job, teen=teen, **form.service_data())
            except ValidationError as exc:
                refusal = exc.messages  # the engine's reasons why she may not take it (now)
            except Conflict as exc:
                conflict = exc.message  # applied before, reserved, or no longer open
                if not _still_visible(teen, job.pk):
                    return _to_feed(request, conflict)
                if not request.htmx:
                    messages.error(request, conflict)
                    return redirect("teen_job", pk=job.pk)
                job.refresh_from_db()
                application = Application.objects.filter(job=job, teen=teen).first()
            else:
                if not request.htmx:
                    messages.success(request, _("Super, deine Bewerbung ist abgeschickt! Wir sagen dir "
                                                "Bescheid, sobald es eine Antwort gibt."))
                    return redirect("teen_job", pk=job.pk)
    context = _job_context(request, teen, job, application, assignment, ranked, verdict, form=form,
                           refusal=refusal, conflict=conflict)
    if request.htmx and request.method == "POST":
        context["just_applied"] = refusal is None and conflict is None and application is not None
        return render(request, "marketplace/teen/jobs/_apply.html", context)
    return render(request, "marketplace/teen/jobs/job.html", context)


def _to_feed(request, message: str):
    messages.error(request, message)
    if request.htmx:  # a whole new page, not a swap of the apply section
        return HttpResponseClientRedirect(reverse("teen_feed"))
    return redirect("teen_feed")


# --- her applications ----------------------------------------------------------------------

@never_cache
@require_GET
@teen_required
def applications(request):
    teen = teen_profile_for(request.user)
    rows = []
    for application in (Application.objects.filter(teen=teen)
                        .select_related("job__category", "job__postcode")
                        .order_by("-created_at", "-id")):
        words, style = APPLICATION_WORDS[application.status]
        rows.append({"application": application, "job": application.job, "words": words, "style": style})
    return render(request, "marketplace/teen/jobs/applications.html", {"teen": teen, "rows": rows})


@require_POST
@teen_required
def withdraw(request, pk):
    teen = teen_profile_for(request.user)
    application = get_object_or_404(Application, pk=pk, teen=teen)
    return act(request, lambda: application_withdraw(application=application, teen=teen),
               success=_("Du hast deine Bewerbung zurückgezogen."), back=_safe_next(request, "teen_applications"))


# --- her confirmed and past jobs -----------------------------------------------------------

@never_cache
@require_GET
@teen_required
def assignments(request):
    teen = teen_profile_for(request.user)
    now = timezone.now()
    upcoming, past = [], []
    queryset = (Assignment.objects.filter(teen=teen)
                .select_related("job__category", "job__postcode", "job__provider__user", "teen__user")
                .prefetch_related(Prefetch("feedback", queryset=Feedback.objects.filter(author=FeedbackAuthor.TEEN),
                                           to_attr="own_feedback"))
                .order_by("starts_at", "id"))
    for a in queryset:
        started = now >= a.starts_at
        minutes = _minutes(a.starts_at, a.ends_at)
        contact = assignment_contact(assignment=a, viewer=request.user)
        words, style = ASSIGNMENT_WORDS[a.status]
        row = {
            "assignment": a, "job": a.job, "words": words, "style": style, "contact": contact,
            "tel": _tel(contact.get("phone", "")), "minutes": minutes, "pay": _pay(a.job, minutes),
            "can_cancel": a.status == AssignmentStatus.CONFIRMED and not started,
            "can_confirm": (a.status in (AssignmentStatus.CONFIRMED, AssignmentStatus.DONE) and started
                            and a.teen_confirmed_at is None),
            "can_rate": a.status == AssignmentStatus.DONE and not a.own_feedback,
            "rated": bool(a.own_feedback),
            "can_report": a.status != AssignmentStatus.CANCELLED,
        }
        if a.status == AssignmentStatus.CONFIRMED and a.ends_at >= now:
            upcoming.append(row)
        else:
            past.append(row)
    past.reverse()  # the most recent first
    return render(request, "marketplace/teen/jobs/assignments.html", {
        "teen": teen, "upcoming": upcoming, "past": past,
        "has_calendar": any(r["assignment"].status in (AssignmentStatus.CONFIRMED, AssignmentStatus.DONE)
                            for r in upcoming + past),
    })


@never_cache
@require_GET
@teen_required
def calendar(request):
    teen = teen_profile_for(request.user)
    response = HttpResponse(ical_for_teen(teen=teen), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="taschengeldboerse-einsaetze.ics"'
    return response
