"""Public holidays of the policy's state and school days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import holidays
import pytest

from matching.calendar import Calendar, calendar_for

from .rules_builders import (
    ALLERHEILIGEN,
    CALENDAR,
    CHRISTMAS_HOLIDAYS,
    EASTER_HOLIDAYS,
    EASTER_WED,
    FRONLEICHNAM,
    POLICY,
    SAT,
    SUN,
    WED,
)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        pytest.param(date(2025, 1, 1), "Neujahr", id="New Year's Day"),
        pytest.param(date(2025, 4, 18), "Karfreitag", id="Good Friday"),
        pytest.param(FRONLEICHNAM, "Fronleichnam", id="Corpus Christi"),
        pytest.param(ALLERHEILIGEN, "Allerheiligen", id="All Saints' Day"),
        pytest.param(date(2025, 10, 3), "Tag der Deutschen Einheit", id="German Unity Day"),
        pytest.param(date(2026, 6, 4), "Fronleichnam", id="Corpus Christi of the next year"),
        pytest.param(WED, None, id="an ordinary Wednesday"),
        pytest.param(SUN, None, id="a Sunday is no public holiday as such"),
    ],
)
def test_public_holidays_in_north_rhine_westphalia_have_german_names(day, name):
    assert CALENDAR.public_holiday(day) == name


@pytest.mark.parametrize(
    ("state", "day", "name"),
    [
        pytest.param("BE", FRONLEICHNAM, None, id="no Corpus Christi in Berlin"),
        pytest.param("BE", date(2025, 3, 8), "Frauentag", id="Women's Day in Berlin"),
        pytest.param("NW", date(2025, 3, 8), None, id="no Women's Day in NRW"),
        pytest.param("BY", date(2025, 1, 6), "Heilige Drei Könige", id="Epiphany in Bavaria"),
    ],
)
def test_public_holidays_depend_on_the_state(state, day, name):
    assert Calendar(state=state).public_holiday(day) == name


@pytest.mark.parametrize(
    ("day", "school"),
    [
        pytest.param(WED, True, id="an ordinary Wednesday is a school day"),
        pytest.param(SAT, False, id="Saturday is no school day"),
        pytest.param(SUN, False, id="Sunday is no school day"),
        pytest.param(FRONLEICHNAM, False, id="a public holiday on a Thursday is no school day"),
        pytest.param(EASTER_HOLIDAYS[0], False, id="the first day of the school holidays is free"),
        pytest.param(EASTER_WED, False, id="a day inside the school holidays is free"),
        pytest.param(EASTER_HOLIDAYS[1], False, id="the last day of the school holidays is free"),
        pytest.param(date(2025, 4, 11), True, id="the Friday before the holidays is a school day"),
        pytest.param(date(2025, 4, 28), True, id="the Monday after the holidays is a school day"),
        pytest.param(date(2026, 1, 5), False, id="holidays across the new year are free"),
    ],
)
def test_school_days(day, school):
    assert CALENDAR.is_school_day(day) is school


def test_school_holidays_are_kept_sorted_and_exposed():
    calendar = Calendar(school_holidays=[CHRISTMAS_HOLIDAYS, EASTER_HOLIDAYS])
    assert calendar.school_holidays == (EASTER_HOLIDAYS, CHRISTMAS_HOLIDAYS)
    assert calendar.is_school_holiday(EASTER_WED)
    assert not calendar.is_school_holiday(WED)


def test_an_unknown_state_is_refused_at_once():
    with pytest.raises(NotImplementedError):
        Calendar(state="XX")


def test_the_holidays_of_a_year_are_looked_up_once(monkeypatch):
    built = []
    real = holidays.Germany

    def counting(**kwargs):
        built.append(kwargs["years"])
        return real(**kwargs)

    monkeypatch.setattr(holidays, "Germany", counting)
    calendar = Calendar(state="NW")
    for day in (WED, FRONLEICHNAM, ALLERHEILIGEN, WED, date(2026, 1, 1)):
        calendar.public_holiday(day)
        calendar.is_school_day(day)
    assert built == [2025, 2026]


def test_calendar_for_shares_one_calendar_per_policy():
    assert calendar_for(POLICY) is calendar_for(replace(POLICY))
    other = calendar_for(replace(POLICY, holiday_state="BY"))
    assert other is not calendar_for(POLICY)
    assert other.state == "BY"
    assert calendar_for(POLICY).school_holidays == POLICY.school_holidays
