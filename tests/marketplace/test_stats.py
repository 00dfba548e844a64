"""The figures of the annual report (`selectors.stats`), on a small year of data built by hand so
that every number is known: jobs at the edges of the period, drafts, another exchange, a teen
who turned 15 between two jobs. `build_year` is shared with the page and browser tests."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from marketplace.models import (
    Assignment,
    AssignmentStatus,
    Category,
    Job,
    JobStatus,
    TeenProfile,
    TeenStatus,
)
from marketplace.selectors.stats import age_class_on_start, exchange_stats, months_between, stats_per_exchange
from matching.rules import LegalClass, legal_class
from tests.factories import make_provider, make_teen

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = {"start": date(2024, 1, 1), "end": date(2024, 12, 31)}
PLACES = {"52349": (50.80, 6.48), "52372": (50.75, 6.49), "52428": (50.92, 6.36), "52062": (50.78, 6.08)}


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def created(obj, when: datetime):
    type(obj).objects.filter(pk=obj.pk).update(created_at=when)
    return obj


def job(provider, *, when: datetime, status: str, category: str = "garden", postcode: str | None = None,
        to_fill: timedelta | None = None) -> Job:
    """A job written directly (the services rightly refuse jobs in the past); published on the day
    it was created, filled `to_fill` later."""
    postcode = postcode or provider.postcode_id
    lat, lon = PLACES[postcode]
    published = when if status not in (JobStatus.DRAFT, JobStatus.REVIEW, JobStatus.REJECTED) else None
    return Job.objects.create(
        exchange=provider.exchange, provider=provider, title="Hilfe", street="Kölnstraße 1",
        category=Category.objects.get(exchange=provider.exchange, slug=category), postcode_id=postcode,
        latitude=lat, longitude=lon, starts_at=when + timedelta(days=3), ends_at=when + timedelta(days=3, hours=2),
        hourly_rate=Decimal("8.00"), status=status, created_at=when, published_at=published,
        filled_at=(when + to_fill) if to_fill else None,
    )


def work(job, teen, *, when: datetime, minutes: int, paid: str, status: str = AssignmentStatus.DONE) -> Assignment:
    return Assignment.objects.create(job=job, teen=teen, status=status, starts_at=when,
                                     ends_at=when + timedelta(minutes=minutes),
                                     minutes_worked=minutes if status == AssignmentStatus.DONE else None,
                                     amount_paid=Decimal(paid) if status == AssignmentStatus.DONE else None)


def teen(exchange, *, born: date, in_school: bool, when: datetime, postcode: str = "52349",
         status: str = TeenStatus.ACTIVE, first_name: str = "Lena") -> TeenProfile:
    profile = make_teen(exchange, status=status, postcode=postcode, first_name=first_name,
                        in_compulsory_school=in_school)
    TeenProfile.objects.filter(pk=profile.pk).update(birth_date=born, created_at=when)
    profile.refresh_from_db()
    return profile


@dataclass
class Year:
    """What `build_year` wrote, and the figures it must give for 2024 in the exchange."""

    jobs: dict
    teens: dict
    providers: dict
    extra_jobs: int = 0


def build_year(exchange, other_exchange) -> Year:
    p1 = created(make_provider(exchange, first_name="Hildegard"), berlin(2024, 1, 2, 9))
    p2 = created(make_provider(exchange, first_name="Gertrud"), berlin(2023, 5, 1, 9))
    foreign_provider = created(make_provider(other_exchange, postcode="52062", first_name="Olga"),
                               berlin(2024, 3, 1, 9))
    a = teen(exchange, born=date(2008, 1, 1), in_school=True, when=berlin(2024, 1, 5, 12), first_name="Anna")
    b = teen(exchange, born=date(2000, 1, 1), in_school=False, when=berlin(2023, 11, 1, 12), first_name="Ben")
    # Turns 15 on 1 March 2024 and has left school: a child in February, a youth in March.
    c = teen(exchange, born=date(2009, 3, 1), in_school=False, when=berlin(2024, 2, 1, 12), first_name="Cem")
    teen(exchange, born=date(2009, 6, 1), in_school=True, when=berlin(2024, 6, 1, 12), status=TeenStatus.PAUSED,
         first_name="Dora")
    foreign_teen = teen(other_exchange, born=date(2008, 5, 5), in_school=True, when=berlin(2024, 2, 2, 12),
                        postcode="52062", first_name="Olli")

    h = timedelta(hours=1)
    jobs = {
        "j1": job(p1, when=berlin(2024, 1, 10, 10), status=JobStatus.DONE, to_fill=24 * h),
        "j2": job(p1, when=berlin(2024, 2, 5, 10), status=JobStatus.DONE, category="shopping", postcode="52372",
                  to_fill=48 * h),
        # Filled, then cancelled: counts as filled and as cancelled.
        "j3": job(p2, when=berlin(2024, 2, 20, 10), status=JobStatus.CANCELLED, to_fill=12 * h),
        "j4": job(p2, when=berlin(2024, 3, 1, 10), status=JobStatus.EXPIRED),
        "j5": job(p1, when=berlin(2024, 3, 2, 10), status=JobStatus.REJECTED, category="shopping"),
        "j10": job(p1, when=berlin(2024, 3, 5, 10), status=JobStatus.DONE, to_fill=30 * h),
        "j6": job(p1, when=berlin(2024, 4, 1, 10), status=JobStatus.OPEN),
        "j7": job(p1, when=berlin(2024, 4, 2, 10), status=JobStatus.REVIEW, category="shopping"),
        "j8": job(p2, when=berlin(2024, 5, 1, 10), status=JobStatus.FILLED, category="pets", to_fill=6 * h),
        # 23:30 on New Year's Eve in Berlin (22:30 UTC): still in the year.
        "j9": job(p1, when=berlin(2024, 12, 31, 23, 30), status=JobStatus.OPEN),
        # Not counted: a draft, jobs just before and after the year, another exchange's job.
        "draft": job(p1, when=berlin(2024, 6, 1, 10), status=JobStatus.DRAFT),
        "before": job(p1, when=berlin(2023, 12, 31, 23, 30), status=JobStatus.DONE, to_fill=h),
        "after": job(p1, when=berlin(2025, 1, 1, 0, 10), status=JobStatus.OPEN),
        "old": job(p2, when=berlin(2023, 12, 20, 10), status=JobStatus.DONE, category="shopping",
                   postcode="52428", to_fill=2 * h),
        "foreign": job(foreign_provider, when=berlin(2024, 6, 1, 10), status=JobStatus.DONE, to_fill=h),
    }
    work(jobs["j1"], a, when=berlin(2024, 1, 13, 10), minutes=90, paid="12.00")
    work(jobs["j2"], b, when=berlin(2024, 2, 10, 10), minutes=60, paid="8.00")
    # Work in the year on a job posted the year before: counts for hours, not for jobs.
    work(jobs["old"], c, when=berlin(2024, 2, 28, 10), minutes=60, paid="8.00")
    work(jobs["j10"], c, when=berlin(2024, 3, 10, 10), minutes=30, paid="4.00")
    # Not counted: work on New Year's Eve 2023 at 23:00 in Berlin, a match not yet done,
    # another exchange's work.
    work(jobs["before"], a, when=berlin(2023, 12, 31, 23), minutes=45, paid="6.00")
    work(jobs["j8"], b, when=berlin(2024, 5, 10, 10), minutes=60, paid="8.00", status=AssignmentStatus.CONFIRMED)
    work(jobs["foreign"], foreign_teen, when=berlin(2024, 6, 5, 10), minutes=120, paid="16.00")
    return Year(jobs=jobs, teens={"a": a, "b": b, "c": c}, providers={"p1": p1, "p2": p2})


@pytest.fixture
def year(exchange, other_exchange):
    return build_year(exchange, other_exchange)


def test_the_key_figures_of_a_year_count_only_that_year_and_that_exchange(exchange, year):
    stats = exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    assert (stats.new_teens, stats.new_providers) == (3, 1)
    assert stats.jobs_posted == 10
    assert (stats.jobs_filled, stats.jobs_done, stats.jobs_cancelled) == (5, 3, 1)
    assert (stats.jobs_expired, stats.jobs_rejected, stats.jobs_open) == (1, 1, 3)
    assert stats.active_teens_today == 3


def test_the_fill_rate_leaves_out_rejected_jobs(exchange, year):
    stats = exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    # 5 filled of 10 posted, 1 of them rejected: 5 / 9.
    assert stats.fill_rate == Decimal("55.6")


def test_the_median_time_to_fill_is_the_middle_of_the_filled_jobs(exchange, year):
    stats = exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    # 6, 12, 24, 30 and 48 hours.
    assert stats.median_time_to_fill == timedelta(hours=24)


def test_an_even_number_of_filled_jobs_gives_the_mean_of_the_two_middle_ones(exchange, year):
    Job.objects.filter(pk=year.jobs["j8"].pk).update(filled_at=None, status=JobStatus.OPEN)
    stats = exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    assert stats.median_time_to_fill == timedelta(hours=27)


def test_hours_money_and_active_teens_count_work_done_in_the_period(exchange, year):
    stats = exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    assert stats.assignments_done == 4
    assert stats.hours == Decimal("4.0")
    assert stats.amount_paid == Decimal("32.00")
    assert stats.active_teens == 3


def test_the_age_class_is_taken_on_the_day_of_the_job(exchange, year):
    stats = exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    ages = {row.key: (row.assignments_done, row.hours, row.teens) for row in stats.age_rows()}
    # Cem did a job two days before his 15th birthday (a child) and one after it (a youth: he
    # left school).
    assert ages == {"child": (2, Decimal("2.5"), 2), "youth": (1, Decimal("0.5"), 1), "adult": (1, Decimal("1.0"), 1)}


REPORT_CLASS = {LegalClass.TOO_YOUNG: "child", LegalClass.CHILD: "child", LegalClass.YOUTH: "youth",
                LegalClass.ADULT: "adult"}


@pytest.mark.parametrize(("born", "in_school", "when"), [
    (date(2009, 3, 1), False, berlin(2024, 2, 29, 18)),  # the day before the 15th birthday
    (date(2009, 3, 1), False, berlin(2024, 3, 1, 9)),  # the birthday itself
    (date(2009, 3, 1), False, berlin(2024, 3, 1, 0, 30)),  # still 29 February in UTC
    (date(2008, 2, 29), False, berlin(2023, 2, 28, 10)),  # born on a leap day, not a leap year
    (date(2008, 2, 29), False, berlin(2023, 3, 1, 10)),
    (date(2006, 7, 15), True, berlin(2024, 7, 14, 10)),  # 17 and still at school
    (date(2006, 7, 15), True, berlin(2024, 7, 15, 10)),  # 18
    (date(2011, 12, 31), True, berlin(2024, 12, 31, 23, 30)),
])
def test_the_database_gives_the_same_age_class_as_the_engine(exchange, born, in_school, when):
    provider = make_provider(exchange)
    someone = teen(exchange, born=born, in_school=in_school, when=berlin(2020, 1, 1, 12))
    assignment = work(job(provider, when=when - timedelta(days=5), status=JobStatus.DONE), someone, when=when,
                      minutes=60, paid="8.00")
    in_sql = Assignment.objects.filter(pk=assignment.pk).annotate(c=age_class_on_start()).values_list(
        "c", flat=True).get()
    assert in_sql == REPORT_CLASS[legal_class(born, in_school, when.date())]


def test_jobs_and_hours_by_category_and_by_place(exchange, year):
    stats = exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    categories = {r.key: (r.jobs_posted, r.jobs_done, r.assignments_done, r.hours) for r in stats.category_rows()}
    assert categories == {"garden": (6, 2, 2, Decimal("2.0")), "shopping": (3, 1, 2, Decimal("2.0")),
                          "pets": (1, 0, 0, Decimal("0.0"))}
    assert [r.label for r in stats.category_rows()] == ["Garten", "Einkaufen und Besorgungen", "Haustiere"]
    places = {r.label: (r.jobs_posted, r.jobs_done, r.assignments_done, r.hours) for r in stats.place_rows()}
    assert places == {"Düren": (9, 2, 2, Decimal("2.0")), "Kreuzau": (1, 1, 1, Decimal("1.0")),
                      "Jülich": (0, 0, 1, Decimal("1.0"))}


def test_jobs_per_month_by_the_month_they_were_posted(exchange, year):
    stats = exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    months = [(r.key, r.jobs_posted, r.jobs_done) for r in stats.month_rows()]
    assert len(months) == 12
    assert months[:6] == [("2024-01", 1, 1), ("2024-02", 2, 1), ("2024-03", 3, 1), ("2024-04", 2, 0),
                          ("2024-05", 1, 0), ("2024-06", 0, 0)]
    assert months[11] == ("2024-12", 1, 0)


def test_each_exchange_has_its_own_figures_and_the_total_counts_both(exchange, other_exchange, year):
    per, total = stats_per_exchange(exchange_ids=[exchange.pk, other_exchange.pk], **YEAR)
    assert per[exchange.pk].jobs_posted == 10
    assert (per[other_exchange.pk].jobs_posted, per[other_exchange.pk].jobs_done) == (1, 1)
    assert (per[other_exchange.pk].new_teens, per[other_exchange.pk].new_providers) == (1, 1)
    assert per[other_exchange.pk].hours == Decimal("2.0")
    assert (total.jobs_posted, total.jobs_done, total.new_teens, total.new_providers) == (11, 4, 4, 2)
    assert (total.hours, total.active_teens) == (Decimal("6.0"), 4)
    # 6, 12, 24, 30, 48 hours and the other exchange's 1 hour.
    assert total.median_time_to_fill == timedelta(hours=18)


def test_an_empty_period_has_zeros_and_no_rate_or_median(exchange, year):
    stats = exchange_stats(exchange_ids=[exchange.pk], start=date(2020, 1, 1), end=date(2020, 3, 31))
    assert (stats.jobs_posted, stats.hours, stats.active_teens) == (0, Decimal("0.0"), 0)
    assert stats.fill_rate is None and stats.median_time_to_fill is None
    assert [r.key for r in stats.month_rows()] == ["2020-01", "2020-02", "2020-03"]
    assert [r.key for r in stats.age_rows()] == ["child", "youth", "adult"]


def test_no_exchange_gives_nothing_without_asking_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        stats = exchange_stats(exchange_ids=[], **YEAR)
    assert stats.jobs_posted == 0


@pytest.mark.parametrize("jobs", [5, 50])
def test_the_number_of_queries_does_not_grow_with_the_data(exchange, other_exchange, jobs, django_assert_num_queries):
    provider = make_provider(exchange)
    someone = make_teen(exchange)
    for i in range(jobs):
        j = job(provider, when=berlin(2024, 1 + i % 12, 1 + i % 28, 10), status=JobStatus.DONE,
                to_fill=timedelta(hours=i + 1))
        work(j, someone, when=berlin(2024, 1 + i % 12, 2 + i % 27, 10), minutes=60, paid="8.00")
    with django_assert_num_queries(9):
        stats = exchange_stats(exchange_ids=[exchange.pk, other_exchange.pk], **YEAR)
    assert stats.jobs_done == jobs


def test_months_between_spans_year_ends():
    assert months_between(date(2023, 11, 15), date(2024, 2, 1)) == [
        date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]


def test_no_query_reads_a_name_or_an_address(exchange, year):
    """The selector reads aggregates and a few columns; no query selects a name."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        exchange_stats(exchange_ids=[exchange.pk], **YEAR)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "first_name" not in sql and "last_name" not in sql and "street" not in sql
