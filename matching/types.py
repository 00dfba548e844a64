"""Plain data in and out of the engine. Nothing here knows Django.

Times are naive wall-clock times of the exchange's time zone (Europe/Berlin for every German
exchange): the rules of youth labour protection speak of local hours ("not after 18 o'clock"),
so the adapter converts once and the engine never juggles zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time


@dataclass(frozen=True, slots=True)
class Slot:
    """A weekly availability window (weekday 0 = Monday)."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Booking:
    """A confirmed assignment the teen already has (with any provider, § 4 Abs. 5 JArbSchG)."""

    start: datetime
    end: datetime
    provider_id: int | None = None
    job_id: int | None = None

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    min_age: int = 14
    # On the list of § 2 Abs. 1 KindArbSchV: the only work allowed to teens treated as children.
    light_work: bool = True
    name: str = ""  # the German display name ("Garten"); the score's reasons fall back to the slug


@dataclass(frozen=True, slots=True)
class Policy:
    """The exchange's rules (DESIGN section 3), in minutes where they are durations."""

    min_age: int = 14
    max_age: int = 20
    max_minutes_per_day: int = 120
    max_minutes_per_week: int = 600
    max_minutes_per_month: int | None = None
    max_minutes_per_year: int | None = None
    earliest_start_school_days: time = time(14, 0)
    holiday_state: str = "NW"
    school_holidays: tuple[tuple[date, date], ...] = ()


@dataclass(frozen=True, slots=True)
class History:
    """What the teen's past says, for the soft score only (never for eligibility)."""

    done: int = 0
    no_shows: int = 0
    rating_avg: float | None = None
    # provider id -> number of jobs done there with a good rating (4 or 5 stars)
    good_with_provider: dict[int, int] = field(default_factory=dict)
    recent_jobs: int = 0  # e.g. in the last 30 days
    recent_notifications: int = 0  # job offers sent in the last 7 days


@dataclass(frozen=True, slots=True)
class Teen:
    id: int
    exchange_id: int
    birth_date: date
    in_compulsory_school: bool
    lat: float
    lon: float
    radius_km: float = 5.0
    active: bool = True
    interests: frozenset[str] = frozenset()
    availability: tuple[Slot, ...] = ()
    absences: tuple[tuple[date, date], ...] = ()
    bookings: tuple[Booking, ...] = ()
    blocked_providers: frozenset[int] = frozenset()
    history: History = field(default_factory=History)
    first_name: str = ""


@dataclass(frozen=True, slots=True)
class Job:
    """A job with either a fixed time (`starts_at`/`ends_at`) or a window of days with a duration
    (`window_start`, `window_end`, `duration_minutes`) in which the time is still to be agreed."""

    id: int
    exchange_id: int
    provider_id: int
    category: Category
    lat: float
    lon: float
    radius_km: float | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    window_start: date | None = None
    window_end: date | None = None
    duration_minutes: int | None = None
    places: int = 1

    @property
    def is_fixed(self) -> bool:
        return self.starts_at is not None

    @property
    def minutes(self) -> int:
        if self.starts_at is not None and self.ends_at is not None:
            return int((self.ends_at - self.starts_at).total_seconds() // 60)
        return int(self.duration_minutes or 0)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a teen may not do a job: a stable code for programs, a German sentence for people."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    teen_id: int
    job_id: int
    reasons: tuple[Reason, ...] = ()
    distance_km: float | None = None
    starts_at: datetime | None = None  # the fixed time, or the suggested time for a window
    ends_at: datetime | None = None

    @property
    def eligible(self) -> bool:
        return not self.reasons


@dataclass(frozen=True, slots=True)
class Ranked:
    """An eligible pair with its score and the reasons for it (German, for the feed)."""

    teen_id: int
    job_id: int
    score: float
    distance_km: float  # rounded to 0.5 km
    starts_at: datetime
    ends_at: datetime
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """A batch proposal for coordinators: which teen for which open place, best in total."""

    pairs: tuple[Ranked, ...]
    places_open: int  # places of the jobs considered
    filled: int  # places the proposal fills
    total_score: float
    optimal: bool  # proven optimal by the solver
    method: str = ""
    seconds: float = 0.0
