"""The coordinator's "Today": what waits for her in her exchanges, each queue with its size and
its oldest items first.

One query per queue, whatever the data: the total comes with the rows as `COUNT(*) OVER ()`,
which the database computes before the LIMIT (an empty queue returns no row, and its total is 0).
Everything the page shows of an item is joined in the same query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from notifications.selectors import call_tasks_for, failed_for, kind_label

from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Feedback,
    Incident,
    IncidentStatus,
    Job,
    JobStatus,
    TeenStatus,
)
from . import exchanges_for_coordinator, provider_vetting_queue, teens_for_coordinator

# Ratings of one or two stars wait for the coordinator; three is "it was all right".
LOW_RATING_MAX_STARS = 2
# The same horizon as the "unfilled job" warning to the coordinators (marketplace.notify).
UNFILLED_HORIZON_HOURS = 48

# The queues, in the order the selector returns them.
CONSENT = "consent"
INTAKE = "intake"
DECISION = "decision"
PROVIDERS = "providers"
REVIEW = "review"
UNFILLED = "unfilled"
CALLS = "calls"
INCIDENTS = "incidents"
LOW_RATINGS = "low_ratings"
NO_SHOWS = "no_shows"
FAILED = "failed"
QUEUES = (CONSENT, INTAKE, DECISION, PROVIDERS, REVIEW, UNFILLED, CALLS, INCIDENTS, LOW_RATINGS, NO_SHOWS,
          FAILED)


@dataclass
class Queue:
    key: str
    count: int
    items: list = field(default_factory=list)

    @property
    def more(self) -> int:
        """How many are waiting beyond the items shown."""
        return self.count - len(self.items)


def _queue(key: str, queryset: QuerySet, limit: int) -> Queue:
    rows = list(queryset.annotate(queue_total=Window(expression=Count("pk")))[:limit])
    return Queue(key=key, count=rows[0].queue_total if rows else 0, items=rows)


def unfilled_jobs(*, user: User, now: datetime) -> QuerySet[Job]:
    """Open jobs of her exchanges with places left that start within 48 hours (a fixed start), or
    whose window closes within 48 hours: soonest first. Pending applications are counted, so
    that she sees whether the provider only has to choose."""
    horizon = now + timezone.timedelta(hours=UNFILLED_HORIZON_HOURS)
    pending = (Application.objects.filter(job=OuterRef("pk"), status=ApplicationStatus.PENDING)
               .order_by().values("job").annotate(n=Count("pk")).values("n"))
    return (Job.objects.filter(exchange__in=exchanges_for_coordinator(user=user), status=JobStatus.OPEN,
                               helpers_accepted__lt=F("helpers_needed"))
            .filter(Q(starts_at__gte=now, starts_at__lte=horizon)
                    | Q(starts_at__isnull=True, window_end__gte=timezone.localdate(now),
                        window_end__lte=timezone.localdate(horizon)))
            .select_related("exchange", "provider", "category", "postcode")
            .annotate(start_day=Coalesce(TruncDate("starts_at"), "window_end"),
                      pending_applications=Coalesce(Subquery(pending, output_field=IntegerField()), Value(0)))
            # A window job closing tomorrow must start by tomorrow: after tomorrow's fixed starts.
            .order_by("start_day", F("starts_at").asc(nulls_last=True), "id"))


def today_queues(*, user: User, now: datetime | None = None, limit: int = 10) -> dict[str, Queue]:
    """Every queue of the coordinator's exchanges, keyed as in QUEUES (in that order): its total
    and its `limit` oldest items, oldest first. Eleven queries for the eleven queues."""
    if limit < 1:
        raise ValueError("limit must be at least 1: the total comes with the rows")
    now = now or timezone.now()
    exchanges = exchanges_for_coordinator(user=user)
    # The lists need neither availability nor consents: drop the selector's prefetches.
    teens = teens_for_coordinator(user=user).prefetch_related(None)
    waiting = teens.filter(status=TeenStatus.INTAKE_PENDING)
    # An intake-pending teen has her consent (or needs none); what is left is the intake talk,
    # where the policy asks for one, and then the coordinator's decision.
    needs_talk = Q(intake_on__isnull=True, exchange__policy__intake_required=True)

    querysets = {
        CONSENT: teens.filter(status=TeenStatus.CONSENT_PENDING),
        INTAKE: waiting.filter(needs_talk),
        DECISION: waiting.exclude(needs_talk),
        PROVIDERS: provider_vetting_queue(user=user),
        REVIEW: (Job.objects.filter(exchange__in=exchanges, status=JobStatus.REVIEW)
                 .select_related("exchange", "provider", "category", "postcode").order_by("created_at", "id")),
        UNFILLED: unfilled_jobs(user=user, now=now),
        CALLS: call_tasks_for(user=user),
        INCIDENTS: (Incident.objects.filter(exchange__in=exchanges, status=IncidentStatus.OPEN)
                    .select_related("exchange", "job", "reported_by").order_by("created_at", "id")),
        LOW_RATINGS: (Feedback.objects.filter(assignment__job__exchange__in=exchanges,
                                              stars__lte=LOW_RATING_MAX_STARS, reviewed_at__isnull=True)
                      .select_related("assignment__job__exchange", "assignment__job__provider", "assignment__teen")
                      .order_by("created_at", "id")),
        NO_SHOWS: (Assignment.objects.filter(job__exchange__in=exchanges, status=AssignmentStatus.NO_SHOW,
                                             reviewed_at__isnull=True)
                   .select_related("job__exchange", "job__provider", "teen").order_by("starts_at", "id")),
        # Oldest first like every queue; the page of failures lists them newest first.
        FAILED: failed_for(user=user).order_by("created_at", "id"),
    }
    queues = {key: _queue(key, querysets[key], limit) for key in QUEUES}
    for notification in queues[CALLS].items + queues[FAILED].items:
        notification.label = kind_label(notification.kind)
    return queues
