"""The figures of the annual report (issue 6, point 5): per exchange and period, aggregates only.

A fixed number of queries whatever the amount of data (nine, with one or many exchanges): every
query groups by exchange, so the coordinator's "all my exchanges" and the operator's district
view cost the same as one exchange. Only the median time to fill needs one value per job; the
work done comes back per teen (to count distinct teens exactly); never model instances.

Definitions (the page explains them in German, see `views/console_stats.py`):
- the period is [start, end], whole days in Europe/Berlin;
- jobs posted: created in the period and submitted (not a draft); filled, done, cancelled,
  expired, rejected and still open count the jobs posted in the period by their state now;
- hours, money and active teens: assignments done whose start lies in the period.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear, TruncMonth
from django.db.models.lookups import Exact, LessThan
from django.utils.translation import gettext_lazy

from ..models import (
    Assignment,
    AssignmentStatus,
    Job,
    JobStatus,
    ProviderProfile,
    TeenProfile,
    TeenStatus,
)

BERLIN = ZoneInfo("Europe/Berlin")

# Age classes of the report (matching.rules.LegalClass without "too young": a job done by
# someone under 13 cannot occur, and would count with the children).
AGE_CHILD, AGE_YOUTH, AGE_ADULT, AGE_UNKNOWN = "child", "youth", "adult", "unknown"
AGE_CLASSES = (AGE_CHILD, AGE_YOUTH, AGE_ADULT, AGE_UNKNOWN)
# Their names, wherever the console shows an age class (the statistics, the broadcasts' filter).
AGE_LABELS = {
    AGE_CHILD: gettext_lazy("Kinder (unter 15 oder vollzeitschulpflichtig)"),
    AGE_YOUTH: gettext_lazy("Jugendliche (15–17)"),
    AGE_ADULT: gettext_lazy("Volljährige"),
    AGE_UNKNOWN: gettext_lazy("Geburtsdatum unbekannt"),
}
STILL_OPEN = (JobStatus.REVIEW, JobStatus.OPEN)
ONE_DECIMAL = Decimal("0.1")


def hours_of(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    """One line of a breakdown (month, category, municipality): jobs by the day they were
    posted, work by the day it was done."""

    key: str
    label: str
    jobs_posted: int = 0
    jobs_done: int = 0
    assignments_done: int = 0
    minutes: int = 0

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)


@dataclass
class AgeRow:
    key: str
    assignments_done: int = 0
    minutes: int = 0
    teen_ids: set[int] = field(default_factory=set, repr=False)

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)

    @property
    def teens(self) -> int:
        return len(self.teen_ids)


@dataclass
class Stats:
    start: date
    end: date
    new_teens: int = 0
    new_providers: int = 0
    jobs_posted: int = 0
    jobs_filled: int = 0
    jobs_done: int = 0
    jobs_cancelled: int = 0
    jobs_expired: int = 0
    jobs_rejected: int = 0
    jobs_open: int = 0
    assignments_done: int = 0
    minutes_worked: int = 0
    amount_paid: Decimal = Decimal("0.00")
    active_teens_today: int = 0
    months: dict[date, Row] = field(default_factory=dict)
    categories: dict[str, Row] = field(default_factory=dict)
    places: dict[str, Row] = field(default_factory=dict)
    age_classes: dict[str, AgeRow] = field(default_factory=dict)
    fill_durations: list[timedelta] = field(default_factory=list, repr=False)
    active_teen_ids: set[int] = field(default_factory=set, repr=False)

    def __post_init__(self):
        if not self.months:
            self.months = {m: Row(key=m.strftime("%Y-%m"), label=m.strftime("%Y-%m"))
                           for m in months_between(self.start, self.end)}
        if not self.age_classes:
            self.age_classes = {key: AgeRow(key=key) for key in AGE_CLASSES}

    @property
    def fill_rate(self) -> Decimal | None:
        """Filled jobs per job that could be filled (posted minus rejected), in percent."""
        base = self.jobs_posted - self.jobs_rejected
        if base <= 0:
            return None
        return (Decimal(self.jobs_filled * 100) / base).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)

    @property
    def median_time_to_fill(self) -> timedelta | None:
        return statistics.median(self.fill_durations) if self.fill_durations else None

    @property
    def median_hours_to_fill(self) -> Decimal | None:
        median = self.median_time_to_fill
        if median is None:
            return None
        return (Decimal(median.total_seconds()) / 3600).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes_worked)

    @property
    def active_teens(self) -> int:
        return len(self.active_teen_ids)

    def category_rows(self) -> list[Row]:
        return sorted(self.categories.values(), key=lambda r: (-r.jobs_posted, -r.minutes, r.label))

    def place_rows(self) -> list[Row]:
        return sorted(self.places.values(), key=lambda r: (-r.jobs_posted, -r.minutes, r.label))

    def month_rows(self) -> list[Row]:
        return [self.months[m] for m in sorted(self.months)]

    def age_rows(self) -> list[AgeRow]:
        """The three classes always; "unknown" only when it occurs."""
        return [row for key, row in self.age_classes.items() if key != AGE_UNKNOWN or row.assignments_done]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str  # count, percent, hours, money
    value: Callable[[Stats], object]


# The key figures with their labels, in the order of the page, the CSV and the API, so that the
# three cannot disagree.
KEY_FIGURES = (
    Figure("new_teens", gettext_lazy("Neue Jugendliche"), "count", lambda s: s.new_teens),
    Figure("new_providers", gettext_lazy("Neue Auftraggeber/innen"), "count", lambda s: s.new_providers),
    Figure("jobs_posted", gettext_lazy("Aufträge eingestellt"), "count", lambda s: s.jobs_posted),
    Figure("jobs_filled", gettext_lazy("davon besetzt"), "count", lambda s: s.jobs_filled),
    Figure("jobs_done", gettext_lazy("davon erledigt"), "count", lambda s: s.jobs_done),
    Figure("jobs_cancelled", gettext_lazy("davon abgesagt"), "count", lambda s: s.jobs_cancelled),
    Figure("jobs_expired", gettext_lazy("davon abgelaufen"), "count", lambda s: s.jobs_expired),
    Figure("jobs_rejected", gettext_lazy("davon abgelehnt"), "count", lambda s: s.jobs_rejected),
    Figure("jobs_open", gettext_lazy("davon noch offen"), "count", lambda s: s.jobs_open),
    Figure("fill_rate", gettext_lazy("Besetzungsquote"), "percent", lambda s: s.fill_rate),
    Figure("median_hours_to_fill", gettext_lazy("Zeit bis besetzt (Median)"), "hours",
           lambda s: s.median_hours_to_fill),
    Figure("assignments_done", gettext_lazy("Erledigte Einsätze"), "count", lambda s: s.assignments_done),
    Figure("hours", gettext_lazy("Geleistete Stunden"), "hours", lambda s: s.hours),
    Figure("amount_paid", gettext_lazy("Bar bezahlt"), "money", lambda s: s.amount_paid),
    Figure("active_teens", gettext_lazy("Aktive Jugendliche im Zeitraum"), "count", lambda s: s.active_teens),
    Figure("active_teens_today", gettext_lazy("Heute freigeschaltete Jugendliche"), "count",
           lambda s: s.active_teens_today),
)


def age_class_on_start():
    """The teen's age class on the (Berlin) day the assignment starts, computed by the database
    so that the work can be grouped by it. The same definition as `matching.rules.class_for_age`
    (a test holds them together): completed years as in `rules.age_on` (§ 187 Abs. 2 BGB, the
    new age from the birthday itself); under 15, or under 18 and in full-time compulsory
    schooling, is a child (§ 2 Abs. 1 and 3 JArbSchG); under 18 otherwise a youth."""
    day_year = ExtractYear("starts_at", tzinfo=BERLIN)
    day_month = ExtractMonth("starts_at", tzinfo=BERLIN)
    day_day = ExtractDay("starts_at", tzinfo=BERLIN)
    birth_month, birth_day = ExtractMonth("teen__birth_date"), ExtractDay("teen__birth_date")
    before_birthday = Case(
        When(LessThan(day_month, birth_month) | (Exact(day_month, birth_month) & LessThan(day_day, birth_day)),
             then=Value(1)),
        default=Value(0), output_field=IntegerField())
    age = ExpressionWrapper(day_year - ExtractYear("teen__birth_date") - before_birthday,
                            output_field=IntegerField())
    return Case(
        When(teen__birth_date__isnull=True, then=Value(AGE_UNKNOWN)),
        When(LessThan(age, 15), then=Value(AGE_CHILD)),
        When(LessThan(age, 18) & Q(teen__in_compulsory_school=True), then=Value(AGE_CHILD)),
        When(LessThan(age, 18), then=Value(AGE_YOUTH)),
        default=Value(AGE_ADULT), output_field=CharField())


def months_between(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in Berlin: a half-open range the indexes can use."""
    return (datetime.combine(start, time.min, tzinfo=BERLIN),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=BERLIN))


def exchange_stats(*, exchange_ids: Iterable[int], start: date, end: date) -> Stats:
    """The figures of these exchanges together for [start, end]."""
    return stats_per_exchange(exchange_ids=exchange_ids, start=start, end=end)[1]


def stats_per_exchange(*, exchange_ids: Iterable[int], start: date, end: date) -> tuple[dict[int, Stats], Stats]:
    """The figures of each exchange, and of all of them together (the total is computed from the
    rows, not added up: a teen who worked in two exchanges is one active teen, and a median is
    no sum)."""
    ids = sorted(set(exchange_ids))
    per = {pk: Stats(start=start, end=end) for pk in ids}
    total = Stats(start=start, end=end)
    if not ids:
        return per, total
    lo, hi = period_bounds(start, end)

    def both(exchange_id):
        return (per[exchange_id], total)

    # 1. Teens: new in the period, and active today.
    for row in (TeenProfile.objects.filter(exchange_id__in=ids).values("exchange_id")
                .annotate(new=Count("id", filter=Q(created_at__gte=lo, created_at__lt=hi)),
                          active=Count("id", filter=Q(status=TeenStatus.ACTIVE)))):
        for s in both(row["exchange_id"]):
            s.new_teens += row["new"]
            s.active_teens_today += row["active"]

    # 2. Providers new in the period.
    for exchange_id, new in (ProviderProfile.objects.filter(exchange_id__in=ids, created_at__gte=lo,
                                                             created_at__lt=hi)
                             .values("exchange_id").annotate(new=Count("id")).values_list("exchange_id", "new")):
        for s in both(exchange_id):
            s.new_providers += new

    # 3. Jobs posted by month and state now; the key figures are the sums of the months.
    jobs = Job.objects.filter(exchange_id__in=ids, created_at__gte=lo, created_at__lt=hi).exclude(
        status=JobStatus.DRAFT)
    filled = Q(filled_at__isnull=False) | Q(status__in=[JobStatus.FILLED, JobStatus.DONE])
    done = Q(status=JobStatus.DONE)
    for row in (jobs.values("exchange_id", month=TruncMonth("created_at", output_field=DateField(), tzinfo=BERLIN))
                .annotate(posted=Count("id"), filled=Count("id", filter=filled), done=Count("id", filter=done),
                          cancelled=Count("id", filter=Q(status=JobStatus.CANCELLED)),
                          expired=Count("id", filter=Q(status=JobStatus.EXPIRED)),
                          rejected=Count("id", filter=Q(status=JobStatus.REJECTED)),
                          still_open=Count("id", filter=Q(status__in=STILL_OPEN)))
                .order_by()):
        month = row["month"]
        for s in both(row["exchange_id"]):
            s.jobs_posted += row["posted"]
            s.jobs_filled += row["filled"]
            s.jobs_done += row["done"]
            s.jobs_cancelled += row["cancelled"]
            s.jobs_expired += row["expired"]
            s.jobs_rejected += row["rejected"]
            s.jobs_open += row["still_open"]
            # A date, whatever the backend returns for a truncated datetime.
            key = month.date() if isinstance(month, datetime) else month
            m = s.months.setdefault(key, Row(key=key.strftime("%Y-%m"), label=key.strftime("%Y-%m")))
            m.jobs_posted += row["posted"]
            m.jobs_done += row["done"]

    # 4. and 5. Jobs posted by category and by municipality (the job's place).
    for row in (jobs.values("exchange_id", "category__slug", "category__name")
                .annotate(posted=Count("id"), done=Count("id", filter=done)).order_by()):
        for s in both(row["exchange_id"]):
            r = s.categories.setdefault(row["category__slug"], Row(key=row["category__slug"],
                                                                   label=row["category__name"]))
            r.jobs_posted += row["posted"]
            r.jobs_done += row["done"]
    for row in (jobs.values("exchange_id", "postcode__place")
                .annotate(posted=Count("id"), done=Count("id", filter=done)).order_by()):
        for s in both(row["exchange_id"]):
            place = row["postcode__place"]
            r = s.places.setdefault(place, Row(key=place, label=place))
            r.jobs_posted += row["posted"]
            r.jobs_done += row["done"]

    # 6. Time to fill: the difference alone comes back, the median is taken here (the same on
    # PostgreSQL and SQLite).
    to_fill = ExpressionWrapper(F("filled_at") - F("published_at"), output_field=DurationField())
    for exchange_id, duration in (jobs.filter(filled, filled_at__isnull=False, published_at__isnull=False)
                                  .annotate(to_fill=to_fill).values_list("exchange_id", "to_fill")
                                  .order_by()):
        for s in both(exchange_id):
            s.fill_durations.append(duration)

    # 7. Work done in the period, per exchange, teen and age class on the day of the work: a
    # few thousand rows of numbers (per teen, not per job), from which the totals, the active
    # teens and the age classes are counted exactly.
    done_work = Assignment.objects.filter(job__exchange_id__in=ids, status=AssignmentStatus.DONE,
                                          starts_at__gte=lo, starts_at__lt=hi)
    for exchange_id, teen_id, age_class, n, minutes, paid in (
            done_work.annotate(age_class=age_class_on_start()).values("job__exchange_id", "teen_id", "age_class")
            .annotate(n=Count("id"), minutes=Sum("minutes_worked"), paid=Sum("amount_paid"))
            .values_list("job__exchange_id", "teen_id", "age_class", "n", "minutes", "paid").order_by()):
        minutes = minutes or 0
        for s in both(exchange_id):
            s.assignments_done += n
            s.minutes_worked += minutes
            s.amount_paid += paid or 0
            s.active_teen_ids.add(teen_id)
            a = s.age_classes[age_class]
            a.assignments_done += n
            a.minutes += minutes
            a.teen_ids.add(teen_id)

    # 8. and 9. Work done by category and by municipality.
    for row in (done_work.values("job__exchange_id", "job__category__slug", "job__category__name")
                .annotate(n=Count("id"), minutes=Sum("minutes_worked")).order_by()):
        for s in both(row["job__exchange_id"]):
            r = s.categories.setdefault(row["job__category__slug"], Row(key=row["job__category__slug"],
                                                                        label=row["job__category__name"]))
            r.assignments_done += row["n"]
            r.minutes += row["minutes"] or 0
    for row in (done_work.values("job__exchange_id", "job__postcode__place")
                .annotate(n=Count("id"), minutes=Sum("minutes_worked")).order_by()):
        for s in both(row["job__exchange_id"]):
            place = row["job__postcode__place"]
            r = s.places.setdefault(place, Row(key=place, label=place))
            r.assignments_done += row["n"]
            r.minutes += row["minutes"] or 0
    return per, total

