"""Public holidays of the exchange's state and school days.

Public holidays come from the `holidays` package (German names, per state), looked up once per
year and kept in a plain dict: the engine asks for hundreds of teens per query, so a lookup must
be a dict hit, never a rebuild. School holidays are the policy's own date ranges (DESIGN
section 3): the law speaks of "school" (§ 5 Abs. 3 JArbSchG), and only the exchange knows its
state's holiday dates.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

import holidays

from matching.types import Policy


class Calendar:
    """Which days are public holidays and which are school days in one German state."""

    def __init__(self, *, state: str = "NW", school_holidays: Iterable[tuple[date, date]] = ()) -> None:
        self.state = state
        self.school_holidays: tuple[tuple[date, date], ...] = tuple(sorted((a, b) for a, b in school_holidays))
        # Fails early on an unknown state code instead of on the first lookup.
        holidays.country_holidays("DE", subdiv=state)
        self._public: dict[int, dict[date, str]] = {}
        self._school_day: dict[date, bool] = {}

    def _year(self, year: int) -> dict[date, str]:
        found = self._public.get(year)
        if found is None:
            # language="de": without it the package picks the names' language from the locale.
            found = dict(holidays.Germany(subdiv=self.state, years=year, language="de").items())
            self._public[year] = found
        return found

    def public_holiday(self, day: date) -> str | None:
        """The German name of the public holiday on `day` in this state, else None."""
        return self._year(day.year).get(day)

    def is_school_holiday(self, day: date) -> bool:
        """Inside one of the school-holiday ranges (both ends included)."""
        return any(first <= day <= last for first, last in self.school_holidays)

    def is_school_day(self, day: date) -> bool:
        """Monday to Friday, not a public holiday and not in the school holidays.

        Saturday counts as free of school: schools in Germany teach Monday to Friday.
        """
        known = self._school_day.get(day)
        if known is None:
            known = day.weekday() < 5 and self.public_holiday(day) is None and not self.is_school_holiday(day)
            self._school_day[day] = known
        return known

    def __repr__(self) -> str:
        return f"Calendar(state={self.state!r}, school_holidays={len(self.school_holidays)} ranges)"


@functools.lru_cache(maxsize=256)
def calendar_for(policy: Policy) -> Calendar:
    """One calendar per policy, shared by every call (Policy is frozen and hashable)."""
    return Calendar(state=policy.holiday_state, school_holidays=policy.school_holidays)
