"""Who may do which job when: youth labour protection (DESIGN section 4) and the exchange's policy.

Taschengeldbörse jobs are usually occasional favours outside the JArbSchG (§ 1 Abs. 2 Nr. 1a),
but exchanges apply its limits anyway, and so do we: the strictest of law and policy wins.

The legal class is taken on the job's date, from the birth date and the school status:

- under 13: no job at all (§ 5 Abs. 1 JArbSchG);
- 13 and 14, and 15 to 17 still in full-time compulsory schooling (§ 2 Abs. 3 JArbSchG): a
  child, § 5 Abs. 3 JArbSchG with the KindArbSchV: light work only, 2 h a day, 08:00 to 18:00,
  not before or during school;
- 15 to 17 out of compulsory schooling: a youth, §§ 8 to 18 JArbSchG: 8 h a day, 40 h a week,
  06:00 to 20:00;
- 18 and over: an adult, only the policy applies.

Sundays (§ 17), public holidays and 24/31 December after 14:00 (§ 18 Abs. 1) are closed to both
minor classes; for children § 5 Abs. 3 Satz 3 JArbSchG applies §§ 15 to 31 accordingly.
Hours add up over all of a teen's confirmed jobs with every provider (§ 4 Abs. 5 JArbSchG).

Not modelled, because DESIGN section 4 does not ask for them: the five-day week (§ 15), rest on
Saturdays (§ 16), the daily rest period (§ 13) and the loads a child may carry.

Every refusal is a `Reason`: a stable code and a German sentence a coordinator can read out. The
sentences live in `MESSAGES` (and the short labels in `SHORT_LABELS`) so they can be translated
in one place. Minutes of a job or booking count for the day it starts on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from matching.calendar import Calendar
from matching.types import Booking, Category, Job, Policy, Reason, Slot, Teen

# ---------------------------------------------------------------------------------------------
# Legal classes and their limits
# ---------------------------------------------------------------------------------------------


class LegalClass(StrEnum):
    TOO_YOUNG = "too_young"
    CHILD = "child"
    YOUTH = "youth"
    ADULT = "adult"


MINORS = frozenset({LegalClass.CHILD, LegalClass.YOUTH})

# Allowed hours of the day, in minutes since midnight (the job's whole [start, end] inside).
ALLOWED_HOURS: dict[LegalClass, tuple[int, int]] = {
    # § 5 Abs. 3 JArbSchG: children not between 18 and 8 o'clock.
    LegalClass.CHILD: (8 * 60, 18 * 60),
    # § 14 Abs. 1 JArbSchG: youths only between 6 and 20 o'clock.
    LegalClass.YOUTH: (6 * 60, 20 * 60),
}
HOURS_LAW = {LegalClass.CHILD: "§ 5 Abs. 3 JArbSchG", LegalClass.YOUTH: "§ 14 Abs. 1 JArbSchG"}

# Daily maximum: § 5 Abs. 3 JArbSchG 2 h for children; § 8 Abs. 1 JArbSchG 8 h for youths.
LEGAL_DAILY_MINUTES: dict[LegalClass, int] = {LegalClass.CHILD: 2 * 60, LegalClass.YOUTH: 8 * 60}
DAILY_LAW = {LegalClass.CHILD: "§ 5 Abs. 3 JArbSchG", LegalClass.YOUTH: "§ 8 Abs. 1 JArbSchG"}
# Weekly maximum: § 8 Abs. 1 JArbSchG 40 h for youths.
LEGAL_WEEKLY_MINUTES: dict[LegalClass, int] = {LegalClass.YOUTH: 40 * 60}
WEEKLY_LAW = {LegalClass.YOUTH: "§ 8 Abs. 1 JArbSchG"}

# § 18 Abs. 1 JArbSchG: not after 14 o'clock on 24 and 31 December.
YEAR_END_DAYS = ((12, 24), (12, 31))
YEAR_END_UNTIL = 14 * 60

# ---------------------------------------------------------------------------------------------
# The sentences (one place, for a later translation)
# ---------------------------------------------------------------------------------------------

MESSAGES: dict[str, str] = {
    # Time-independent.
    "inactive": "Nicht aktiv: pausiert, gesperrt oder noch nicht freigeschaltet",
    "blocked_pair": "Die Vermittlung zu diesem Auftraggeber ist gesperrt",
    # Age and kind of work, on the job's date.
    "too_young": (
        "Am {day} erst {age} Jahre alt – unter 13 Jahren ist keine Beschäftigung erlaubt (§ 5 Abs. 1 JArbSchG)"
    ),
    "age_below_policy": "Am {day} erst {age} Jahre alt – die Börse vermittelt ab {min_age} Jahren",
    "age_above_policy": "Am {day} schon {age} Jahre alt – die Börse vermittelt bis {max_age} Jahre",
    "category_min_age": "Für {what} erst ab {min_age} Jahren – am {day} erst {age} Jahre alt",
    "not_light_work": (
        "Für {who} nur leichte Arbeiten nach § 2 Abs. 1 KindArbSchV – {what} gehört nicht dazu"
    ),
    # Hours of the day and days.
    "outside_allowed_hours.after": "Nach {until} Uhr nicht erlaubt für {who} (nur {since} bis {until} Uhr, {law})",
    "outside_allowed_hours.before": "Vor {since} Uhr nicht erlaubt für {who} (nur {since} bis {until} Uhr, {law})",
    "outside_allowed_hours": "Für {who} nur {since} bis {until} Uhr erlaubt ({law})",
    "school_time": (
        "An Schultagen erst ab {since} Uhr – nicht vor oder während des Unterrichts (§ 5 Abs. 3 JArbSchG)"
    ),
    "sunday": "Sonntags nicht erlaubt für Minderjährige (§ 17 JArbSchG)",
    "public_holiday": "Am Feiertag ({name}) nicht erlaubt für Minderjährige (§ 18 Abs. 1 JArbSchG)",
    "christmas_new_year_eve": (
        "Am 24. und 31. Dezember nach 14 Uhr nicht erlaubt für Minderjährige (§ 18 Abs. 1 JArbSchG)"
    ),
    # Amounts of time: the law's maximum per class, then the exchange's caps.
    "legal_max": "Der Einsatz dauert {total} – erlaubt sind für {who} höchstens {limit} {per} ({law})",
    "legal_max.booked": (
        "{this} schon {booked} gearbeitet; zusammen {total} – erlaubt sind für {who} höchstens {limit} {per} ({law})"
    ),
    "cap": "Der Einsatz dauert {total} – die Börse erlaubt höchstens {limit} {per}",
    "cap.booked": "{this} schon {booked} gearbeitet; zusammen {total} – die Börse erlaubt höchstens {limit} {per}",
    "period.day": "An diesem Tag|am Tag",
    "period.week": "In dieser Woche|in der Woche",
    "period.month": "In diesem Monat|im Monat",
    "period.year": "In diesem Jahr|im Jahr",
    # The teen's own time.
    "not_available": "Am {weekday} nur {slots} verfügbar",
    "not_available.none": "{weekday}s nicht verfügbar",
    "not_available.short": "Die freie Zeit am {weekday} ({slots}) ist kürzer als {total}",
    "absent": "Abwesend vom {first} bis {last}",
    "overlap": "Überschneidet sich mit einem anderen Einsatz am {day}, {since}–{until} Uhr",
    # Schedules.
    "invalid_time": "Der Einsatz hat keine gültige Zeit",
    "in_past": "Dieser Zeitraum ist schon vorbei",
    "no_fitting_time": "Kein passender Termin zwischen {first} und {last}: {summary}",
    # Who is meant, per legal class.
    "category": "„{name}“",
    "category.unnamed": "diese Tätigkeit",
    "who.child": "unter 15-Jährige",
    "who.pupil": "vollzeitschulpflichtige Jugendliche",
    "who.youth": "Jugendliche unter 18",
    "hours": "{hours} Std.",
    "minutes": "{minutes} Min.",
    "hours_minutes": "{hours} Std. {minutes} Min.",
    "clock": "{hour}:{minute:02d}",
    "and": " und ",
}

# A few words per code for the summary of a window in which no time fits.
SHORT_LABELS: dict[str, str] = {
    "inactive": "nicht aktiv",
    "blocked_pair": "Vermittlung gesperrt",
    "too_young": "unter 13 Jahren",
    "age_below_policy": "zu jung für die Börse",
    "age_above_policy": "zu alt für die Börse",
    "category_min_age": "zu jung für diese Tätigkeit",
    "not_light_work": "keine leichte Arbeit",
    "outside_allowed_hours": "außerhalb der erlaubten Uhrzeit",
    "school_time": "Schulzeit",
    "sunday": "Sonntag",
    "public_holiday": "Feiertag",
    "christmas_new_year_eve": "24./31. Dezember nach 14 Uhr",
    "daily_legal_max": "gesetzliche Tageshöchstzeit",
    "weekly_legal_max": "gesetzliche Wochenhöchstzeit",
    "daily_cap": "Tageslimit der Börse",
    "weekly_cap": "Wochenlimit der Börse",
    "monthly_cap": "Monatslimit der Börse",
    "yearly_cap": "Jahreslimit der Börse",
    "not_available": "keine passende freie Zeit",
    "absent": "abwesend",
    "overlap": "schon andere Einsätze",
    "invalid_time": "ungültige Zeit",
    "in_past": "schon vorbei",
}

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")

LEGAL_CODES = {"day": "daily_legal_max", "week": "weekly_legal_max"}
CAP_CODES = {"day": "daily_cap", "week": "weekly_cap", "month": "monthly_cap", "year": "yearly_cap"}


def reason(key: str, **values: object) -> Reason:
    """A `Reason` from a `MESSAGES` key; its code is the key up to the first dot."""
    return Reason(key.partition(".")[0], MESSAGES[key].format(**values))


def fmt_minutes(minutes: float) -> str:
    """90 → "1,5 Std.", 120 → "2 Std.", 45 → "45 Min.", 135 → "2 Std. 15 Min."."""
    minutes = int(math.ceil(minutes))
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return MESSAGES["minutes"].format(minutes=rest)
    if rest == 0:
        return MESSAGES["hours"].format(hours=hours)
    if rest == 30:
        return MESSAGES["hours"].format(hours=f"{hours},5")
    return MESSAGES["hours_minutes"].format(hours=hours, minutes=rest)


def fmt_clock(minute_of_day: float) -> str:
    """480 → "8", 810 → "13:30" (as in "8 bis 18 Uhr")."""
    hour, minute = divmod(int(minute_of_day), 60)
    return str(hour) if minute == 0 else MESSAGES["clock"].format(hour=hour, minute=minute)


def _category(category: Category) -> str:
    return MESSAGES["category"].format(name=category.name) if category.name else MESSAGES["category.unnamed"]


def fmt_day(day: date) -> str:
    return f"{day:%d.%m.}"


def fmt_slots(spans: Iterable[tuple[int, int]]) -> str:
    return MESSAGES["and"].join(f"{fmt_clock(a)}–{fmt_clock(b)} Uhr" for a, b in spans)


# ---------------------------------------------------------------------------------------------
# Age and legal class
# ---------------------------------------------------------------------------------------------


def age_on(birth_date: date, day: date) -> int:
    """Completed years on `day`.

    § 187 Abs. 2 BGB: the day of birth counts, so the new age holds from the birthday itself.
    Someone born on 29 February completes the year at the end of 28 February in other years
    and is older from 1 March, which is what the tuple comparison gives.
    """
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def class_for_age(age: int, in_compulsory_school: bool) -> LegalClass:
    if age < 13:
        # § 5 Abs. 1 JArbSchG: children may not be employed; the exception of § 5 Abs. 3 starts at 13.
        return LegalClass.TOO_YOUNG
    if age < 15:
        # § 2 Abs. 1 JArbSchG: under 15 is a child.
        return LegalClass.CHILD
    if age < 18:
        # § 2 Abs. 3 JArbSchG: youths in full-time compulsory schooling are treated as children.
        return LegalClass.CHILD if in_compulsory_school else LegalClass.YOUTH
    return LegalClass.ADULT


def legal_class(birth_date: date, in_compulsory_school: bool, day: date) -> LegalClass:
    """The legal class on `day` (the job's date, not today)."""
    return class_for_age(age_on(birth_date, day), in_compulsory_school)


def who(cls: LegalClass, age: int) -> str:
    """The group a sentence speaks of: "unter 15-Jährige", "Jugendliche unter 18", …"""
    if cls is LegalClass.CHILD:
        return MESSAGES["who.child"] if age < 15 else MESSAGES["who.pupil"]
    return MESSAGES["who.youth"]


# ---------------------------------------------------------------------------------------------
# Periods and minutes already booked
# ---------------------------------------------------------------------------------------------

PeriodKey = tuple[str, object]


@lru_cache(maxsize=4096)
def period_keys(day: date) -> tuple[PeriodKey, PeriodKey, PeriodKey, PeriodKey]:
    """("day", day), ("week", (iso_year, iso_week)), ("month", (year, month)), ("year", year)."""
    iso = day.isocalendar()
    return (("day", day), ("week", (iso.year, iso.week)), ("month", (day.year, day.month)), ("year", day.year))


def periods(start: datetime) -> tuple[PeriodKey, ...]:
    """The period keys of a job starting at `start`: the day, ISO week, month and year it starts in."""
    return period_keys(start.date())


class Booked:
    """Minutes already booked per period key, summed once over a teen's bookings (with every
    provider, § 4 Abs. 5 JArbSchG). A booking counts for the day, week, month and year it
    starts in."""

    __slots__ = ("minutes",)

    def __init__(self, bookings: Iterable[Booking]) -> None:
        minutes: dict[PeriodKey, int] = defaultdict(int)
        for booking in bookings:
            length = booking.minutes
            for key in period_keys(booking.start.date()):
                minutes[key] += length
        self.minutes = minutes

    def get(self, key: PeriodKey) -> int:
        return self.minutes.get(key, 0)


def own_bookings(teen: Teen, job: Job) -> tuple[Booking, ...]:
    """The teen's bookings other than one for `job` itself: re-checking a job after a change of
    time must neither count its own assignment twice nor find it in the way."""
    if not any(b.job_id == job.id for b in teen.bookings):
        return teen.bookings
    return tuple(b for b in teen.bookings if b.job_id != job.id)


def _legal_limit(kind: str, cls: LegalClass) -> int | None:
    if kind == "day":
        return LEGAL_DAILY_MINUTES.get(cls)
    if kind == "week":
        return LEGAL_WEEKLY_MINUTES.get(cls)
    return None


def _policy_limit(kind: str, policy: Policy) -> int | None:
    if kind == "day":
        return policy.max_minutes_per_day
    if kind == "week":
        return policy.max_minutes_per_week
    if kind == "month":
        return policy.max_minutes_per_month
    return policy.max_minutes_per_year


def daily_limit_minutes(teen: Teen, day: date, policy: Policy) -> int:
    """The most minutes the teen may work on `day`: the stricter of the law for her class on
    that day and the policy's daily cap (0 under 13)."""
    cls = legal_class(teen.birth_date, teen.in_compulsory_school, day)
    if cls is LegalClass.TOO_YOUNG:
        return 0
    law = LEGAL_DAILY_MINUTES.get(cls)
    return policy.max_minutes_per_day if law is None else min(law, policy.max_minutes_per_day)


def cap_limits(teen: Teen, day: date, policy: Policy) -> dict[PeriodKey, int]:
    """Minutes still free in each period `day` belongs to, after the teen's bookings.

    Keys as in `periods`; month and year only where the policy sets them. Values are the
    strictest limit (law for the class on `day`, policy) minus what is booked, and may be ≤ 0.
    All bookings count: the caller passes a teen without an assignment to the job it places.
    """
    if isinstance(day, datetime):
        day = day.date()
    cls = legal_class(teen.birth_date, teen.in_compulsory_school, day)
    booked = Booked(teen.bookings)
    out: dict[PeriodKey, int] = {}
    for key in period_keys(day):
        kind = key[0]
        cap = _policy_limit(kind, policy)
        if cap is None:
            continue  # month and year only where the policy sets them
        law = _legal_limit(kind, cls)
        limit = 0 if cls is LegalClass.TOO_YOUNG else cap if law is None else min(law, cap)
        out[key] = limit - booked.get(key)
    return out


# ---------------------------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------------------------


def _minute(t: time, *, up: bool) -> int:
    m = t.hour * 60 + t.minute
    return m + 1 if up and (t.second or t.microsecond) else m


def free_spans(availability: Iterable[Slot], weekday: int) -> tuple[tuple[int, int], ...]:
    """The teen's free time on a weekday as sorted minute spans; touching or overlapping slots
    are joined (14–16 and 16–18 is one afternoon, 14–18). A slot ending at 00:00 runs to midnight.
    Cached: many teens share a timetable, and the engine asks for it per job and weekday."""
    if isinstance(availability, tuple):
        return _free_spans(availability, weekday)
    return _free_spans(tuple(availability), weekday)


@lru_cache(maxsize=65536)
def _free_spans(availability: tuple[Slot, ...], weekday: int) -> tuple[tuple[int, int], ...]:
    spans = sorted(
        (_minute(s.start, up=True), _minute(s.end, up=False) or 24 * 60) for s in availability if s.weekday == weekday
    )
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


def absence_on(teen: Teen, first: date, last: date) -> tuple[date, date] | None:
    """The first absence range touching the days first..last (both included), else None."""
    for a, b in teen.absences:
        if a <= last and first <= b:
            return (a, b)
    return None


# ---------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------


def static_reasons(teen: Teen, job: Job, policy: Policy) -> list[Reason]:
    """What does not depend on the job's time. Interest in the category is only a score; the
    exchange and the distance are the engine's (it picks the policy and the geography)."""
    reasons: list[Reason] = []
    if not teen.active:
        reasons.append(reason("inactive"))
    if job.provider_id in teen.blocked_providers:
        reasons.append(reason("blocked_pair"))
    return reasons


def day_reasons(
    age: int, cls: LegalClass, day: date, category: Category, policy: Policy, calendar: Calendar
) -> list[Reason]:
    """The rules that hold for a whole day, whatever the hour: age, kind of work, Sundays and
    public holidays. Shared by `time_reasons` and the search of `timing.evaluate`."""
    reasons: list[Reason] = []
    if cls is LegalClass.TOO_YOUNG:
        # The law's ban covers every job; the policy's and the category's ages add nothing.
        return [reason("too_young", day=fmt_day(day), age=age)]
    if age < policy.min_age:
        reasons.append(reason("age_below_policy", day=fmt_day(day), age=age, min_age=policy.min_age))
    if age > policy.max_age:
        reasons.append(reason("age_above_policy", day=fmt_day(day), age=age, max_age=policy.max_age))
    if age < category.min_age:
        # The birthday itself counts (age_on): 16 on the job's date is 16.
        what = _category(category)
        reasons.append(reason("category_min_age", what=what, day=fmt_day(day), age=age, min_age=category.min_age))
    if cls is LegalClass.CHILD and not category.light_work:
        # § 5 Abs. 3 JArbSchG with § 2 Abs. 1 KindArbSchV: only the listed light work.
        reasons.append(reason("not_light_work", who=who(cls, age), what=_category(category)))
    if cls in MINORS:
        if day.weekday() == 6:
            # § 17 Abs. 1 JArbSchG: no work on Sundays (the exceptions of Abs. 2 are trades).
            reasons.append(reason("sunday"))
        name = calendar.public_holiday(day)
        if name is not None:
            # § 18 Abs. 1 JArbSchG: no work on public holidays (of the exchange's state).
            reasons.append(reason("public_holiday", name=name))
    return reasons


def hour_bounds(cls: LegalClass, day: date, policy: Policy, calendar: Calendar) -> tuple[int, int, int, int]:
    """(earliest start by law, latest end by law, earliest start on a school day, latest end on
    24/31 December), in minutes of `day`; for adults 0 and 24 * 60 (the policy sets no hours)."""
    low, high = ALLOWED_HOURS.get(cls, (0, 24 * 60))
    school = low
    if cls is LegalClass.CHILD and calendar.is_school_day(day):
        # § 5 Abs. 3 JArbSchG: not before or during school; the policy says when school is over.
        es = policy.earliest_start_school_days
        school = max(low, es.hour * 60 + es.minute)
    year_end = high
    if cls in MINORS and (day.month, day.day) in YEAR_END_DAYS:
        # § 18 Abs. 1 JArbSchG: not after 14 o'clock on 24 and 31 December.
        year_end = min(high, YEAR_END_UNTIL)
    return low, high, school, year_end


def amount_reasons(
    minutes: int, day: date, cls: LegalClass, age: int, booked: Booked, policy: Policy
) -> list[Reason]:
    """The law's daily/weekly maximum of the class and the policy's caps per day, week, month
    and year, with the teen's other bookings (§ 4 Abs. 5 JArbSchG: hours with every provider
    add up). Where law and policy give the same limit, only the law's reason is named."""
    reasons: list[Reason] = []
    limits = (
        ("day", LEGAL_DAILY_MINUTES.get(cls), policy.max_minutes_per_day),
        ("week", LEGAL_WEEKLY_MINUTES.get(cls), policy.max_minutes_per_week),
        ("month", None, policy.max_minutes_per_month),
        ("year", None, policy.max_minutes_per_year),
    )
    sums = booked.minutes
    keys = period_keys(day) if sums else None  # nothing booked: each total is the job itself
    for index, (kind, law, cap) in enumerate(limits):
        if law is None and cap is None:
            continue
        already = sums.get(keys[index], 0) if keys is not None else 0
        total = already + minutes
        law_broken = law is not None and total > law
        if law_broken:
            law_text = DAILY_LAW[cls] if kind == "day" else WEEKLY_LAW[cls]
            reasons.append(
                _amount_reason(
                    LEGAL_CODES[kind], "legal_max", kind, already, total, law, who=who(cls, age), law=law_text
                )
            )
        if cap is not None and total > cap and not (law_broken and cap >= law):
            reasons.append(_amount_reason(CAP_CODES[kind], "cap", kind, already, total, cap))
    return reasons


def _amount_reason(code: str, key: str, kind: str, already: int, total: int, limit: int, **values: str) -> Reason:
    this, per = MESSAGES[f"period.{kind}"].split("|")
    text = MESSAGES[key + (".booked" if already else "")].format(
        this=this, per=per, booked=fmt_minutes(already), total=fmt_minutes(total), limit=fmt_minutes(limit), **values
    )
    return Reason(code, text)


def time_reasons(
    teen: Teen, job: Job, start: datetime, end: datetime, policy: Policy, calendar: Calendar
) -> list[Reason]:
    """Everything that depends on when the job is: all reasons, not only the first."""
    bookings = own_bookings(teen, job)
    return reasons_at(teen, job, start, end, policy, calendar, bookings, Booked(bookings))


def reasons_at(
    teen: Teen,
    job: Job,
    start: datetime,
    end: datetime,
    policy: Policy,
    calendar: Calendar,
    bookings: tuple[Booking, ...],
    booked: Booked,
) -> list[Reason]:
    """`time_reasons` with the teen's other bookings (`own_bookings`) and their sums given, so
    that a search over many times sums them once."""
    minutes = int((end - start).total_seconds() // 60)
    if minutes <= 0:
        return [reason("invalid_time")]
    day = start.date()
    age = age_on(teen.birth_date, day)
    cls = class_for_age(age, teen.in_compulsory_school)
    reasons = day_reasons(age, cls, day, job.category, policy, calendar)

    midnight = datetime.combine(day, time(), tzinfo=start.tzinfo)
    first = (start - midnight).total_seconds() / 60
    last = (end - midnight).total_seconds() / 60  # > 24 * 60 when the job runs past midnight
    if cls in MINORS:
        low, high, school, year_end = hour_bounds(cls, day, policy, calendar)
        if first < low or last > high:
            key = "outside_allowed_hours" + (
                "" if first < low and last > high else ".before" if first < low else ".after"
            )
            reasons.append(
                reason(key, who=who(cls, age), since=fmt_clock(low), until=fmt_clock(high), law=HOURS_LAW[cls])
            )
        if school > low and first < school:
            reasons.append(reason("school_time", since=fmt_clock(school)))
        if year_end < high and last > year_end:
            reasons.append(reason("christmas_new_year_eve"))

    # Under 13 the law allows nothing (said above); the policy's caps still say what they say.
    amounts_cls = LegalClass.ADULT if cls is LegalClass.TOO_YOUNG else cls
    reasons.extend(amount_reasons(minutes, day, amounts_cls, age, booked, policy))

    weekday = day.weekday()
    spans = free_spans(teen.availability, weekday)
    if not any(a <= first and last <= b for a, b in spans):
        if spans:
            reasons.append(reason("not_available", weekday=WEEKDAYS[weekday], slots=fmt_slots(spans)))
        else:
            reasons.append(reason("not_available.none", weekday=WEEKDAYS[weekday]))

    if teen.absences:
        last_day = (end - timedelta(microseconds=1)).date()  # a job ending at midnight ends that day
        absence = absence_on(teen, day, last_day)
        if absence is not None:
            reasons.append(reason("absent", first=fmt_day(absence[0]), last=fmt_day(absence[1])))

    for booking in bookings:
        # Touching is fine: one job may end at 16:00 and the next start at 16:00.
        if booking.start < end and start < booking.end:
            since, until = f"{booking.start:%H:%M}", f"{booking.end:%H:%M}"
            reasons.append(reason("overlap", day=fmt_day(booking.start.date()), since=since, until=until))
            break
    return reasons


def check(
    teen: Teen, job: Job, start: datetime, end: datetime, policy: Policy, calendar: Calendar
) -> list[Reason]:
    """Every reason why `teen` may not do `job` from `start` to `end`; empty means yes."""
    return static_reasons(teen, job, policy) + time_reasons(teen, job, start, end, policy, calendar)
