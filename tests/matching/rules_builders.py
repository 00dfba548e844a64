"""Small builders for the rule, calendar and timing tests (plain data, no database).

The reference week is 10–16 March 2025 in North Rhine-Westphalia: Wednesday 12 March is an
ordinary school day, Sunday 16 March a Sunday. The default policy knows the Easter holidays of
NRW 2025 (14–26 April) and the Christmas holidays 2025/26 (22 December – 6 January).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from matching.calendar import Calendar
from matching.types import Booking, Category, Job, Policy, Reason, Slot, Teen

MON = date(2025, 3, 10)
WED = date(2025, 3, 12)  # an ordinary school day
SAT = date(2025, 3, 15)
SUN = date(2025, 3, 16)
EASTER_WED = date(2025, 4, 16)  # in the Easter holidays
FRONLEICHNAM = date(2025, 6, 19)  # a Thursday; a public holiday in NRW, not in Berlin
ALLERHEILIGEN = date(2025, 11, 1)  # a Saturday
CHRISTMAS_EVE = date(2025, 12, 24)  # a Wednesday, in the Christmas holidays
NEW_YEARS_EVE = date(2025, 12, 31)

EASTER_HOLIDAYS = (date(2025, 4, 14), date(2025, 4, 26))
CHRISTMAS_HOLIDAYS = (date(2025, 12, 22), date(2026, 1, 6))

POLICY = Policy(school_holidays=(EASTER_HOLIDAYS, CHRISTMAS_HOLIDAYS))
CALENDAR = Calendar(state="NW", school_holidays=POLICY.school_holidays)

GARDEN = Category("garden", min_age=13)
BABYSITTING = Category("babysitting", min_age=16)
MOVING = Category("moving", min_age=13, light_work=False)

# Free every day from 05:00 to 23:00, so that only the rule under test can refuse.
ALWAYS = tuple(Slot(weekday, time(5), time(23)) for weekday in range(7))


def born(age: int, on: date = WED, *, days_after_birthday: int = 30) -> date:
    """A birth date that makes the teen exactly `age` on `on`, her birthday that many days ago."""
    birthday = on - timedelta(days=days_after_birthday)
    return birthday.replace(year=birthday.year - age)


def teen(
    age: int = 14,
    *,
    pupil: bool = True,
    on: date = WED,
    days_after_birthday: int = 30,
    birth_date: date | None = None,
    **fields,
) -> Teen:
    values = {
        "id": 1,
        "exchange_id": 1,
        "birth_date": birth_date or born(age, on, days_after_birthday=days_after_birthday),
        "in_compulsory_school": pupil,
        "lat": 50.8,
        "lon": 6.48,
        "availability": ALWAYS,
    }
    values.update(fields)
    return Teen(**values)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def booking(day: date, hour: int, minutes: int, *, minute: int = 0, provider_id: int = 99, job_id=None) -> Booking:
    start = at(day, hour, minute)
    return Booking(start=start, end=start + timedelta(minutes=minutes), provider_id=provider_id, job_id=job_id)


def fixed_job(start: datetime, minutes: int, *, category: Category = GARDEN, **fields) -> Job:
    values = {"id": 1, "exchange_id": 1, "provider_id": 7, "category": category, "lat": 50.8, "lon": 6.48}
    values.update(fields)
    return Job(starts_at=start, ends_at=start + timedelta(minutes=minutes), **values)


def window_job(first: date, last: date, minutes: int, *, category: Category = GARDEN, **fields) -> Job:
    values = {"id": 1, "exchange_id": 1, "provider_id": 7, "category": category, "lat": 50.8, "lon": 6.48}
    values.update(fields)
    return Job(window_start=first, window_end=last, duration_minutes=minutes, **values)


def codes(reasons: list[Reason] | tuple[Reason, ...]) -> set[str]:
    return {r.code for r in reasons}
