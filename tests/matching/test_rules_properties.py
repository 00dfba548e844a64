"""Properties of the rules and the search, on random teens, jobs and times (hypothesis).

- The suggested time of a window job is exactly the first quarter hour that `check` accepts
  (found by brute force over every quarter hour of the window), so it breaks no rule, lies in
  the window, on the grid and inside her free time; no suggestion means no quarter hour fits.
- A fixed job's verdict is `check`'s.
- `check` agrees with a small independent re-implementation of the legal rules (age, hours of
  the day, school time, Sundays, public holidays, 24/31 December, daily and weekly amounts,
  overlaps), rule by rule, and is empty exactly when none of them fails.
- `cap_limits` (what the optimiser uses) allows a job exactly when `check` has no amount reason.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from matching.calendar import calendar_for
from matching.rules import cap_limits, check, free_spans, periods
from matching.timing import evaluate
from matching.types import Booking, Category, Job, Policy, Slot, Teen

from .rules_builders import BABYSITTING, GARDEN, MOVING, POLICY, codes

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# School days, Sundays, the Easter holidays with Good Friday and Easter Monday, Corpus Christi,
# and the end of the year.
DAYS = st.one_of(
    st.dates(date(2025, 3, 10), date(2025, 3, 30)),
    st.dates(date(2025, 4, 10), date(2025, 4, 28)),
    st.dates(date(2025, 6, 16), date(2025, 6, 22)),
    st.dates(date(2025, 12, 20), date(2025, 12, 31)),
)
POLICIES = st.sampled_from(
    [
        POLICY,
        replace(POLICY, min_age=13),
        replace(POLICY, earliest_start_school_days=time(13, 30), max_minutes_per_day=180),
        replace(POLICY, max_minutes_per_day=600, max_minutes_per_week=3000),
        replace(POLICY, max_minutes_per_month=480, max_minutes_per_year=900),
    ]
)
MINUTES = st.sampled_from([0, 5, 10, 15, 30, 45])


@st.composite
def slots(draw):
    weekday = draw(st.integers(0, 6))
    start = draw(st.integers(5, 20)) * 60 + draw(MINUTES)
    end = min(start + draw(st.integers(2, 32)) * 15, 24 * 60 - 1)
    return Slot(weekday, time(start // 60, start % 60), time(end // 60, end % 60))


@st.composite
def bookings(draw):
    start = datetime.combine(draw(DAYS), time(draw(st.integers(6, 19)), draw(MINUTES)))
    length = draw(st.integers(1, 16)) * 15
    return Booking(start, start + timedelta(minutes=length), draw(st.sampled_from([7, 99])),
                   draw(st.sampled_from([None, 1, 2])))


@st.composite
def teens(draw, *, always_free=False, simple=False):
    first_absence = draw(DAYS)
    return Teen(
        id=1,
        exchange_id=1,
        birth_date=draw(st.one_of(st.dates(date(2003, 1, 1), date(2013, 12, 31)), st.dates(date(2007, 1, 1), date(2011, 12, 31)))),
        in_compulsory_school=draw(st.booleans()),
        lat=50.8,
        lon=6.48,
        active=True if simple else draw(st.sampled_from([True] * 7 + [False])),
        availability=(
            tuple(Slot(d, time(0), time(0)) for d in range(7)) if always_free else tuple(draw(st.lists(slots(), min_size=1, max_size=12)))
        ),
        absences=()
        if simple
        else draw(st.sampled_from([(), (), ((first_absence, first_absence + timedelta(days=draw(st.integers(0, 3)))),)])),
        bookings=tuple(draw(st.lists(bookings(), max_size=4))),
        blocked_providers=frozenset() if simple else draw(st.sampled_from([frozenset()] * 7 + [frozenset({7})])),
    )


CATEGORIES = st.sampled_from([GARDEN, BABYSITTING, MOVING, Category("errands")])


@st.composite
def fixed_jobs(draw, category=CATEGORIES):
    start = datetime.combine(draw(DAYS), time(draw(st.integers(5, 21)), draw(st.integers(0, 11)) * 5))
    return Job(id=1, exchange_id=1, provider_id=7, category=draw(category), lat=50.8, lon=6.48,
               starts_at=start, ends_at=start + timedelta(minutes=draw(st.integers(1, 60)) * 5))


@st.composite
def window_jobs(draw):
    first = draw(DAYS)
    return Job(id=1, exchange_id=1, provider_id=7, category=draw(CATEGORIES), lat=50.8, lon=6.48,
               window_start=first, window_end=first + timedelta(days=draw(st.integers(0, 6))),
               duration_minutes=draw(st.sampled_from([15, 30, 45, 60, 60, 90, 120, 120, 150, 180, 240])))


# --- the search ------------------------------------------------------------------------------


def first_fit_by_brute_force(teen: Teen, job: Job, policy: Policy):
    calendar = calendar_for(policy)
    day = job.window_start
    while day <= job.window_end:
        for minute in range(0, 24 * 60, 15):
            start = datetime.combine(day, time()) + timedelta(minutes=minute)
            end = start + timedelta(minutes=job.duration_minutes)
            if not check(teen, job, start, end, policy, calendar):
                return start, end
        day += timedelta(days=1)
    return None


@SETTINGS
@given(teen=teens(), job=window_jobs(), policy=POLICIES)
def test_the_suggested_time_is_the_first_quarter_hour_that_breaks_no_rule(teen, job, policy):
    calendar = calendar_for(policy)
    reasons, start, end = evaluate(teen, job, policy, calendar)
    expected = first_fit_by_brute_force(teen, job, policy)
    event("a time fits" if expected else "no time fits")
    if expected is None:
        assert start is None and end is None
        assert reasons, "no time and no reason"
    else:
        assert (reasons, (start, end)) == ((), expected)
        assert check(teen, job, start, end, policy, calendar) == []
        assert job.window_start <= start.date() <= job.window_end
        assert start.minute % 15 == 0 and start.second == 0
        assert end - start == timedelta(minutes=job.duration_minutes)
        first = start.hour * 60 + start.minute
        assert any(a <= first and first + job.duration_minutes <= b
                   for a, b in free_spans(teen.availability, start.weekday()))


@SETTINGS
@given(teen=teens(), job=window_jobs(), policy=POLICIES)
def test_no_fitting_time_is_explained_briefly_and_without_repeats(teen, job, policy):
    reasons, start, _ = evaluate(teen, job, policy, calendar_for(policy))
    if start is None:
        found = [r.code for r in reasons]
        assert len(found) == len(set(found))
        assert all(r.message for r in reasons)
        assert len(reasons) <= 3 + 1 + 6  # static reasons, the summary, the blocking reasons


@SETTINGS
@given(teen=teens(), job=fixed_jobs(), policy=POLICIES)
def test_a_fixed_job_is_judged_by_check(teen, job, policy):
    calendar = calendar_for(policy)
    assert evaluate(teen, job, policy, calendar) == (
        tuple(check(teen, job, job.starts_at, job.ends_at, policy, calendar)),
        job.starts_at,
        job.ends_at,
    )


# --- an independent re-implementation of the legal rules -------------------------------------

# The public holidays of NRW inside DAYS, from the statute book rather than the package.
NRW_HOLIDAYS = {date(2025, 4, 18), date(2025, 4, 21), date(2025, 6, 19), date(2025, 12, 25), date(2025, 12, 26)}


def completed_years(birth: date, day: date) -> int:
    """Count the birthdays up to `day`; one born on 29 February has hers on 1 March in other years."""
    def birthday(year: int) -> date:
        try:
            return birth.replace(year=year)
        except ValueError:
            return date(year, 3, 1)

    return sum(1 for year in range(birth.year + 1, day.year + 1) if birthday(year) <= day)


def oracle(teen: Teen, job: Job, policy: Policy) -> dict[str, bool]:
    """Which rule fails, written plainly from DESIGN section 4 (availability always free)."""
    start, end = job.starts_at, job.ends_at
    day = start.date()
    age = completed_years(teen.birth_date, day)
    child = 13 <= age <= 14 or (15 <= age <= 17 and teen.in_compulsory_school)
    youth = 15 <= age <= 17 and not teen.in_compulsory_school
    minor = child or youth
    from_minute = start.hour * 60 + start.minute
    to_minute = from_minute + job.minutes
    school_day = (
        day.weekday() < 5 and day not in NRW_HOLIDAYS and not any(a <= day <= b for a, b in policy.school_holidays)
    )
    es = policy.earliest_start_school_days
    others = [b for b in teen.bookings if b.job_id != job.id]
    same_day = sum(b.minutes for b in others if b.start.date() == day) + job.minutes
    monday = day - timedelta(days=day.weekday())
    same_week = sum(b.minutes for b in others if b.start.date() - timedelta(days=b.start.weekday()) == monday)
    same_week += job.minutes
    day_limit = policy.max_minutes_per_day
    week_limit = policy.max_minutes_per_week
    if child:
        day_limit = min(day_limit, 120)
    if youth:
        day_limit, week_limit = min(day_limit, 480), min(week_limit, 2400)
    return {
        "too_young": age < 13,
        "age_below_policy": 13 <= age < policy.min_age,
        "age_above_policy": age > policy.max_age,
        "outside_allowed_hours": (child and (from_minute < 8 * 60 or to_minute > 18 * 60))
        or (youth and (from_minute < 6 * 60 or to_minute > 20 * 60)),
        "school_time": child and school_day and from_minute < max(8 * 60, es.hour * 60 + es.minute),
        "sunday": minor and day.weekday() == 6,
        "public_holiday": minor and day in NRW_HOLIDAYS,
        "christmas_new_year_eve": minor and (day.month, day.day) in ((12, 24), (12, 31)) and to_minute > 14 * 60,
        "day_amount": age >= 13 and same_day > day_limit or age < 13 and same_day > policy.max_minutes_per_day,
        "week_amount": same_week > week_limit,
        "not_available": to_minute > 24 * 60,
        "overlap": any(b.start < end and start < b.end for b in others),
    }


LEGAL_SIMPLE = replace(POLICY, min_age=14, max_age=20)


@settings(max_examples=400, deadline=None)
@given(
    teen=teens(always_free=True, simple=True),
    job=fixed_jobs(category=st.just(GARDEN)),
    policy=st.sampled_from([LEGAL_SIMPLE, replace(LEGAL_SIMPLE, min_age=13, max_minutes_per_day=600,
                                                  max_minutes_per_week=3000)]),
)
def test_check_agrees_with_an_independent_reading_of_the_law(teen, job, policy):
    found = codes(check(teen, job, job.starts_at, job.ends_at, policy, calendar_for(policy)))
    expected = oracle(teen, job, policy)
    event("refused" if found else "allowed")
    for code in ("too_young", "age_below_policy", "age_above_policy", "outside_allowed_hours", "school_time",
                 "sunday", "public_holiday", "christmas_new_year_eve", "not_available", "overlap"):
        assert (code in found) is expected[code], code
    assert bool(found & {"daily_legal_max", "daily_cap"}) is expected["day_amount"]
    assert bool(found & {"weekly_legal_max", "weekly_cap"}) is expected["week_amount"]
    assert (found == set()) is not any(expected.values())


# --- the optimiser's view --------------------------------------------------------------------


@SETTINGS
@given(teen=teens(always_free=True, simple=True), job=fixed_jobs(category=st.just(GARDEN)), policy=POLICIES)
def test_cap_limits_allow_a_job_exactly_when_check_names_no_amount(teen, job, policy):
    teen = replace(teen, bookings=tuple(b for b in teen.bookings if b.job_id != job.id))
    if completed_years(teen.birth_date, job.starts_at.date()) < 13:
        return  # under 13 the law refuses by age, the limits say 0
    found = codes(check(teen, job, job.starts_at, job.ends_at, policy, calendar_for(policy)))
    amounts = {"daily_legal_max", "daily_cap", "weekly_legal_max", "weekly_cap", "monthly_cap", "yearly_cap"}
    limits = cap_limits(teen, job.starts_at.date(), policy)
    fits = all(limits[key] >= job.minutes for key in periods(job.starts_at) if key in limits)
    assert fits is not (found & amounts)
