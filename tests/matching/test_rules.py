"""The rules of DESIGN section 4, row by row at their edges, and the policy on top.

Each case names the teen, the job's time and what the verdict must say: the exact set of
reason codes (empty: she may do it). Reference days are in `rules_builders`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from matching.calendar import calendar_for
from matching.rules import (
    MESSAGES,
    SHORT_LABELS,
    LegalClass,
    age_on,
    cap_limits,
    check,
    daily_limit_minutes,
    fmt_minutes,
    legal_class,
    periods,
    static_reasons,
    time_reasons,
)
from matching.types import Slot

from .rules_builders import (
    ALLERHEILIGEN,
    BABYSITTING,
    CALENDAR,
    CHRISTMAS_EVE,
    EASTER_WED,
    FRONLEICHNAM,
    MON,
    MOVING,
    NEW_YEARS_EVE,
    POLICY,
    SAT,
    SUN,
    WED,
    at,
    booking,
    born,
    codes,
    fixed_job,
    teen,
)

POLICY_13 = replace(POLICY, min_age=13)  # lets the law speak for 13-year-olds
THU = date(2025, 3, 13)
FRI = date(2025, 3, 14)


def verdict(t, start, minutes, *, policy=POLICY, category=None, job_id=1, provider_id=7):
    job = fixed_job(start, minutes, id=job_id, provider_id=provider_id, **({"category": category} if category else {}))
    return check(t, job, job.starts_at, job.ends_at, policy, calendar_for(policy))


# --- age and legal class ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        pytest.param(date(2011, 3, 12), date(2025, 3, 11), 13, id="the day before the 14th birthday she is 13"),
        pytest.param(date(2011, 3, 12), date(2025, 3, 12), 14, id="on the 14th birthday she is 14"),
        pytest.param(date(2008, 2, 29), date(2025, 2, 28), 16, id="born on 29 February, on 28 February still 16"),
        pytest.param(date(2008, 2, 29), date(2025, 3, 1), 17, id="born on 29 February, 17 on 1 March"),
        pytest.param(date(2008, 2, 29), date(2024, 2, 29), 16, id="born on 29 February, 16 on 29 February 2024"),
    ],
)
def test_age_on_counts_the_birthday_itself(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize(
    ("age", "pupil", "expected"),
    [
        pytest.param(12, True, LegalClass.TOO_YOUNG, id="12 is too young"),
        pytest.param(13, True, LegalClass.CHILD, id="13 is a child"),
        pytest.param(14, False, LegalClass.CHILD, id="14 is a child even out of school"),
        pytest.param(15, True, LegalClass.CHILD, id="15 in compulsory schooling is treated as a child"),
        pytest.param(15, False, LegalClass.YOUTH, id="15 out of compulsory schooling is a youth"),
        pytest.param(17, True, LegalClass.CHILD, id="17 in compulsory schooling is treated as a child"),
        pytest.param(17, False, LegalClass.YOUTH, id="17 out of school is a youth"),
        pytest.param(18, True, LegalClass.ADULT, id="18 is an adult even at school"),
    ],
)
def test_legal_class_follows_age_and_school_on_the_jobs_date(age, pupil, expected):
    assert legal_class(born(age), pupil, WED) is expected


def test_the_legal_class_is_taken_on_the_jobs_date_not_today():
    birth = date(2010, 3, 20)  # 15 on 20 March 2025
    assert legal_class(birth, False, WED) is LegalClass.CHILD
    assert legal_class(birth, False, date(2025, 3, 20)) is LegalClass.YOUTH


# --- the table: every row of DESIGN section 4 at its edges -----------------------------------

def case(t, start, minutes, expected, policy=POLICY, category=None, *, id):
    return pytest.param(t, start, minutes, expected, policy, category, id=id)


CHILD_13 = teen(13)
CHILD_14 = teen(14)
PUPIL_16 = teen(16, pupil=True)
YOUTH_16 = teen(16, pupil=False)
ADULT_19 = teen(19, pupil=False)

CASES = [
    # Children: 08:00 to 18:00 (§ 5 Abs. 3 JArbSchG); WED is a school day, so from 14:00 on.
    case(CHILD_13, at(WED, 17), 60, set(), POLICY_13, id="a 13-year-old may work until 18:00"),
    case(CHILD_13, at(WED, 17, 59), 1, set(), POLICY_13, id="a 13-year-old may start at 17:59 for one minute"),
    case(CHILD_13, at(WED, 17, 59), 30, {"outside_allowed_hours"}, POLICY_13,
                 id="a 13-year-old may not work from 17:59 past 18:00"),
    case(CHILD_13, at(WED, 18), 60, {"outside_allowed_hours"}, POLICY_13,
                 id="a 13-year-old may not start at 18:00"),
    case(CHILD_14, at(WED, 16, 15), 120, {"outside_allowed_hours"}, POLICY,
                 id="a 14-year-old may not end at 18:15"),
    case(CHILD_14, at(SAT, 7, 45), 60, {"outside_allowed_hours"}, POLICY,
                 id="a 14-year-old may not start before 8:00 on a Saturday"),
    case(CHILD_14, at(SAT, 8), 120, set(), POLICY, id="a 14-year-old may work from 8:00 on a Saturday"),
    # Children: 2 hours a day.
    case(CHILD_14, at(WED, 14), 120, set(), POLICY, id="a 14-year-old may work 2 hours"),
    case(CHILD_14, at(WED, 14), 135, {"daily_legal_max"}, POLICY,
                 id="a 14-year-old may not work 2 hours 15 minutes"),
    case(CHILD_14, at(WED, 14), 135, {"daily_legal_max"}, replace(POLICY, max_minutes_per_day=240),
                 id="a 14-year-old may not work 2 hours 15 minutes even if the policy allows 4 hours"),
    # Children: not before or during school (the policy's earliest start on school days).
    case(PUPIL_16, at(WED, 13, 45), 60, {"school_time"}, POLICY,
                 id="a pupil of 16 may not start at 13:45 on a school day"),
    case(PUPIL_16, at(WED, 14), 60, set(), POLICY, id="a pupil of 16 may start at 14:00 on a school day"),
    case(PUPIL_16, at(EASTER_WED, 13, 45), 60, set(), POLICY,
                 id="a pupil of 16 may start at 13:45 in the school holidays"),
    case(PUPIL_16, at(EASTER_WED, 13, 45), 60, {"school_time"}, replace(POLICY, school_holidays=()),
                 id="the same Wednesday is a school day where the policy knows no holidays"),
    case(CHILD_14, at(WED, 10), 60, {"school_time"}, POLICY,
                 id="a 14-year-old may not work in the morning of a school day"),
    case(CHILD_14, at(WED, 14, 30), 60, {"school_time"},
                 replace(POLICY, earliest_start_school_days=time(15)),
                 id="a 14-year-old may not start at 14:30 where school days start at 15:00"),
    case(PUPIL_16, at(WED, 17, 30), 60, {"outside_allowed_hours"}, POLICY,
                 id="a pupil of 16 is bound to 18:00 like a child"),
    case(PUPIL_16, at(WED, 14), 60, {"not_light_work"}, POLICY, MOVING,
                 id="a pupil of 16 may only do light work"),
    # Youths (15-17, out of compulsory schooling): 06:00 to 20:00, 8 h a day, 40 h a week.
    case(YOUTH_16, at(WED, 19, 30), 30, set(), POLICY, id="a 16-year-old out of school may work 19:30-20:00"),
    case(YOUTH_16, at(WED, 19, 30), 45, {"outside_allowed_hours"}, POLICY,
                 id="a 16-year-old out of school may not work past 20:00"),
    case(YOUTH_16, at(WED, 20), 30, {"outside_allowed_hours"}, POLICY,
                 id="a 16-year-old out of school may not start at 20:00"),
    case(YOUTH_16, at(WED, 6), 60, set(), POLICY, id="a 16-year-old out of school may start at 6:00"),
    case(YOUTH_16, at(WED, 5, 45), 60, {"outside_allowed_hours"}, POLICY,
                 id="a 16-year-old out of school may not start at 5:45"),
    case(YOUTH_16, at(WED, 9), 60, set(), POLICY,
                 id="a 16-year-old out of school may work in the morning of a school day"),
    case(YOUTH_16, at(WED, 14), 60, set(), POLICY, MOVING, id="a 16-year-old out of school may do heavier work"),
    case(YOUTH_16, at(WED, 10), 180, {"daily_cap"}, POLICY,
                 id="a 16-year-old out of school is held to the policy's 2 hours a day"),
    case(YOUTH_16, at(WED, 8), 480, set(), replace(POLICY, max_minutes_per_day=600),
                 id="a 16-year-old out of school may work 8 hours where the policy allows 10"),
    case(YOUTH_16, at(WED, 8), 540, {"daily_legal_max"}, replace(POLICY, max_minutes_per_day=600),
                 id="a 16-year-old out of school may not work 9 hours even where the policy allows 10"),
    case(YOUTH_16, at(WED, 8), 540, {"daily_legal_max", "daily_cap"}, POLICY,
                 id="9 hours break both the law and the policy's 2 hours"),
    # Adults: only the policy.
    case(ADULT_19, at(WED, 20), 60, set(), POLICY, id="a 19-year-old may work at 20:00"),
    case(ADULT_19, at(WED, 9), 60, set(), POLICY, MOVING, id="a 19-year-old may work in the morning"),
    case(ADULT_19, at(WED, 9), 150, {"daily_cap"}, POLICY, id="a 19-year-old is held to the policy's 2 hours"),
    # Sundays (§ 17) and public holidays (§ 18 Abs. 1).
    case(CHILD_14, at(SUN, 10), 60, {"sunday"}, POLICY, id="a 14-year-old may not work on a Sunday"),
    case(YOUTH_16, at(SUN, 10), 60, {"sunday"}, POLICY, id="a 16-year-old may not work on a Sunday"),
    case(ADULT_19, at(SUN, 10), 60, set(), POLICY, id="a 19-year-old may work on a Sunday"),
    case(CHILD_14, at(FRONLEICHNAM, 10), 60, {"public_holiday"}, POLICY,
                 id="a 14-year-old may not work on Corpus Christi in NRW, which is no school day either"),
    case(YOUTH_16, at(ALLERHEILIGEN, 10), 60, {"public_holiday"}, POLICY,
                 id="a 16-year-old may not work on All Saints' Day in NRW"),
    case(YOUTH_16, at(FRONLEICHNAM, 10), 60, set(), replace(POLICY, holiday_state="BE"),
                 id="a 16-year-old may work on Corpus Christi in Berlin"),
    case(ADULT_19, at(FRONLEICHNAM, 10), 60, set(), POLICY,
                 id="a 19-year-old may work on a public holiday"),
    # 24 and 31 December: not after 14:00 (§ 18 Abs. 1).
    case(CHILD_14, at(CHRISTMAS_EVE, 13), 120, {"christmas_new_year_eve"}, POLICY,
                 id="a 14-year-old may not work 13:00-15:00 on 24 December"),
    case(YOUTH_16, at(CHRISTMAS_EVE, 13), 120, {"christmas_new_year_eve"}, POLICY,
                 id="a 16-year-old may not work 13:00-15:00 on 24 December"),
    case(YOUTH_16, at(CHRISTMAS_EVE, 12), 120, set(), POLICY,
                 id="a 16-year-old may work until 14:00 on 24 December"),
    case(YOUTH_16, at(NEW_YEARS_EVE, 13), 120, {"christmas_new_year_eve"}, POLICY,
                 id="a 16-year-old may not work 13:00-15:00 on 31 December"),
    case(ADULT_19, at(CHRISTMAS_EVE, 13), 120, set(), POLICY, id="a 19-year-old may work 13:00-15:00 on 24 December"),
    # Category: minimum age (birthday counts) and light work for children.
    case(teen(15, pupil=False), at(WED, 14), 60, {"category_min_age"}, POLICY, BABYSITTING,
                 id="a 15-year-old may not babysit where the category asks for 16"),
    case(teen(16, pupil=False, days_after_birthday=0), at(WED, 14), 60, set(), POLICY, BABYSITTING,
                 id="a teen may babysit on her 16th birthday"),
    case(teen(16, pupil=False, birth_date=date(2009, 3, 13)), at(WED, 14), 60, {"category_min_age"},
                 POLICY, BABYSITTING, id="a teen may not babysit the day before her 16th birthday"),
    case(CHILD_14, at(WED, 14), 60, {"not_light_work"}, POLICY, MOVING,
                 id="a 14-year-old may not do work off the KindArbSchV list"),
    # Age: under 13 never; the policy's range.
    case(teen(12), at(SAT, 10), 60, {"too_young"}, replace(POLICY, min_age=10),
                 id="a 12-year-old may never work, whatever the policy"),
    case(teen(12), at(SAT, 10), 60, {"too_young"}, POLICY, id="a 12-year-old is refused once, by the law, not again by policy and category"),
    case(teen(13, days_after_birthday=0), at(SAT, 10), 60, set(), POLICY_13,
                 id="a teen may work on her 13th birthday"),
    case(CHILD_13, at(SAT, 10), 60, {"age_below_policy"}, POLICY,
                 id="a 13-year-old is below the policy's 14"),
    case(teen(20, pupil=False), at(WED, 10), 60, set(), POLICY, id="a 20-year-old is inside the policy's range"),
    case(teen(21, pupil=False), at(WED, 10), 60, {"age_above_policy"}, POLICY,
                 id="a 21-year-old is above the policy's 20"),
    case(teen(21, pupil=False, days_after_birthday=0), at(WED, 10), 60, {"age_above_policy"}, POLICY,
                 id="on her 21st birthday she is above the policy's 20"),
]


@pytest.mark.parametrize(("t", "start", "minutes", "expected", "policy", "category"), CASES)
def test_the_rules_of_design_section_4(t, start, minutes, expected, policy, category):
    assert codes(verdict(t, start, minutes, policy=policy, category=category)) == expected


# --- hours add up with every provider (§ 4 Abs. 5 JArbSchG) and the policy's caps -----------


def test_a_teen_who_worked_90_minutes_elsewhere_may_not_take_another_hour_that_day():
    t = teen(16, pupil=False, bookings=(booking(WED, 9, 90, provider_id=99),))
    reasons = verdict(t, at(WED, 14), 60, provider_id=7)
    assert codes(reasons) == {"daily_cap"}
    assert reasons[0].message == (
        "An diesem Tag schon 1,5 Std. gearbeitet; zusammen 2,5 Std. – die Börse erlaubt höchstens 2 Std. am Tag"
    )


def test_a_teen_who_worked_90_minutes_elsewhere_may_take_30_minutes_more():
    t = teen(16, pupil=False, bookings=(booking(WED, 9, 90, provider_id=99),))
    assert verdict(t, at(WED, 14), 30) == []


def test_for_a_child_the_same_day_is_refused_by_the_law():
    t = teen(14, bookings=(booking(WED, 14, 90, provider_id=99),))
    reasons = verdict(t, at(WED, 16), 60)
    assert codes(reasons) == {"daily_legal_max"}
    assert reasons[0].message == (
        "An diesem Tag schon 1,5 Std. gearbeitet; zusammen 2,5 Std. – erlaubt sind für unter 15-Jährige "
        "höchstens 2 Std. am Tag (§ 5 Abs. 3 JArbSchG)"
    )


def test_a_booking_on_another_day_does_not_count_for_the_day():
    t = teen(16, pupil=False, bookings=(booking(MON, 9, 120),))
    assert verdict(t, at(WED, 14), 120) == []


# Monday to Thursday 2 h each and Friday 1 h: 9 h in the week of 10 March.
WEEK_OF_9_HOURS = (*(booking(MON.replace(day=10 + i), 14, 120) for i in range(4)), booking(FRI, 14, 60))


@pytest.mark.parametrize(
    ("minutes", "day", "expected"),
    [
        pytest.param(60, SAT, set(), id="one more hour fills the 10 hours of the week"),
        pytest.param(90, SAT, {"weekly_cap"}, id="one and a half hours more break the 10 hours of the week"),
        pytest.param(120, date(2025, 3, 17), set(), id="the next Monday starts a new week"),
    ],
)
def test_the_weekly_cap_sums_the_week(minutes, day, expected):
    t = teen(16, pupil=False, bookings=WEEK_OF_9_HOURS)
    assert codes(verdict(t, at(day, 10), minutes)) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        pytest.param(300, set(), id="a youth may reach 40 hours in a week"),
        pytest.param(360, {"weekly_legal_max"}, id="a youth may not go past 40 hours in a week"),
    ],
)
def test_a_youth_works_at_most_40_hours_a_week(minutes, expected):
    generous = replace(POLICY, max_minutes_per_day=600, max_minutes_per_week=3000)
    seven_hours_monday_to_friday = tuple(booking(MON.replace(day=10 + i), 8, 420) for i in range(5))
    t = teen(16, pupil=False, bookings=seven_hours_monday_to_friday)
    assert codes(verdict(t, at(SAT, 8), minutes, policy=generous)) == expected


# 9 h in March before the job: 8 h in the week of 3 March and 1 h on Monday 10 March.
MARCH_9_HOURS = (*(booking(date(2025, 3, 3 + i), 14, 120) for i in range(4)), booking(MON, 14, 60))


@pytest.mark.parametrize(
    ("policy", "minutes", "expected"),
    [
        pytest.param(replace(POLICY, max_minutes_per_month=600), 60, set(), id="the month's 10 hours may be filled"),
        pytest.param(replace(POLICY, max_minutes_per_month=600), 90, {"monthly_cap"},
                     id="the month's 10 hours may not be passed"),
        pytest.param(POLICY, 90, set(), id="without a monthly cap the month is not limited"),
    ],
)
def test_the_monthly_cap_when_the_policy_sets_one(policy, minutes, expected):
    t = teen(16, pupil=False, bookings=MARCH_9_HOURS)
    assert codes(verdict(t, at(WED, 14), minutes, policy=policy)) == expected


# 8 h in 2025 before March, and 2 h on 30 December 2024 (ISO week 1 of 2025, but the year 2024).
YEAR_8_HOURS = (
    booking(date(2024, 12, 30), 14, 120),
    *(booking(day, 14, 120) for day in (date(2025, 1, 8), date(2025, 1, 15), date(2025, 2, 5), date(2025, 2, 12))),
)


@pytest.mark.parametrize(
    ("bookings", "expected"),
    [
        pytest.param(YEAR_8_HOURS, set(), id="the year's 10 hours may be filled, 2024 does not count"),
        pytest.param((*YEAR_8_HOURS, booking(date(2025, 1, 22), 14, 30)), {"yearly_cap"},
                     id="the year's 10 hours may not be passed"),
    ],
)
def test_the_yearly_cap_when_the_policy_sets_one(bookings, expected):
    t = teen(16, pupil=False, bookings=bookings)
    assert codes(verdict(t, at(WED, 14), 120, policy=replace(POLICY, max_minutes_per_year=600))) == expected


# --- the teen's own time ---------------------------------------------------------------------

WEDNESDAY_AFTERNOON = (Slot(2, time(14), time(17)),)


@pytest.mark.parametrize(
    ("availability", "start", "minutes", "expected"),
    [
        pytest.param(WEDNESDAY_AFTERNOON, at(WED, 14), 120, set(), id="a job inside her free afternoon fits"),
        pytest.param(WEDNESDAY_AFTERNOON, at(WED, 15), 120, set(), id="a job ending as her free time ends fits"),
        pytest.param(WEDNESDAY_AFTERNOON, at(WED, 16), 120, {"not_available"},
                     id="a job running past her free time does not fit"),
        pytest.param(WEDNESDAY_AFTERNOON, at(THU, 14), 60, {"not_available"},
                     id="a job on another weekday does not fit"),
        pytest.param((Slot(2, time(14), time(16)), Slot(2, time(16), time(18))), at(WED, 15), 120, set(),
                     id="two touching slots are one free afternoon"),
        pytest.param((Slot(2, time(14), time(15)), Slot(2, time(16), time(18))), at(WED, 14, 30), 120,
                     {"not_available"}, id="a job across a gap between two slots does not fit"),
        pytest.param((), at(WED, 14), 60, {"not_available"}, id="a teen without availability is never free"),
    ],
)
def test_the_job_must_lie_inside_one_free_span_of_that_weekday(availability, start, minutes, expected):
    t = teen(16, pupil=False, availability=availability)
    assert codes(verdict(t, start, minutes)) == expected


def test_the_availability_reason_says_when_she_is_free():
    t = teen(16, pupil=False, availability=WEDNESDAY_AFTERNOON)
    assert verdict(t, at(WED, 16), 120)[0].message == "Am Mittwoch nur 14–17 Uhr verfügbar"
    assert verdict(t, at(THU, 14), 60)[0].message == "Donnerstags nicht verfügbar"


@pytest.mark.parametrize(
    ("absences", "expected"),
    [
        pytest.param(((MON, FRI),), {"absent"}, id="a teen away that week is absent"),
        pytest.param(((WED, WED),), {"absent"}, id="a teen away for the one day is absent"),
        pytest.param(((MON, date(2025, 3, 11)),), set(), id="a teen back the day before is free"),
        pytest.param(((THU, FRI),), set(), id="a teen leaving the day after is free"),
    ],
)
def test_absences(absences, expected):
    t = teen(16, pupil=False, absences=absences)
    assert codes(verdict(t, at(WED, 14), 60)) == expected


@pytest.mark.parametrize(
    ("bookings", "start", "minutes", "expected"),
    [
        pytest.param((booking(WED, 15, 60),), at(WED, 15, 30), 30, {"overlap"},
                     id="a job inside another booking overlaps"),
        pytest.param((booking(WED, 15, 60),), at(WED, 14, 30), 45, {"overlap"},
                     id="a job running into another booking overlaps"),
        pytest.param((booking(WED, 15, 60),), at(WED, 14), 60, set(), id="a job ending as the next begins is fine"),
        pytest.param((booking(WED, 15, 60),), at(WED, 16), 60, set(), id="a job starting as the last ends is fine"),
        pytest.param((booking(WED, 14, 60, job_id=1),), at(WED, 14), 60, set(),
                     id="her own assignment to this very job neither overlaps nor counts"),
    ],
)
def test_no_overlap_with_another_booking(bookings, start, minutes, expected):
    t = teen(16, pupil=False, bookings=bookings)
    assert codes(verdict(t, start, minutes, job_id=1)) == expected


# --- time-independent ------------------------------------------------------------------------


def test_an_inactive_teen_is_never_matched():
    assert codes(static_reasons(teen(16, active=False), fixed_job(at(WED, 14), 60), POLICY)) == {"inactive"}


def test_a_blocked_pair_is_never_matched():
    t = teen(16, blocked_providers=frozenset({7}))
    assert codes(static_reasons(t, fixed_job(at(WED, 14), 60, provider_id=7), POLICY)) == {"blocked_pair"}
    assert static_reasons(t, fixed_job(at(WED, 14), 60, provider_id=8), POLICY) == []


def test_interest_is_not_a_rule():
    t = teen(16, interests=frozenset({"pets"}))
    assert static_reasons(t, fixed_job(at(WED, 14), 60), POLICY) == []


# --- a verdict lists all reasons -------------------------------------------------------------


def test_a_verdict_lists_every_reason_not_only_the_first():
    t = teen(14, availability=WEDNESDAY_AFTERNOON, active=False, blocked_providers=frozenset({7}))
    reasons = verdict(t, at(SUN, 19), 180, provider_id=7)
    assert codes(reasons) == {
        "inactive",
        "blocked_pair",
        "sunday",
        "outside_allowed_hours",
        "daily_legal_max",
        "not_available",
    }
    assert len(reasons) == len(codes(reasons))


def test_a_child_after_18_is_told_why_in_german():
    reasons = verdict(CHILD_14, at(WED, 17), 120)
    assert [r.message for r in reasons] == [
        "Nach 18 Uhr nicht erlaubt für unter 15-Jährige (nur 8 bis 18 Uhr, § 5 Abs. 3 JArbSchG)"
    ]


def test_the_public_holiday_is_named():
    (reason,) = verdict(CHILD_14, at(FRONLEICHNAM, 10), 60)
    assert reason.message == "Am Feiertag (Fronleichnam) nicht erlaubt für Minderjährige (§ 18 Abs. 1 JArbSchG)"


def test_the_category_is_named_where_it_has_a_name():
    named = replace(BABYSITTING, name="Babysitten")
    (reason,) = verdict(teen(15, pupil=False), at(WED, 14), 60, category=named)
    assert reason.message == "Für „Babysitten“ erst ab 16 Jahren – am 12.03. erst 15 Jahre alt"
    (reason,) = verdict(CHILD_14, at(WED, 14), 60, category=MOVING)
    assert reason.message.endswith("– diese Tätigkeit gehört nicht dazu")


def test_a_job_with_no_length_is_refused():
    t = teen(16, pupil=False)
    job = fixed_job(at(WED, 14), 60)
    assert codes(time_reasons(t, job, at(WED, 14), at(WED, 14), POLICY, CALENDAR)) == {"invalid_time"}


def test_an_adult_job_past_midnight_needs_free_time_past_midnight():
    t = teen(19, pupil=False, availability=tuple(Slot(d, time(18), time(0)) for d in range(7)))
    assert codes(verdict(t, at(WED, 23), 60)) == set()
    assert codes(verdict(t, at(WED, 23, 30), 60)) == {"not_available"}


# --- limits for the optimiser ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "policy", "limit"),
    [
        pytest.param(teen(14), replace(POLICY, max_minutes_per_day=600), 120, id="a child 2 hours by law"),
        pytest.param(teen(16, pupil=False), replace(POLICY, max_minutes_per_day=600), 480, id="a youth 8 hours by law"),
        pytest.param(teen(16, pupil=False), POLICY, 120, id="a youth 2 hours by the policy"),
        pytest.param(teen(19, pupil=False), replace(POLICY, max_minutes_per_day=600), 600,
                     id="an adult as the policy says"),
        pytest.param(teen(12), POLICY, 0, id="under 13 nothing"),
    ],
)
def test_daily_limit_minutes_is_the_stricter_of_law_and_policy(t, policy, limit):
    assert daily_limit_minutes(t, WED, policy) == limit


def test_cap_limits_are_what_is_left_per_period():
    t = teen(16, pupil=False, bookings=(booking(WED, 9, 90), booking(MON, 9, 120), booking(date(2025, 3, 3), 9, 60)))
    policy = replace(POLICY, max_minutes_per_month=600)
    assert cap_limits(t, WED, policy) == {
        ("day", WED): 30,
        ("week", (2025, 11)): 600 - 210,
        ("month", (2025, 3)): 600 - 270,
    }


def test_cap_limits_may_be_negative_and_name_the_year_when_set():
    t = teen(16, pupil=False, bookings=(booking(WED, 9, 180),))
    limits = cap_limits(t, WED, replace(POLICY, max_minutes_per_year=6000))
    assert limits[("day", WED)] == -60
    assert limits[("year", 2025)] == 6000 - 180
    assert ("month", (2025, 3)) not in limits


def test_a_youth_week_is_held_to_40_hours_in_cap_limits():
    policy = replace(POLICY, max_minutes_per_week=3000)
    assert cap_limits(teen(16, pupil=False), WED, policy)[("week", (2025, 11))] == 2400


def test_periods_names_the_day_iso_week_month_and_year():
    assert periods(at(date(2024, 12, 30), 10)) == (
        ("day", date(2024, 12, 30)),
        ("week", (2025, 1)),
        ("month", (2024, 12)),
        ("year", 2024),
    )
    assert set(periods(at(WED, 14))) >= set(cap_limits(teen(16), WED, POLICY))


# --- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(45, "45 Min."), (60, "1 Std."), (90, "1,5 Std."), (120, "2 Std."), (135, "2 Std. 15 Min.")],
    ids=["45 minutes", "an hour", "an hour and a half", "two hours", "two hours and a quarter"],
)
def test_durations_read_the_german_way(minutes, text):
    assert fmt_minutes(minutes) == text


def test_every_reason_code_has_a_short_label_for_summaries():
    message_codes = {key.partition(".")[0] for key in MESSAGES} - {
        "who", "hours", "minutes", "hours_minutes", "clock", "and", "period", "legal_max", "cap", "no_fitting_time",
        "category",
    }
    amount_codes = {"daily_legal_max", "weekly_legal_max", "daily_cap", "weekly_cap", "monthly_cap", "yearly_cap"}
    assert message_codes | amount_codes <= set(SHORT_LABELS)
