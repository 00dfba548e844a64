"""Reads that more than one place needs. Every coordinator read is scoped to her exchanges."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Role, User

from ..matching_adapter import snapshot as snapshot_now
from ..models import Exchange, ProviderProfile, ProviderStatus, TeenProfile, TeenStatus

VERIFICATION_QUEUE_STATUSES = (TeenStatus.CONSENT_PENDING, TeenStatus.INTAKE_PENDING)


def exchanges_for_coordinator(*, user: User) -> QuerySet[Exchange]:
    if not user.is_authenticated or user.role != Role.COORDINATOR:
        return Exchange.objects.none()
    return Exchange.objects.filter(memberships__user=user)


def is_coordinator_of(*, user: User, exchange_id: int | None) -> bool:
    """Whether `user` coordinates this exchange: the one check behind every coordinator action."""
    return (exchange_id is not None and user.is_authenticated and user.role == Role.COORDINATOR
            and user.memberships.filter(exchange_id=exchange_id).exists())


def assignment_side(*, user: User, assignment) -> str | None:
    """Which side of the match `user` is on: "teen", "provider", "coordinator", or None."""
    if user.role == Role.TEEN and assignment.teen.user_id == user.pk:
        return "teen"
    if user.role == Role.PROVIDER and assignment.job.provider.user_id == user.pk:
        return "provider"
    if is_coordinator_of(user=user, exchange_id=assignment.job.exchange_id):
        return "coordinator"
    return None


def teens_for_coordinator(*, user: User, status: str | None = None) -> QuerySet[TeenProfile]:
    qs = (TeenProfile.objects.filter(exchange__in=exchanges_for_coordinator(user=user))
          .select_related("exchange", "postcode", "user")
          .prefetch_related("availability", "absences", "interests", "consents"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status_changed_at", "id")


def teen_verification_queue(*, user: User) -> QuerySet[TeenProfile]:
    """Teens waiting for consent, intake or a decision: oldest first."""
    return teens_for_coordinator(user=user).filter(status__in=VERIFICATION_QUEUE_STATUSES)


def providers_for_coordinator(*, user: User, status: str | None = None) -> QuerySet[ProviderProfile]:
    qs = (ProviderProfile.objects.filter(exchange__in=exchanges_for_coordinator(user=user))
          .select_related("exchange", "postcode", "user"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


def provider_vetting_queue(*, user: User) -> QuerySet[ProviderProfile]:
    return providers_for_coordinator(user=user, status=ProviderStatus.PENDING)


def coordinator_can_see_teen(*, user: User, teen: TeenProfile) -> bool:
    return teen.exchange_id is not None and exchanges_for_coordinator(user=user).filter(pk=teen.exchange_id).exists()


# --- jobs, feed and candidates ------------------------------------------------------------

MAX_RADIUS_KM = 25


def _bbox(lat: float, lon: float, radius_km: float) -> dict:
    """Latitude/longitude bounds of a circle, for an indexed range query before the engine
    measures exact distances."""
    import math

    dlat = radius_km / 111.0
    dlon = radius_km / (111.32 * max(math.cos(math.radians(lat)), 0.01))
    return {"latitude__gte": lat - dlat, "latitude__lte": lat + dlat,
            "longitude__gte": lon - dlon, "longitude__lte": lon + dlon}


def feed_for_teen(*, teen: TeenProfile, limit: int | None = None):
    """The teen's job feed: open jobs of her exchange she may do, best first, as
    (job, ranked) pairs. A fixed number of queries whatever the number of jobs: the bounding
    box of her radius selects the few nearby jobs, the engine checks and ranks those."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from matching import engine

    from ..matching_adapter import job_queryset, policies_for, teen_queryset, teens_to_engine, to_job
    from ..models import Job, JobStatus
    from ..services.jobs import PREFERRED_TEEN_HOURS

    if teen.status != TeenStatus.ACTIVE or teen.postcode_id is None:
        return []
    teen = teen_queryset().get(pk=teen.pk)
    engine_teens = teens_to_engine([teen])
    if not engine_teens:
        return []
    reserved_until = timezone.now() - timedelta(hours=PREFERRED_TEEN_HOURS)
    jobs = list(
        job_queryset().filter(exchange_id=teen.exchange_id, status=JobStatus.OPEN,
                              **_bbox(teen.postcode.latitude, teen.postcode.longitude, teen.radius_km))
        .filter(Q(preferred_teen__isnull=True) | Q(preferred_teen=teen) | Q(published_at__lt=reserved_until))
        .select_related("postcode")
    )
    by_id: dict[int, Job] = {j.pk: j for j in jobs}
    snapshot = snapshot_now(teens=engine_teens, jobs=[to_job(j) for j in jobs],
                               policies=policies_for([teen.exchange_id]))
    ranked = engine.jobs_for_teen(snapshot, teen.pk)
    pairs = [(by_id[r.job_id], r) for r in ranked]
    # "Same helper again": the job she was asked for comes first.
    pairs.sort(key=lambda pair: pair[0].preferred_teen_id != teen.pk)
    return pairs[:limit] if limit else pairs


def candidates_for_job(*, job, limit: int | None = None):
    """Active teens of the job's exchange who may do it, best first, as (teen, ranked)."""
    from matching import engine

    from ..matching_adapter import policies_for, teen_queryset, teens_to_engine, to_job

    box = _bbox(job.latitude, job.longitude, job.radius_km or MAX_RADIUS_KM)
    profiles = list(teen_queryset().filter(
        exchange_id=job.exchange_id, status=TeenStatus.ACTIVE,
        **{f"postcode__{k}": v for k, v in box.items()}))
    by_id = {p.pk: p for p in profiles}
    snapshot = snapshot_now(teens=teens_to_engine(profiles), jobs=[to_job(job)],
                               policies=policies_for([job.exchange_id]))
    ranked = engine.teens_for_job(snapshot, job.pk, limit=limit)
    return [(by_id[r.teen_id], r) for r in ranked]


def why_not_for(*, job, teen: TeenProfile):
    """The engine's full verdict for a named teen (eligible, or every reason why not)."""
    from matching import engine

    from ..matching_adapter import policies_for, teen_queryset, teens_to_engine, to_job

    teens = teens_to_engine(list(teen_queryset().filter(pk=teen.pk)))
    if not teens:
        return None
    snapshot = snapshot_now(teens=teens, jobs=[to_job(job)], policies=policies_for([job.exchange_id]))
    return engine.why_not(snapshot, teen.pk, job.pk)


def proposal_for(*, exchange, job_ids=None):
    """The engine's batch proposal over the exchange's open jobs (or `job_ids` of them):
    returns (proposal, jobs by id, teens by id) for the coordinator's confirmation screen."""
    from matching import engine

    from ..matching_adapter import job_queryset, policies_for, teen_queryset, teens_to_engine, to_job
    from ..models import JobStatus

    jobs = job_queryset().filter(exchange=exchange, status=JobStatus.OPEN).select_related("postcode", "provider")
    if job_ids is not None:
        jobs = jobs.filter(pk__in=list(job_ids))
    jobs = list(jobs)
    profiles = list(teen_queryset().filter(exchange=exchange, status=TeenStatus.ACTIVE))
    snapshot = snapshot_now(teens=teens_to_engine(profiles), jobs=[to_job(j) for j in jobs],
                            policies=policies_for([exchange.pk]))
    proposal = engine.propose(snapshot)
    return proposal, {j.pk: j for j in jobs}, {p.pk: p for p in profiles}


# --- what each side may see (DESIGN section 8) --------------------------------------------

DISTANCE_BANDS_KM = (1, 2, 5, 10, 25)


def distance_band(km: float | None) -> str:
    """A coarse distance for the provider's eyes: never enough to locate a teen's home."""
    if km is None:
        return ""
    for limit in DISTANCE_BANDS_KM:
        if km <= limit:
            return f"bis {limit} km"
    return f"über {DISTANCE_BANDS_KM[-1]} km"


def teen_track_records(teen_ids) -> dict[int, dict]:
    """Jobs done and average rating by providers, per teen, in two queries."""
    from django.db.models import Avg, Count, Q

    from ..models import Assignment, AssignmentStatus, Feedback, FeedbackAuthor

    done = dict(Assignment.objects.filter(teen_id__in=teen_ids).values("teen_id").annotate(
        n=Count("id", filter=Q(status=AssignmentStatus.DONE))).values_list("teen_id", "n"))
    ratings = dict(Feedback.objects.filter(assignment__teen_id__in=teen_ids, author=FeedbackAuthor.PROVIDER)
                   .values("assignment__teen_id").annotate(avg=Avg("stars"))
                   .values_list("assignment__teen_id", "avg"))
    return {tid: {"jobs_done": done.get(tid, 0),
                  "rating": round(float(ratings[tid]), 1) if ratings.get(tid) is not None else None}
            for tid in teen_ids}


def applicants_for_job(*, job) -> list[dict]:
    """Applicants as a provider may see them before a match: first name, age, distance band,
    jobs done and rating, the message, the status. Never surname, contact data or postcode."""
    from matching.geo import haversine_km

    applications = list(job.applications.select_related("teen__postcode").order_by("created_at", "id"))
    records = teen_track_records([a.teen_id for a in applications])
    out = []
    for a in applications:
        teen = a.teen
        km = (haversine_km(job.latitude, job.longitude, teen.postcode.latitude, teen.postcode.longitude)
              if teen.postcode_id else None)
        out.append({"application": a, "id": a.pk, "teen_id": teen.pk, "first_name": teen.first_name,
                    "age": teen.age, "distance_band": distance_band(km), "message": a.message,
                    "status": a.status, **records[teen.pk]})
    return out


def assignment_contact(*, assignment, viewer) -> dict:
    """The other side's contact data, for the two sides of a confirmed (or finished) match and
    the exchange's coordinators; an empty dict for anybody else."""
    from accounts.models import Role

    from ..models import AssignmentStatus

    job, teen = assignment.job, assignment.teen
    provider = job.provider
    is_teen = viewer.role == Role.TEEN and teen.user_id == viewer.pk
    is_provider = viewer.role == Role.PROVIDER and provider.user_id == viewer.pk
    is_coordinator = is_coordinator_of(user=viewer, exchange_id=job.exchange_id)
    if assignment.status == AssignmentStatus.CANCELLED and not is_coordinator:
        return {}
    provider_contact = {"name": f"{provider.first_name} {provider.last_name}".strip(), "phone": provider.phone,
                        "email": provider.contact_email, "street": job.street,
                        "postcode": job.postcode_id, "city": job.postcode.place}
    teen_contact = {"name": f"{teen.first_name} {teen.last_name}".strip(), "phone": teen.phone,
                    "email": teen.user.email}
    if is_teen:
        return provider_contact
    if is_provider:
        return teen_contact
    if is_coordinator:
        return {"provider": provider_contact, "teen": {**teen_contact, "parent_name": teen.parent_name,
                                                       "parent_email": teen.parent_email}}
    return {}
