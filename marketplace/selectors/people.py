"""Reads of the console's people pages: the search, a teen's and a provider's history, their
upcoming matches and blocked pairs. Everything is scoped to the coordinator's exchanges by the
caller (search) or by the person who was already looked up through her exchanges (histories).

Each history is a fixed number of queries, however long a person has been with the exchange:
the rows come with what the page shows of them (select_related / prefetch_related).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from notifications.selectors import kind_label

from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    BlockedPair,
    Feedback,
    FeedbackAuthor,
    Incident,
    Job,
    ProviderProfile,
    ProviderStatus,
    TeenProfile,
    TeenStatus,
)
from . import exchanges_for_coordinator, providers_for_coordinator, teens_for_coordinator

SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 20
# A search of more words only narrows further; beyond a few it is a pasted paragraph.
SEARCH_MAX_WORDS = 4
NOTIFICATIONS_SHOWN = 50


# --- search ------------------------------------------------------------------------------------


@dataclass
class SearchSection:
    rows: list
    count: int

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)


@dataclass
class SearchResult:
    teens: SearchSection
    providers: SearchSection
    jobs: SearchSection

    @property
    def total(self) -> int:
        return self.teens.count + self.providers.count + self.jobs.count


def _words(query: str) -> list[str]:
    return query.split()[:SEARCH_MAX_WORDS]


def search_teens(*, user: User, query: str) -> QuerySet[TeenProfile]:
    """Every word must match the first or last name, the account's e-mail, the phone or the
    postcode (a postcode from its first digits)."""
    qs = teens_for_coordinator(user=user).prefetch_related(None)
    for word in _words(query):
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                       | Q(user__email__icontains=word) | Q(phone__icontains=word)
                       | Q(postcode__code__startswith=word))
    return qs.order_by("last_name", "first_name", "id")


def search_providers(*, user: User, query: str) -> QuerySet[ProviderProfile]:
    qs = providers_for_coordinator(user=user)
    for word in _words(query):
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                       | Q(phone__icontains=word) | Q(email__icontains=word) | Q(user__email__icontains=word)
                       | Q(street__icontains=word) | Q(postcode__code__startswith=word))
    return qs.order_by("last_name", "first_name", "id")


def search_jobs(*, user: User, query: str) -> QuerySet[Job]:
    """By title, number ("123" or "#123") or postcode."""
    qs = (Job.objects.filter(exchange__in=exchanges_for_coordinator(user=user))
          .select_related("exchange", "provider", "category", "postcode"))
    for word in _words(query):
        number = word.lstrip("#")
        condition = Q(title__icontains=word) | Q(postcode__code__startswith=word)
        if number.isascii() and number.isdigit() and len(number) < 12:  # "²".isdigit() is True
            condition |= Q(pk=int(number))
        qs = qs.filter(condition)
    return qs.order_by("-created_at", "-id")


def search_for_coordinator(*, user: User, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Teens, providers and jobs of her exchanges matching `query`, each section limited to
    `limit` rows with the full count."""
    sections = []
    for qs in (search_teens(user=user, query=query), search_providers(user=user, query=query),
               search_jobs(user=user, query=query)):
        rows = list(qs[:limit])
        count = len(rows) if len(rows) < limit else qs.count()
        sections.append(SearchSection(rows=rows, count=count))
    return SearchResult(*sections)


# --- histories ---------------------------------------------------------------------------------


def _hours(minutes: int | None) -> Decimal | None:
    if minutes is None:
        return None
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _rating_rows(assignments: list[Assignment], author: str) -> list[dict]:
    rows = []
    for a in assignments:
        for f in a.feedback.all():  # prefetched
            if f.author == author:
                rows.append({"feedback": f, "assignment": a})
    rows.sort(key=lambda row: row["feedback"].created_at, reverse=True)
    return rows


def _notification_rows(notifications) -> list[dict]:
    return [{"notification": n, "kind": kind_label(n.kind), "channel": n.get_channel_display(),
             "status": n.get_status_display()} for n in notifications]


@dataclass
class History:
    assignments: list[dict] = field(default_factory=list)
    jobs_done: int = 0
    hours_done: Decimal = Decimal("0")
    ratings_received: list[dict] = field(default_factory=list)
    ratings_given: list[dict] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    notifications: list[dict] = field(default_factory=list)
    blocks: list[BlockedPair] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)

    @property
    def average_received(self) -> float | None:
        stars = [row["feedback"].stars for row in self.ratings_received]
        return round(sum(stars) / len(stars), 1) if stars else None


def _assignment_rows(assignments: list[Assignment]) -> tuple[list[dict], int, Decimal]:
    rows, done, minutes = [], 0, 0
    for a in assignments:
        worked = a.minutes_worked if a.status == AssignmentStatus.DONE else None
        if a.status == AssignmentStatus.DONE:
            done += 1
            minutes += a.minutes_worked or 0
        rows.append({"assignment": a, "job": a.job, "hours": _hours(worked)})
    return rows, done, _hours(minutes)


def teen_history(*, teen: TeenProfile) -> History:
    """Her matches (newest first) with hours, the ratings she received and gave, the problems
    reported about her matches or by her, what was sent to her, and her blocked pairs."""
    assignments = list(
        # Only what happened in her present exchange: a teen who moved brings nothing of her former
        # exchange to its new coordinators (DESIGN section 3, no data crosses exchanges).
        Assignment.objects.filter(teen=teen, job__exchange_id=teen.exchange_id)
        .select_related("job__category", "job__provider")
        .prefetch_related(Prefetch("feedback", queryset=Feedback.objects.order_by("created_at")))
        .order_by("-starts_at", "-id"))
    rows, done, hours = _assignment_rows(assignments)
    incidents = list(
        Incident.objects.filter(exchange_id=teen.exchange_id)
        .filter(Q(assignment__teen=teen) | Q(reported_by_id=teen.user_id))
        .select_related("job", "reported_by").order_by("-created_at", "-id"))
    notifications = (Notification.objects.filter(user_id=teen.user_id, exchange_id=teen.exchange_id)
                     .only("id", "kind", "channel", "status", "created_at", "sent_at")
                     .order_by("-created_at", "-id")[:NOTIFICATIONS_SHOWN])
    return History(
        assignments=rows, jobs_done=done, hours_done=hours,
        ratings_received=_rating_rows(assignments, FeedbackAuthor.PROVIDER),
        ratings_given=_rating_rows(assignments, FeedbackAuthor.TEEN),
        incidents=incidents, notifications=_notification_rows(notifications),
        blocks=list(teen.blocked_pairs.filter(exchange_id=teen.exchange_id)
                    .select_related("provider", "created_by").order_by("-created_at", "-id")),
    )


def provider_history(*, provider: ProviderProfile) -> History:
    """Her jobs (status, date, helpers), the matches on them with hours, ratings received and
    given, problems, what was sent to her, and her blocked pairs."""
    jobs = list(provider.jobs.select_related("category").order_by("-created_at", "-id"))
    assignments = list(
        Assignment.objects.filter(job__provider=provider, job__exchange_id=provider.exchange_id)
        .select_related("job__category", "teen")
        .prefetch_related(Prefetch("feedback", queryset=Feedback.objects.order_by("created_at")))
        .order_by("-starts_at", "-id"))
    rows, done, hours = _assignment_rows(assignments)
    incidents = Incident.objects.filter(exchange_id=provider.exchange_id)
    about = Q(job__provider=provider)
    if provider.user_id:
        about |= Q(reported_by_id=provider.user_id)
    incidents = list(incidents.filter(about).select_related("job", "reported_by").order_by("-created_at", "-id"))
    # Without an account she is reached by phone or letter: those rows carry her in their key
    # (`notify.provider_recipient`), not a user.
    if provider.user_id:
        sent = Notification.objects.filter(user_id=provider.user_id, exchange_id=provider.exchange_id)
    else:
        sent = Notification.objects.filter(exchange_id=provider.exchange_id, user__isnull=True,
                                           key__contains=f":provider-{provider.pk}:")
    notifications = (sent.only("id", "kind", "channel", "status", "created_at", "sent_at")
                     .order_by("-created_at", "-id")[:NOTIFICATIONS_SHOWN])
    return History(
        assignments=rows, jobs_done=done, hours_done=hours,
        ratings_received=_rating_rows(assignments, FeedbackAuthor.TEEN),
        ratings_given=_rating_rows(assignments, FeedbackAuthor.PROVIDER),
        incidents=incidents, notifications=_notification_rows(notifications),
        blocks=list(provider.blocked_pairs.select_related("teen", "created_by").order_by("-created_at", "-id")),
        jobs=jobs,
    )


# --- upcoming matches and who may be blocked ------------------------------------------------------


def upcoming_assignments(*, teen: TeenProfile | None = None,
                         provider: ProviderProfile | None = None) -> list[Assignment]:
    """Confirmed matches still ahead, of a teen or on a provider's jobs, soonest first."""
    qs = Assignment.objects.filter(status=AssignmentStatus.CONFIRMED, starts_at__gt=timezone.now())
    if teen is not None:
        qs = qs.filter(teen=teen, job__exchange_id=teen.exchange_id)
    if provider is not None:
        qs = qs.filter(job__provider=provider, job__exchange_id=provider.exchange_id)
    return list(qs.select_related("job__provider", "teen").order_by("starts_at", "id"))


def block_choices_for_teen(*, teen: TeenProfile) -> tuple[list, list]:
    """Providers of her exchange she is not blocked with: (those she worked for, all others)."""
    blocked = teen.blocked_pairs.values("provider_id")
    providers = list(ProviderProfile.objects.filter(exchange_id=teen.exchange_id)
                     .exclude(status=ProviderStatus.DELETED).exclude(pk__in=blocked)
                     .order_by("last_name", "first_name", "id"))
    worked = set(Assignment.objects.filter(teen=teen, job__exchange_id=teen.exchange_id)
                 .values_list("job__provider_id", flat=True))
    return ([p for p in providers if p.pk in worked], [p for p in providers if p.pk not in worked])


def block_choices_for_provider(*, provider: ProviderProfile) -> tuple[list, list]:
    """Teens of her exchange not blocked with her: (those who worked for or applied to her,
    all others)."""
    blocked = provider.blocked_pairs.values("teen_id")
    teens = list(TeenProfile.objects.filter(exchange_id=provider.exchange_id)
                 .exclude(status__in=[TeenStatus.DELETED, TeenStatus.AGED_OUT]).exclude(pk__in=blocked)
                 .order_by("last_name", "first_name", "id"))
    known = set(Assignment.objects.filter(job__provider=provider).values_list("teen_id", flat=True))
    known |= set(Application.objects.filter(job__provider=provider).values_list("teen_id", flat=True))
    return ([t for t in teens if t.pk in known], [t for t in teens if t.pk not in known])


def pending_applications_to(*, teen: TeenProfile, provider: ProviderProfile) -> QuerySet[Application]:
    return Application.objects.filter(teen=teen, job__provider=provider, status=ApplicationStatus.PENDING)
