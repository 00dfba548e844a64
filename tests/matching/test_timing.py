"""The fixed time checked, and the earliest fitting time of a window ("suggested time")."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from matching.rules import check
from matching.timing import MAX_BLOCKING, evaluate
from matching.types import Slot

from .rules_builders import (
    CALENDAR,
    CHRISTMAS_EVE,
    MOVING,
    POLICY,
    SAT,
    SUN,
    WED,
    at,
    booking,
    codes,
    fixed_job,
    teen,
    window_job,
)

MON_17 = date(2025, 3, 17)  # a school day
TUE_18 = date(2025, 3, 18)
WED_19 = date(2025, 3, 19)
EASTER_SUN = date(2025, 4, 13)  # the day before the Easter holidays of NRW

TEN_TO_SIX = tuple(Slot(weekday, time(10), time(18)) for weekday in range(7))


# --- fixed jobs ------------------------------------------------------------------------------


def test_a_fixed_job_that_fits_comes_back_with_its_own_time():
    job = fixed_job(at(WED, 14), 60)
    assert evaluate(teen(14), job, POLICY, CALENDAR) == ((), at(WED, 14), at(WED, 15))


def test_a_fixed_job_outside_her_availability_is_not_available():
    t = teen(16, pupil=False, availability=(Slot(2, time(15), time(18)),))
    reasons, start, end = evaluate(t, fixed_job(at(WED, 14), 60), POLICY, CALENDAR)
    assert codes(reasons) == {"not_available"}
    assert (start, end) == (at(WED, 14), at(WED, 15))


def test_a_fixed_job_gets_every_reason_of_check():
    t = teen(14, active=False)
    job = fixed_job(at(SUN, 19), 180)
    reasons, _, _ = evaluate(t, job, POLICY, CALENDAR)
    assert list(reasons) == check(t, job, job.starts_at, job.ends_at, POLICY, CALENDAR)
    assert codes(reasons) == {"inactive", "sunday", "outside_allowed_hours", "daily_legal_max"}


def test_a_fixed_job_already_begun_is_in_the_past():
    reasons, _, _ = evaluate(teen(16), fixed_job(at(WED, 14), 60), POLICY, CALENDAR, not_before=at(WED, 14, 30))
    assert codes(reasons) == {"in_past"}


def test_a_fixed_job_without_an_end_is_invalid():
    job = replace(fixed_job(at(WED, 14), 60), ends_at=None)
    assert codes(evaluate(teen(16), job, POLICY, CALENDAR)[0]) == {"invalid_time"}


# --- window jobs: the earliest fitting time --------------------------------------------------


@pytest.mark.parametrize(
    ("t", "first", "last", "minutes", "expected"),
    [
        pytest.param(teen(14, availability=TEN_TO_SIX), SUN, WED_19, 120, at(MON_17, 14),
                     id="a child skips Sunday and school time and starts Monday at 14:00"),
        pytest.param(teen(14, availability=TEN_TO_SIX, bookings=(booking(MON_17, 14, 120),)), SUN, WED_19, 120,
                     at(TUE_18, 14), id="a child who already works 2 hours on Monday gets Tuesday"),
        pytest.param(teen(14, availability=TEN_TO_SIX, bookings=(booking(MON_17, 14, 60),)), SUN, WED_19, 60,
                     at(MON_17, 15), id="a child starts after her other booking ends"),
        pytest.param(teen(14, availability=TEN_TO_SIX, bookings=(booking(MON_17, 14, 40),)), SUN, WED_19, 60,
                     at(MON_17, 14, 45), id="the start after another booking is on the quarter hour"),
        pytest.param(teen(14, availability=TEN_TO_SIX, bookings=(booking(MON_17, 15, 30),)), SUN, WED_19, 60,
                     at(MON_17, 14), id="a job before another booking on the same day fits"),
        pytest.param(teen(14, availability=TEN_TO_SIX, bookings=(booking(MON_17, 14, 60, minute=30),)), SUN,
                     WED_19, 60, at(MON_17, 15, 30), id="a gap of 30 minutes is too short for an hour"),
        pytest.param(teen(16, pupil=False, availability=TEN_TO_SIX), SUN, WED_19, 120, at(MON_17, 10),
                     id="a youth skips Sunday but not the morning of a school day"),
        pytest.param(teen(19, pupil=False, availability=TEN_TO_SIX), SUN, WED_19, 120, at(SUN, 10),
                     id="an adult may start on Sunday"),
        pytest.param(teen(14, availability=TEN_TO_SIX), EASTER_SUN, EASTER_SUN + timedelta(days=3), 120,
                     at(EASTER_SUN + timedelta(days=1), 10), id="a child in the school holidays starts in the morning"),
        pytest.param(teen(14, availability=(Slot(5, time(10, 10), time(13)),)), SAT, SUN, 120, at(SAT, 10, 15),
                     id="a start inside her free time is rounded up to the quarter hour"),
        pytest.param(teen(14, availability=(Slot(5, time(16), time(20)),)), SAT, SUN, 120, at(SAT, 16),
                     id="a child free until 20:00 can still end at 18:00"),
        pytest.param(teen(14, availability=(Slot(0, time(13), time(16)), Slot(0, time(16), time(17)))), MON_17,
                     MON_17, 180, None, id="three hours are too long for a child even in a long afternoon"),
        pytest.param(teen(16, pupil=False, availability=(Slot(0, time(13), time(15)), Slot(0, time(15), time(17)))),
                     MON_17, MON_17, 120, at(MON_17, 13), id="touching slots form one free afternoon"),
    ],
)
def test_a_window_job_gets_the_earliest_fitting_time(t, first, last, minutes, expected):
    job = window_job(first, last, minutes)
    reasons, start, end = evaluate(t, job, POLICY, CALENDAR)
    if expected is None:
        assert reasons and start is None and end is None
    else:
        assert (reasons, start, end) == ((), expected, expected + timedelta(minutes=minutes))
        assert check(t, job, start, end, POLICY, CALENDAR) == []


def test_a_birthday_inside_the_window_opens_the_days_after_it():
    t = teen(birth_date=date(2011, 3, 18), availability=TEN_TO_SIX)  # 14 on Tuesday 18 March
    reasons, start, _ = evaluate(t, window_job(MON_17, WED_19, 60), POLICY, CALENDAR)
    assert (reasons, start) == ((), at(TUE_18, 14))


def test_not_before_drops_the_part_of_the_window_that_is_past():
    t = teen(16, pupil=False, availability=TEN_TO_SIX)
    job = window_job(MON_17, WED_19, 60)
    assert evaluate(t, job, POLICY, CALENDAR, not_before=datetime(2025, 3, 18, 15, 5))[1] == at(TUE_18, 15, 15)
    assert evaluate(t, job, POLICY, CALENDAR, not_before=datetime(2025, 3, 18, 17, 30))[1] == at(WED_19, 10)
    reasons, start, _ = evaluate(t, job, POLICY, CALENDAR, not_before=datetime(2025, 3, 20))
    assert start is None and "in_past" in codes(reasons)


# --- window jobs: no fitting time ------------------------------------------------------------


def test_a_job_longer_than_any_free_time_has_no_fitting_time():
    t = teen(16, pupil=False, availability=(Slot(2, time(15), time(16)), Slot(4, time(10), time(11, 30))))
    reasons, start, end = evaluate(t, window_job(WED, SAT, 120), POLICY, CALENDAR)
    assert (start, end) == (None, None)
    assert [r.code for r in reasons] == ["no_fitting_time", "not_available"]
    assert reasons[0].message.startswith("Kein passender Termin zwischen 12.03. und 15.03.: ")
    assert reasons[1].message == "Die freie Zeit am Mittwoch (15–16 Uhr) ist kürzer als 2 Std."


def test_no_fitting_time_names_each_blocking_reason_once():
    # Mornings only, for two weeks: 2.5 h too long for a child any day, Sundays closed anyway.
    t = teen(14, availability=tuple(Slot(d, time(8), time(12)) for d in range(7)))
    reasons, start, _ = evaluate(t, window_job(MON_17, MON_17 + timedelta(days=13), 150), POLICY, CALENDAR)
    assert start is None
    assert reasons[0].code == "no_fitting_time"
    assert codes(reasons) == {"no_fitting_time", "daily_legal_max", "sunday"}
    reasons, start, _ = evaluate(t, window_job(MON_17, MON_17 + timedelta(days=13), 60), POLICY, CALENDAR)
    assert start == at(date(2025, 3, 22), 8)  # the first Saturday
    reasons, start, _ = evaluate(t, window_job(MON_17, MON_17 + timedelta(days=4), 60), POLICY, CALENDAR)
    assert codes(reasons) == {"no_fitting_time", "school_time"}
    assert len(reasons) == len(codes(reasons)) <= 1 + MAX_BLOCKING


def test_many_kinds_of_blocked_days_are_summarised_and_bounded():
    t = teen(
        14,
        availability=(
            Slot(0, time(10), time(13)),  # Monday: school time
            Slot(1, time(14), time(15)),  # Tuesday: too short
            Slot(2, time(17), time(19)),  # Wednesday: after 18:00
            Slot(3, time(14), time(16)),  # Thursday: she is away
            Slot(4, time(14), time(16)),  # Friday: already booked
            Slot(6, time(10), time(12)),  # Sunday
        ),
        absences=((date(2025, 3, 20), date(2025, 3, 20)),),
        bookings=(booking(date(2025, 3, 21), 14, 60),),
    )
    reasons, start, _ = evaluate(t, window_job(MON_17, date(2025, 3, 23), 90), POLICY, CALENDAR)
    assert start is None
    assert codes(reasons) == {
        "no_fitting_time",
        "school_time",
        "not_available",
        "outside_allowed_hours",
        "absent",
        "daily_legal_max",
        "sunday",
    }
    assert len(reasons) == 1 + MAX_BLOCKING
    assert reasons[0].message.endswith(" …")


def test_24_december_closes_at_14_for_a_youth():
    t = teen(16, pupil=False, on=CHRISTMAS_EVE, availability=(Slot(2, time(12), time(18)),))
    policy = replace(POLICY, max_minutes_per_day=240)
    assert evaluate(t, window_job(CHRISTMAS_EVE, CHRISTMAS_EVE, 120), policy, CALENDAR)[1] == at(CHRISTMAS_EVE, 12)
    reasons, start, _ = evaluate(t, window_job(CHRISTMAS_EVE, CHRISTMAS_EVE, 180), policy, CALENDAR)
    assert start is None and codes(reasons) == {"no_fitting_time", "christmas_new_year_eve"}


def test_a_teen_away_the_whole_window_is_absent():
    t = teen(16, pupil=False, availability=TEN_TO_SIX, absences=((MON_17, WED_19),))
    reasons, start, _ = evaluate(t, window_job(MON_17, WED_19, 60), POLICY, CALENDAR)
    assert start is None and codes(reasons) == {"no_fitting_time", "absent"}


def test_a_window_job_for_an_inactive_teen_names_the_reason_and_no_time():
    t = teen(16, pupil=False, availability=TEN_TO_SIX, active=False)
    reasons, start, end = evaluate(t, window_job(MON_17, WED_19, 60), POLICY, CALENDAR)
    assert ([r.code for r in reasons], start, end) == (["inactive"], None, None)


def test_a_window_job_of_heavy_work_for_a_child_says_so():
    reasons, start, _ = evaluate(teen(14, availability=TEN_TO_SIX), window_job(SAT, SUN, 60, category=MOVING),
                                 POLICY, CALENDAR)
    assert start is None and codes(reasons) == {"no_fitting_time", "not_light_work", "sunday"}


@pytest.mark.parametrize(
    "job",
    [
        pytest.param(window_job(WED_19, MON_17, 60), id="a window ending before it starts"),
        pytest.param(window_job(MON_17, WED_19, 0), id="a window job without a duration"),
        pytest.param(replace(window_job(MON_17, WED_19, 60), window_end=None), id="a window without an end"),
    ],
)
def test_an_invalid_window_is_refused(job):
    reasons, start, end = evaluate(teen(16), job, POLICY, CALENDAR)
    assert ([r.code for r in reasons], start, end) == (["invalid_time"], None, None)
