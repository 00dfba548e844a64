"""Feeds the pure matching engine with plain data from the ORM, and nothing else.

Everything the engine sees is converted here once: aware datetimes become naive wall-clock
times of Europe/Berlin, decimals become minutes, postcodes become centroids (never a street).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q
from django.utils import timezone

from matching import types as m

from .models import (
    Assignment,
    AssignmentStatus,
    BlockedPair,
    Exchange,
    Feedback,
    FeedbackAuthor,
    Job,
    Policy,
    TeenProfile,
    TeenStatus,
)

BERLIN = ZoneInfo("Europe/Berlin")
RECENT_JOBS_DAYS = 30
RECENT_OFFERS_DAYS = 7


def local(dt: datetime) -> datetime:
    """Aware → naive local time of the exchange (all German exchanges: Europe/Berlin)."""
    return timezone.localtime(dt, BERLIN).replace(tzinfo=None)


def aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=BERLIN)


def snapshot(*, teens, jobs, policies):
    """An engine snapshot as of now: jobs that already started are not offered any more."""
    from matching import engine

    return engine.Snapshot(teens=teens, jobs=jobs, policies=policies, now=local(timezone.now()))


def to_policy(policy: Policy) -> m.Policy:
    def minutes(hours):
        return int(round(float(hours) * 60)) if hours is not None else None

    return m.Policy(
        min_age=policy.min_age, max_age=policy.max_age,
        max_minutes_per_day=minutes(policy.max_hours_per_day),
        max_minutes_per_week=minutes(policy.max_hours_per_week),
        max_minutes_per_month=minutes(policy.max_hours_per_month),
        max_minutes_per_year=minutes(policy.max_hours_per_year),
        earliest_start_school_days=policy.earliest_start_school_days,
        holiday_state=policy.holiday_state,
        school_holidays=tuple((h.start, h.end) for h in policy.exchange.school_holidays.all()),
    )


def policies_for(exchange_ids: Iterable[int]) -> dict[int, m.Policy]:
    policies = (Policy.objects.filter(exchange_id__in=set(exchange_ids))
                .select_related("exchange").prefetch_related("exchange__school_holidays"))
    return {p.exchange_id: to_policy(p) for p in policies}


def to_job(job: Job) -> m.Job:
    category = job.category
    return m.Job(
        id=job.pk, exchange_id=job.exchange_id, provider_id=job.provider_id,
        category=m.Category(slug=category.slug, min_age=category.min_age,
                            light_work=category.light_work_for_children, name=category.name),
        lat=job.latitude, lon=job.longitude, radius_km=job.radius_km,
        starts_at=local(job.starts_at) if job.starts_at else None,
        ends_at=local(job.ends_at) if job.ends_at else None,
        window_start=job.window_start, window_end=job.window_end,
        duration_minutes=job.duration_minutes,
        places=max(job.helpers_needed - job.helpers_accepted, 0),
    )


def teens_to_engine(profiles: list[TeenProfile], *, now: datetime | None = None,
                    exclude_job_id: int | None = None) -> list[m.Teen]:
    """Convert teens with a fixed number of queries, however many there are: their slots,
    absences, interests, confirmed bookings, history and blocked providers in bulk."""
    now = now or timezone.now()
    ids = [p.pk for p in profiles]
    if not ids:
        return []
    bookings: dict[int, list[m.Booking]] = defaultdict(list)
    booked = Assignment.objects.filter(teen_id__in=ids, status__in=[AssignmentStatus.CONFIRMED,
                                                                   AssignmentStatus.DONE])
    if exclude_job_id:
        booked = booked.exclude(job_id=exclude_job_id)
    for teen_id, start, end, provider_id, job_id in booked.values_list(
            "teen_id", "starts_at", "ends_at", "job__provider_id", "job_id"):
        bookings[teen_id].append(m.Booking(local(start), local(end), provider_id, job_id))

    history = {row["teen_id"]: row for row in Assignment.objects.filter(teen_id__in=ids).values("teen_id").annotate(
        done=Count("id", filter=Q(status=AssignmentStatus.DONE)),
        no_shows=Count("id", filter=Q(status=AssignmentStatus.NO_SHOW)),
        recent=Count("id", filter=Q(starts_at__gte=now - timedelta(days=RECENT_JOBS_DAYS))),
    )}
    ratings = dict(Feedback.objects.filter(assignment__teen_id__in=ids, author=FeedbackAuthor.PROVIDER)
                   .values("assignment__teen_id").annotate(avg=Avg("stars"))
                   .values_list("assignment__teen_id", "avg"))
    good: dict[int, dict[int, int]] = defaultdict(dict)
    for teen_id, provider_id, count in (
            Feedback.objects.filter(assignment__teen_id__in=ids, author=FeedbackAuthor.PROVIDER, stars__gte=4)
            .values("assignment__teen_id", "assignment__job__provider_id").annotate(n=Count("id"))
            .values_list("assignment__teen_id", "assignment__job__provider_id", "n")):
        good[teen_id][provider_id] = count
    blocked: dict[int, set[int]] = defaultdict(set)
    for teen_id, provider_id in BlockedPair.objects.filter(teen_id__in=ids).values_list("teen_id", "provider_id"):
        blocked[teen_id].add(provider_id)
    # The same count for every job: it orders teens (a job's candidates), never one teen's
    # jobs, so a single teen (her feed, an accept) costs no query for it.
    notifications = _recent_notification_counts(profiles, now) if len(ids) > 1 else {}

    out = []
    for p in profiles:
        if p.birth_date is None or p.postcode_id is None or p.exchange_id is None:
            continue
        h = history.get(p.pk, {})
        out.append(m.Teen(
            id=p.pk, exchange_id=p.exchange_id, birth_date=p.birth_date,
            in_compulsory_school=p.in_compulsory_school,
            lat=p.postcode.latitude, lon=p.postcode.longitude, radius_km=float(p.radius_km),
            active=p.status == TeenStatus.ACTIVE,
            interests=frozenset(c.slug for c in p.interests.all()),
            availability=tuple(m.Slot(s.weekday, s.start, s.end) for s in p.availability.all()),
            absences=tuple((a.start, a.end) for a in p.absences.all()),
            bookings=tuple(bookings.get(p.pk, ())),
            blocked_providers=frozenset(blocked.get(p.pk, ())),
            history=m.History(done=h.get("done", 0), no_shows=h.get("no_shows", 0),
                              rating_avg=ratings.get(p.pk), good_with_provider=dict(good.get(p.pk, {})),
                              recent_jobs=h.get("recent", 0), recent_notifications=notifications.get(p.pk, 0)),
            first_name=p.first_name,
        ))
    return out


def _recent_notification_counts(profiles: list[TeenProfile], now: datetime) -> dict[int, int]:
    """Job offers each teen got in the last RECENT_OFFERS_DAYS (different jobs), by teen id:
    fewer offers rank a teen higher, so chances spread (DESIGN section 6)."""
    from .notify import offers_since

    counts = offers_since([p.user_id for p in profiles], now - timedelta(days=RECENT_OFFERS_DAYS))
    return {p.pk: counts[p.user_id] for p in profiles if counts[p.user_id]}


def teen_queryset():
    return (TeenProfile.objects.select_related("postcode", "exchange")
            .prefetch_related("availability", "absences", "interests"))


def job_queryset():
    return Job.objects.select_related("category", "exchange")


def exchange_snapshot_inputs(exchange: Exchange):
    """Active teens and open jobs of one exchange (for candidates and proposals)."""
    from .models import JobStatus

    teens = teens_to_engine(list(teen_queryset().filter(exchange=exchange, status=TeenStatus.ACTIVE)))
    jobs = [to_job(j) for j in job_queryset().filter(exchange=exchange, status=JobStatus.OPEN)]
    return teens, jobs, policies_for([exchange.pk])
