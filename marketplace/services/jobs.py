"""Jobs from posting to done (DESIGN section 5).

draft → review (policy wants approval) → open → filled → done / cancelled / expired; a
reviewed job can also be rejected. Every transition is a function here that refuses what the
current status does not allow (`Conflict`, HTTP 409) and writes one audit entry.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import audit_log
from matching import engine
from matching import types as m

from .. import notify
from ..matching_adapter import aware, policies_for, teen_queryset, teens_to_engine, to_job
from ..matching_adapter import snapshot as snapshot_now
from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Category,
    Job,
    JobStatus,
    Postcode,
    ProviderProfile,
    ProviderStatus,
)
from ..selectors import is_coordinator_of
from .errors import Conflict
from .exchanges import exchange_for_postcode

EDITABLE = {JobStatus.DRAFT, JobStatus.REVIEW, JobStatus.OPEN, JobStatus.FILLED}
CANCELLABLE = {JobStatus.DRAFT, JobStatus.REVIEW, JobStatus.OPEN, JobStatus.FILLED}
TIME_FIELDS = {"starts_at", "ends_at", "window_start", "window_end", "duration_minutes"}
PLACE_FIELDS = {"street", "postcode"}
MAX_JOB_MINUTES = 8 * 60
MAX_WINDOW_DAYS = 28
# The preferred teen of a "same helper again" request has the job to herself this long.
PREFERRED_TEEN_HOURS = 48


def _can_act_for(user: User, job_or_provider) -> bool:
    """The provider herself, or a coordinator of the exchange."""
    provider = job_or_provider if isinstance(job_or_provider, ProviderProfile) else job_or_provider.provider
    if user.role == Role.PROVIDER:
        return provider.user_id == user.pk
    return is_coordinator_of(user=user, exchange_id=provider.exchange_id)



# --- validation --------------------------------------------------------------------------

def _validate(job: Job, data: dict, *, now: datetime) -> dict[str, list[str]]:
    """Check one job's fields and their combination; fill derived fields on `job`."""
    errors: dict[str, list[str]] = {}
    policy = job.exchange.policy

    if "category" in data:
        category = Category.objects.filter(exchange=job.exchange, slug=data["category"], active=True).first()
        if category is None:
            errors["category"] = [_("Diese Art der Hilfe bietet die Börse nicht an.")]
        else:
            job.category = category
    elif job.category_id is None:
        errors["category"] = [_("Bitte die Art der Hilfe wählen.")]
    for field in ("title", "description", "street"):
        if field in data:
            setattr(job, field, (data[field] or "").strip())
    if not job.title:
        errors["title"] = [_("Bitte beschreiben Sie kurz, wobei Sie Hilfe brauchen.")]
    if not job.street:
        errors["street"] = [_("Bitte geben Sie die Anschrift an. Sie wird erst nach der Zusage gezeigt.")]
    if "postcode" in data:
        code = (data["postcode"] or "").strip()
        postcode = Postcode.objects.filter(code=code).first()
        if postcode is None:
            errors["postcode"] = [_("Die Postleitzahl %(code)s kennen wir nicht.") % {"code": code}]
        elif exchange_for_postcode(code) != job.exchange:
            errors["postcode"] = [_("Diese Postleitzahl liegt nicht im Gebiet von %(exchange)s.")
                                  % {"exchange": job.exchange}]
        else:
            job.postcode = postcode
            job.latitude, job.longitude = postcode.latitude, postcode.longitude
    if "radius_km" in data:
        job.radius_km = data["radius_km"]
        if job.radius_km is not None and not 1 <= job.radius_km <= 25:
            errors["radius_km"] = [_("Der Umkreis muss zwischen 1 und 25 km liegen.")]
    if "helpers_needed" in data:
        job.helpers_needed = data["helpers_needed"]
        if not 1 <= int(job.helpers_needed) <= 3:
            errors["helpers_needed"] = [_("Es können 1 bis 3 Helfer sein.")]
        elif job.helpers_needed < job.helpers_accepted:
            errors["helpers_needed"] = [_("Es sind schon %(n)s Helfer zugesagt.") % {"n": job.helpers_accepted}]

    # When: a fixed time, or a window of days with a duration.
    for field in TIME_FIELDS:
        if field in data:
            setattr(job, field, data[field])
    if job.starts_at and (job.window_start or job.window_end or job.duration_minutes):
        if "starts_at" in data and not data.get("window_start"):
            job.window_start = job.window_end = job.duration_minutes = None
        elif data.get("window_start"):
            job.starts_at = job.ends_at = None
    if job.starts_at or job.ends_at:
        if not (job.starts_at and job.ends_at):
            errors["ends_at"] = [_("Bitte Beginn und Ende angeben.")]
        elif job.starts_at >= job.ends_at:
            errors["ends_at"] = [_("Das Ende muss nach dem Beginn liegen.")]
        elif (job.ends_at - job.starts_at) > timedelta(minutes=MAX_JOB_MINUTES):
            errors["ends_at"] = [_("Ein Auftrag dauert höchstens 8 Stunden.")]
        elif job.starts_at <= now:
            errors["starts_at"] = [_("Der Beginn muss in der Zukunft liegen.")]
        elif _off_grid(job.starts_at) or _off_grid(job.ends_at):
            errors["starts_at"] = [_("Bitte Zeiten in Viertelstunden angeben (z. B. 14:15).")]
    elif job.window_start or job.window_end or job.duration_minutes:
        today = timezone.localdate(now)
        if not (job.window_start and job.window_end):
            errors["window_end"] = [_("Bitte den Zeitraum (von – bis) angeben.")]
        elif job.window_start > job.window_end:
            errors["window_end"] = [_("Das Ende des Zeitraums liegt vor dem Anfang.")]
        elif job.window_start < today:
            errors["window_start"] = [_("Der Zeitraum muss heute oder später beginnen.")]
        elif (job.window_end - job.window_start).days > MAX_WINDOW_DAYS:
            errors["window_end"] = [_("Der Zeitraum darf höchstens 4 Wochen umfassen.")]
        if not job.duration_minutes:
            errors["duration_minutes"] = [_("Bitte angeben, wie lange es etwa dauert.")]
        elif not 15 <= job.duration_minutes <= MAX_JOB_MINUTES or job.duration_minutes % 15:
            errors["duration_minutes"] = [_("Die Dauer muss zwischen 15 Minuten und 8 Stunden liegen, in "
                                            "Viertelstunden.")]
    else:
        errors["starts_at"] = [_("Bitte einen Termin oder einen Zeitraum angeben.")]

    # Pay: an hourly rate of at least the exchange's minimum, or a fixed amount that is not less.
    for field in ("hourly_rate", "fixed_amount"):
        if field in data:
            setattr(job, field, data[field])
    minutes = _minutes(job)
    if job.hourly_rate is None and job.fixed_amount is None:
        errors["hourly_rate"] = [_("Bitte einen Stundensatz oder einen Festbetrag angeben.")]
    elif job.hourly_rate is not None and job.hourly_rate < policy.min_hourly_rate:
        errors["hourly_rate"] = [_("Der Stundensatz muss mindestens %(min)s € betragen (empfohlen: %(rec)s €).")
                                 % {"min": _euro(policy.min_hourly_rate), "rec": _euro(policy.recommended_hourly_rate)}]
    elif job.hourly_rate is None and minutes and job.fixed_amount < (
            policy.min_hourly_rate * Decimal(minutes) / 60).quantize(Decimal("0.01")):
        errors["fixed_amount"] = [_("Der Festbetrag muss mindestens dem Mindeststundensatz von %(min)s € "
                                    "entsprechen.") % {"min": _euro(policy.min_hourly_rate)}]
    return errors


def _euro(amount: Decimal) -> str:
    """5,00 in German, 5.00 in English: the number as the reader's language writes it."""
    from django.utils.formats import number_format

    return number_format(amount, 2)


def _off_grid(dt: datetime) -> bool:
    local = timezone.localtime(dt)
    return local.minute % 15 != 0 or local.second != 0


def _minutes(job: Job) -> int:
    if job.starts_at and job.ends_at:
        return int((job.ends_at - job.starts_at).total_seconds() // 60)
    return int(job.duration_minutes or 0)


def job_legal_for_someone(job: Job) -> list[m.Reason]:
    """Could any teen the exchange admits ever do this job? Ask the engine with an archetype of
    every age and school status, free all week: if none may, return the reasons of the most
    permissive one (usually the adult), otherwise nothing."""
    policy = policies_for([job.exchange_id])[job.exchange_id]
    mjob = to_job(job)
    first_day = (timezone.localtime(job.starts_at).date() if job.starts_at else job.window_start)
    slots = tuple(m.Slot(weekday, time(0, 0), time(23, 59)) for weekday in range(7))
    best: tuple[m.Reason, ...] | None = None
    snapshot_teens = []
    for age in range(policy.max_age, policy.min_age - 1, -1):
        for school in (False, True):
            try:
                birth = first_day.replace(year=first_day.year - age) - timedelta(days=1)
            except ValueError:  # 29 February
                birth = first_day.replace(year=first_day.year - age, day=28) - timedelta(days=1)
            snapshot_teens.append(m.Teen(
                id=len(snapshot_teens) + 1, exchange_id=job.exchange_id, birth_date=birth,
                in_compulsory_school=school, lat=job.latitude, lon=job.longitude, radius_km=25.0,
                availability=slots, interests=frozenset({mjob.category.slug})))
    snapshot = snapshot_now(teens=snapshot_teens, jobs=[mjob], policies={job.exchange_id: policy})
    for teen in snapshot_teens:
        verdict = engine.why_not(snapshot, teen.id, mjob.id)
        if verdict.eligible:
            return []
        if best is None:
            best = verdict.reasons
    # The archetypes are free all day, so "nur 0–23:59 Uhr verfügbar" can only mean that the job
    # runs to or past midnight, which no weekly availability covers: say that instead.
    reasons = [m.Reason("past_midnight", _("Ein Einsatz muss vor Mitternacht zu Ende sein."))
               if r.code == "not_available" else r for r in (best or ())]
    return list(dict.fromkeys(reasons))


# --- lifecycle ---------------------------------------------------------------------------

@transaction.atomic
def job_create(*, provider: ProviderProfile, by: User, data: dict, preferred_teen=None) -> Job:
    """Create a job for `provider` (by herself, or by a coordinator after a phone call) and
    submit it: to review where the policy wants approval, else straight to open (and offered
    to fitting teens). `preferred_teen` ("same helper again") gets it first."""
    if not _can_act_for(by, provider):
        raise Conflict(_("Sie können keinen Auftrag für diese Person anlegen."))
    if provider.status != ProviderStatus.ACTIVE:
        raise Conflict(_("Ihr Profil ist noch nicht freigeschaltet. Die Koordination meldet sich bei Ihnen."))
    job = Job(exchange=provider.exchange, provider=provider, created_by=by, status=JobStatus.DRAFT,
              preferred_teen=preferred_teen)
    job.exchange = provider.exchange
    data = {**data}
    if "postcode" not in data:
        data["postcode"] = provider.postcode_id
    if "street" not in data:
        data["street"] = provider.street
    errors = _validate(job, data, now=timezone.now())
    if errors:
        raise ValidationError(errors)
    if reasons := job_legal_for_someone(job):
        raise ValidationError({"starts_at": [_("So kann niemand diesen Auftrag übernehmen:")]
                               + [r.message for r in reasons]})
    job.save()
    _submit(job, by)
    audit_log(actor=by, action="marketplace.job.created", target=job, exchange_id=job.exchange_id,
              subject_user_id=provider.user_id)
    if job.status == JobStatus.OPEN:
        notify.job_opened(job=job)
    return job


def _submit(job: Job, by: User) -> None:
    coordinator_creates = is_coordinator_of(user=by, exchange_id=job.exchange_id)
    if job.exchange.policy.job_approval_required and not coordinator_creates:
        job.status = JobStatus.REVIEW
    else:
        job.status = JobStatus.OPEN
        job.published_at = timezone.now()
        if coordinator_creates:
            job.reviewed_by, job.reviewed_at = by, timezone.now()
    job.save()


def _locked(job: Job) -> Job:
    return Job.objects.select_for_update(of=("self",)).select_related("exchange__policy", "provider").get(pk=job.pk)


@transaction.atomic
def job_approve(*, job: Job, by: User) -> Job:
    job = _locked(job)
    if not is_coordinator_of(user=by, exchange_id=job.exchange_id):
        raise Conflict(_("Nur die Koordination dieser Börse kann Aufträge freigeben."))
    if job.status != JobStatus.REVIEW:
        raise Conflict(_("Nur Aufträge in Prüfung können freigegeben werden."))
    job.status = JobStatus.OPEN
    job.reviewed_by, job.reviewed_at, job.published_at = by, timezone.now(), timezone.now()
    job.save()
    audit_log(actor=by, action="marketplace.job.approved", target=job, exchange_id=job.exchange_id,
              subject_user_id=job.provider.user_id)
    notify.job_opened(job=job)
    return job


@transaction.atomic
def job_reject(*, job: Job, by: User, reason: str) -> Job:
    job = _locked(job)
    if not is_coordinator_of(user=by, exchange_id=job.exchange_id):
        raise Conflict(_("Nur die Koordination dieser Börse kann Aufträge ablehnen."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Bitte eine Begründung angeben.")]})
    if job.status != JobStatus.REVIEW:
        raise Conflict(_("Nur Aufträge in Prüfung können abgelehnt werden."))
    job.status, job.status_reason = JobStatus.REJECTED, reason.strip()
    job.reviewed_by, job.reviewed_at = by, timezone.now()
    job.save()
    audit_log(actor=by, action="marketplace.job.rejected", target=job, exchange_id=job.exchange_id,
              subject_user_id=job.provider.user_id, data={"reason": reason.strip()})
    return job


@transaction.atomic
def job_update(*, job: Job, by: User, data: dict) -> Job:
    """Change a job. A change of time or place re-checks every rule for every accepted helper;
    if one of them could no longer do it, the change is refused with her reasons."""
    job = _locked(job)
    if not _can_act_for(by, job):
        raise Conflict(_("Diesen Auftrag können Sie nicht ändern."))
    if job.status not in EDITABLE:
        raise Conflict(_("Der Auftrag ist %(status)s und kann nicht mehr geändert werden.")
                       % {"status": job.get_status_display()})
    data = {k: v for k, v in data.items() if k != "category" or job.helpers_accepted == 0}
    # A form sends every field: what counts is whether time or place really differ afterwards.
    when_before, where_before = _when(job), _where(job)
    errors = _validate(job, data, now=timezone.now())
    if errors:
        raise ValidationError(errors)
    if reasons := job_legal_for_someone(job):
        raise ValidationError({"starts_at": [r.message for r in reasons]})
    changed_when_or_where = bool((TIME_FIELDS | PLACE_FIELDS) & data.keys())
    if changed_when_or_where and job.helpers_accepted:
        _recheck_helpers(job)
    job.save()
    entry = audit_log(actor=by, action="marketplace.job.changed", target=job, exchange_id=job.exchange_id,
                      subject_user_id=job.provider.user_id, data={"fields": sorted(data.keys())})
    time_changed, place_changed = _when(job) != when_before, _where(job) != where_before
    if (time_changed or place_changed) and job.status in (JobStatus.OPEN, JobStatus.FILLED):
        notify.job_changed(job=job, by=by, change_key=str(entry.pk), time_changed=time_changed,
                           place_changed=place_changed)
    return job


def _when(job: Job) -> tuple:
    return (job.starts_at, job.ends_at, job.window_start, job.window_end, job.duration_minutes)


def _where(job: Job) -> tuple:
    return (job.street, job.postcode_id)


def _recheck_helpers(job: Job) -> None:
    assignments = list(job.assignments.filter(status=AssignmentStatus.CONFIRMED).select_related("teen"))
    profiles = list(teen_queryset().filter(pk__in=[a.teen_id for a in assignments]))
    teens = teens_to_engine(profiles, exclude_job_id=job.pk)
    mjob = to_job(job)
    mjob = m.Job(**{**{f: getattr(mjob, f) for f in mjob.__slots__}, "places": job.helpers_needed})
    snapshot = snapshot_now(teens=teens, jobs=[mjob], policies=policies_for([job.exchange_id]))
    problems = []
    by_teen = {a.teen_id: a for a in assignments}
    for teen in teens:
        verdict = engine.why_not(snapshot, teen.id, job.pk)
        if not verdict.eligible:
            problems.append(_("%(name)s kann dann nicht: %(reasons)s") % {
                "name": teen.first_name, "reasons": "; ".join(r.message for r in verdict.reasons)})
        elif verdict.starts_at:
            assignment = by_teen[teen.id]
            assignment.starts_at, assignment.ends_at = aware(verdict.starts_at), aware(verdict.ends_at)
            assignment.save(update_fields=["starts_at", "ends_at", "updated_at"])
    if problems:
        raise ValidationError({"starts_at": problems})


@transaction.atomic
def job_cancel(*, job: Job, by: User, reason: str) -> Job:
    job = _locked(job)
    if not _can_act_for(by, job):
        raise Conflict(_("Diesen Auftrag können Sie nicht absagen."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Bitte einen Grund angeben.")]})
    if job.status not in CANCELLABLE:
        raise Conflict(_("Der Auftrag ist %(status)s und kann nicht mehr abgesagt werden.")
                       % {"status": job.get_status_display()})
    job.status, job.status_reason = JobStatus.CANCELLED, reason.strip()
    job.save()
    pending = list(job.applications.filter(status=ApplicationStatus.PENDING).select_related("teen__user"))
    confirmed = list(job.assignments.filter(status=AssignmentStatus.CONFIRMED).select_related("teen__user"))
    job.applications.filter(pk__in=[a.pk for a in pending], status=ApplicationStatus.PENDING).update(
        status=ApplicationStatus.CLOSED, decided_at=timezone.now())
    job.assignments.filter(pk__in=[a.pk for a in confirmed], status=AssignmentStatus.CONFIRMED).update(
        status=AssignmentStatus.CANCELLED, status_reason=reason.strip())
    audit_log(actor=by, action="marketplace.job.cancelled", target=job, exchange_id=job.exchange_id,
              subject_user_id=job.provider.user_id, data={"reason": reason.strip()})
    notify.job_cancelled(job=job, by=by, assignments=confirmed, applications=pending)
    return job


def jobs_expire(*, now: datetime | None = None) -> int:
    """Open or unreviewed jobs whose time has passed without (enough) helpers expire; filled
    jobs stay until they are confirmed as done."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    count = 0
    candidates = Job.objects.filter(status__in=[JobStatus.OPEN, JobStatus.REVIEW, JobStatus.DRAFT]).filter(
        models_q_started(now, today))
    for job in candidates:
        with transaction.atomic():
            job = _locked(job)
            if job.status not in (JobStatus.OPEN, JobStatus.REVIEW, JobStatus.DRAFT):
                continue
            job.status = JobStatus.FILLED if job.helpers_accepted else JobStatus.EXPIRED
            job.save()
            pending = list(job.applications.filter(status=ApplicationStatus.PENDING).select_related("teen__user"))
            for application in pending:
                application.job = job
            job.applications.filter(pk__in=[a.pk for a in pending], status=ApplicationStatus.PENDING).update(
                status=ApplicationStatus.CLOSED, decided_at=now)
            outcome = "expired" if job.status == JobStatus.EXPIRED else "closed"
            audit_log(actor=None, action=f"marketplace.job.{outcome}", target=job, exchange_id=job.exchange_id)
            notify.applications_closed(applications=pending,
                                       reason="expired" if job.status == JobStatus.EXPIRED else "filled")
            count += 1
    return count


def models_q_started(now: datetime, today: date):
    from django.db.models import Q

    return Q(starts_at__lte=now) | Q(starts_at__isnull=True, window_end__lt=today)


# --- applications and assignments --------------------------------------------------------

def _engine_verdict(job: Job, teen_profile, *, exclude_job_bookings: bool = False):
    teens = teens_to_engine(list(teen_queryset().filter(pk=teen_profile.pk)),
                            exclude_job_id=job.pk if exclude_job_bookings else None)
    if not teens:
        return None
    snapshot = snapshot_now(teens=teens, jobs=[to_job(job)], policies=policies_for([job.exchange_id]))
    return engine.why_not(snapshot, teens[0].id, job.pk)


def _verdict_error(verdict) -> ValidationError:
    if verdict is None:
        return ValidationError({"job": [_("Das Profil ist noch nicht vollständig.")]})
    return ValidationError({"job": [r.message for r in verdict.reasons]})


@transaction.atomic
def application_create(*, job: Job, teen, message: str = "") -> Application:
    """A teen applies. She must be active, the job open, and the engine must say yes now."""
    from ..models import TeenStatus

    job = _locked(job)
    if teen.status != TeenStatus.ACTIVE:
        raise Conflict(_("Du bist noch nicht freigeschaltet."))
    if job.status != JobStatus.OPEN or job.exchange_id != teen.exchange_id:
        raise Conflict(_("Für diesen Auftrag kann man sich nicht mehr bewerben."))
    if job.preferred_teen_id and job.preferred_teen_id != teen.pk and job.published_at and (
            timezone.now() < job.published_at + timedelta(hours=PREFERRED_TEEN_HOURS)):
        raise Conflict(_("Dieser Auftrag ist zuerst für jemand anderen reserviert."))
    if Application.objects.filter(job=job, teen=teen).exists():
        raise Conflict(_("Du hast dich schon für diesen Auftrag gemeldet."))
    verdict = _engine_verdict(job, teen)
    if verdict is None or not verdict.eligible:
        raise _verdict_error(verdict)
    application = Application.objects.create(job=job, teen=teen, message=(message or "").strip()[:1000])
    audit_log(actor=teen.user, action="marketplace.application.created", target=application,
              exchange_id=job.exchange_id, subject_user_id=teen.user_id)
    notify.application_created(application=application)
    return application


def _take_place(job: Job) -> bool:
    """Claim one place with a conditional UPDATE: the database, not this process, decides who
    gets the last place when accepts race (and the check constraint backs it up)."""
    from django.db.models import F

    updated = Job.objects.filter(pk=job.pk, status=JobStatus.OPEN,
                                 helpers_accepted__lt=F("helpers_needed")).update(
        helpers_accepted=F("helpers_accepted") + 1, updated_at=timezone.now())
    return updated == 1


def _confirm(job: Job, teen, by: User, application: Application | None, *, replaces=None) -> Assignment:
    job = _locked(job)
    if job.status != JobStatus.OPEN:
        raise Conflict(_("Für diesen Auftrag ist kein Platz mehr frei."))
    # Lock the teen too (always after the job): two accepts of her for overlapping jobs must
    # see each other's booking before the caps are checked.
    from ..models import TeenProfile

    teen = TeenProfile.objects.select_for_update(of=("self",)).get(pk=teen.pk)
    verdict = _engine_verdict(job, teen)
    if verdict is None or not verdict.eligible:
        raise _verdict_error(verdict)
    if not _take_place(job):
        raise Conflict(_("Für diesen Auftrag ist kein Platz mehr frei."))
    job.refresh_from_db()
    assignment = Assignment.objects.create(
        job=job, teen=teen, application=application, created_by=by,
        starts_at=aware(verdict.starts_at), ends_at=aware(verdict.ends_at))
    closed = []
    if job.helpers_accepted >= job.helpers_needed:
        job.status, job.filled_at = JobStatus.FILLED, timezone.now()
        job.save(update_fields=["status", "filled_at", "updated_at"])
        closed = list(job.applications.filter(status=ApplicationStatus.PENDING).exclude(
            pk=application.pk if application else None).select_related("teen__user"))
        for closed_application in closed:
            closed_application.job = job
        job.applications.filter(pk__in=[a.pk for a in closed], status=ApplicationStatus.PENDING).update(
            status=ApplicationStatus.CLOSED, decided_at=timezone.now())
    audit_log(actor=by, action="marketplace.assignment.confirmed", target=assignment,
              exchange_id=job.exchange_id, subject_user_id=teen.user_id)
    notify.assignment_confirmed(assignment=assignment, by=by, closed=closed, replaces=replaces)
    return assignment


@transaction.atomic
def application_accept(*, application: Application, by: User) -> Assignment:
    """Accept: re-check every rule at this moment, take a place, create the assignment."""
    # The job's lock first, the application's second, as everywhere else: the accept that fills
    # the job closes the other pending applications, so an accept holding its application while
    # waiting for the job would deadlock with it (20 parallel accepts did, in
    # tests/integration/test_concurrent_accepts.py).
    _locked(Job(pk=Application.objects.values_list("job_id", flat=True).get(pk=application.pk)))
    application = Application.objects.select_for_update(of=("self",)).select_related(
        "job__provider", "teen").get(pk=application.pk)
    if not _can_act_for(by, application.job):
        raise Conflict(_("Diese Bewerbung können Sie nicht annehmen."))
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(_("Die Bewerbung ist %(status)s.") % {"status": application.get_status_display()})
    assignment = _confirm(application.job, application.teen, by, application)
    application.status, application.decided_at, application.decided_by = (
        ApplicationStatus.ACCEPTED, timezone.now(), by)
    application.save()
    return assignment


@transaction.atomic
def application_decline(*, application: Application, by: User) -> Application:
    application = Application.objects.select_for_update(of=("self",)).select_related("job__provider").get(
        pk=application.pk)
    if not _can_act_for(by, application.job):
        raise Conflict(_("Diese Bewerbung können Sie nicht ablehnen."))
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(_("Die Bewerbung ist %(status)s.") % {"status": application.get_status_display()})
    application.status, application.decided_at, application.decided_by = (
        ApplicationStatus.DECLINED, timezone.now(), by)
    application.save()
    audit_log(actor=by, action="marketplace.application.declined", target=application,
              exchange_id=application.job.exchange_id, subject_user_id=application.teen.user_id)
    notify.application_declined(application=application)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, teen) -> Application:
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.teen_id != teen.pk:
        raise Conflict(_("Das ist nicht deine Bewerbung."))
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(_("Die Bewerbung ist %(status)s und kann nicht mehr zurückgezogen werden.")
                       % {"status": application.get_status_display()})
    application.status, application.decided_at = ApplicationStatus.WITHDRAWN, timezone.now()
    application.save()
    audit_log(actor=teen.user, action="marketplace.application.withdrawn", target=application,
              exchange_id=teen.exchange_id, subject_user_id=teen.user_id)
    return application


@transaction.atomic
def assignment_create_direct(*, job: Job, teen, by: User) -> Assignment:
    """A coordinator assigns a teen from the candidate list (after talking to both)."""
    if not is_coordinator_of(user=by, exchange_id=job.exchange_id):
        raise Conflict(_("Nur die Koordination dieser Börse kann direkt vermitteln."))
    if teen.exchange_id != job.exchange_id:
        raise Conflict(_("Die Person gehört zu einer anderen Börse."))
    if Assignment.objects.filter(job=job, teen=teen).exists():
        raise Conflict(_("Diese Person ist für den Auftrag schon vermittelt."))
    # Locked: a withdrawal at this moment must not be overwritten by "accepted".
    application = (Application.objects.select_for_update(of=("self",))
                   .filter(job=job, teen=teen, status=ApplicationStatus.PENDING).first())
    assignment = _confirm(job, teen, by, application)
    if application:
        application.status, application.decided_at, application.decided_by = (
            ApplicationStatus.ACCEPTED, timezone.now(), by)
        application.save()
    return assignment


def proposal_confirm(*, by: User, pairs: list[tuple[int, int]]) -> tuple[list[Assignment], list[str]]:
    """A coordinator confirms (some of) a batch proposal: each (job id, teen id) becomes an
    assignment in its own transaction, re-checked at this moment; what no longer fits is
    reported, not forced. Returns the assignments made and the problems, in German."""
    from ..models import TeenProfile

    made, problems = [], []
    for job_id, teen_id in pairs:
        job = Job.objects.filter(pk=job_id, exchange__memberships__user=by).first()
        teen = TeenProfile.objects.filter(pk=teen_id, exchange__memberships__user=by).first()
        if job is None or teen is None:
            problems.append(_("Auftrag %(job)s oder Person %(teen)s gibt es in Ihren Börsen nicht.")
                            % {"job": job_id, "teen": teen_id})
            continue
        try:
            made.append(assignment_create_direct(job=job, teen=teen, by=by))
        except (Conflict, ValidationError) as exc:
            message = exc.message if isinstance(exc, Conflict) else "; ".join(exc.messages)
            problems.append(f"{teen.first_name} → {job.title}: {message}")
    return made, problems
