"""When a teen can do a job: the fixed time checked, or the earliest fitting time of a window.

A window job ("some afternoon between 12 and 15 March, 2 hours") gets the earliest start on a
15-minute grid that fits the teen's availability and every rule: the "suggested time".

The search does not try every quarter hour. Per day of the window it first applies the rules of
the whole day (age on that date, Sundays, public holidays, absences, the daily and weekly
amounts), then, per free span of that weekday, cuts the span to the hours the law allows for the
class on that day (school days, 24/31 December included) and jumps past the teen's bookings to
the first start that fits. The found time is finally confirmed by `rules.time_reasons`, so a
suggested time can never break a rule the search might have overlooked.

When nothing fits, the answer is one "no_fitting_time" reason with a short summary, followed by
the distinct reasons that blocked the days (one per code, at most `MAX_BLOCKING`).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from matching import rules
from matching.calendar import Calendar
from matching.rules import Booked, LegalClass
from matching.types import Booking, Job, Policy, Reason, Teen

GRID_MINUTES = 15
MAX_BLOCKING = 6
SUMMARY_LABELS = 4

_DAY = 24 * 60


def _up_to_grid(minute: float) -> int:
    return -(-int(math.ceil(minute)) // GRID_MINUTES) * GRID_MINUTES


class _Blocking:
    """The reasons that kept days of the window closed, first seen first, one per code."""

    __slots__ = ("reasons",)

    def __init__(self) -> None:
        self.reasons: dict[str, Reason] = {}

    def seen(self, code: str) -> bool:
        return code in self.reasons

    def add(self, reason: Reason) -> None:
        self.reasons.setdefault(reason.code, reason)

    def extend(self, reasons: list[Reason]) -> None:
        for r in reasons:
            self.reasons.setdefault(r.code, r)


def _busy_on(bookings: tuple[Booking, ...], day: date) -> list[tuple[float, float]]:
    """The teen's bookings on `day` as minute spans of that day, sorted."""
    midnight = datetime.combine(day, time())
    following = midnight + timedelta(days=1)
    spans = [
        ((b.start - midnight).total_seconds() / 60, (b.end - midnight).total_seconds() / 60)
        for b in bookings
        if b.start < following and b.end > midnight
    ]
    spans.sort()
    return spans


def evaluate(
    teen: Teen,
    job: Job,
    policy: Policy,
    calendar: Calendar,
    *,
    not_before: datetime | None = None,
) -> tuple[tuple[Reason, ...], datetime | None, datetime | None]:
    """(reasons, start, end) for `teen` and `job`.

    A fixed job: every reason of `rules.check` and the job's own times. A window job: no reasons
    and the earliest fitting time, or the reasons and (None, None). `not_before` (optional) drops
    the part of the window before that moment, e.g. "now".
    """
    static = rules.static_reasons(teen, job, policy)
    if job.is_fixed:
        if job.ends_at is None or job.ends_at <= job.starts_at:
            return (*static, rules.reason("invalid_time")), job.starts_at, job.ends_at
        found = rules.time_reasons(teen, job, job.starts_at, job.ends_at, policy, calendar)
        if not_before is not None and job.starts_at < not_before:
            found.append(rules.reason("in_past"))
        return (*static, *found), job.starts_at, job.ends_at

    first, last, duration = job.window_start, job.window_end, job.duration_minutes
    if first is None or last is None or last < first or not duration or duration <= 0:
        return (*static, rules.reason("invalid_time")), None, None

    start, end, blocking = _earliest(teen, job, first, last, int(duration), policy, calendar, not_before)
    if start is not None and not static:
        return (), start, end
    if start is not None:
        return tuple(static), None, None
    labels = [rules.SHORT_LABELS.get(code, code) for code in blocking.reasons]
    summary = ", ".join(labels[:SUMMARY_LABELS]) + (" …" if len(labels) > SUMMARY_LABELS else "")
    head = rules.reason(
        "no_fitting_time",
        first=rules.fmt_day(first),
        last=rules.fmt_day(last),
        summary=summary or rules.SHORT_LABELS["not_available"],
    )
    return (*static, head, *list(blocking.reasons.values())[:MAX_BLOCKING]), None, None


def _earliest(
    teen: Teen,
    job: Job,
    day: date,
    last: date,
    duration: int,
    policy: Policy,
    calendar: Calendar,
    not_before: datetime | None,
) -> tuple[datetime | None, datetime | None, _Blocking]:
    """The first fitting (start, end) from `day` to `last`, and what blocked the days before."""
    blocking = _Blocking()
    bookings = rules.own_bookings(teen, job)
    booked = Booked(bookings)
    spans_by_weekday: dict[int, list[tuple[int, int]]] = {}

    if not_before is not None and not_before.date() > day:
        blocking.add(rules.reason("in_past"))
        day = not_before.date()
    while day <= last:
        current, day = day, day + timedelta(days=1)
        weekday = current.weekday()

        # Cheap first: the teen's free time that weekday, then absences.
        spans = spans_by_weekday.get(weekday)
        if spans is None:
            spans = spans_by_weekday[weekday] = rules.free_spans(teen.availability, weekday)
        if not spans:
            if not blocking.seen("not_available"):
                blocking.add(rules.reason("not_available.none", weekday=rules.WEEKDAYS[weekday]))
            continue
        if max(b - a for a, b in spans) < duration:
            if not blocking.seen("not_available"):
                blocking.add(_too_short(weekday, spans, duration))
            continue
        absence = rules.absence_on(teen, current, current) if teen.absences else None
        if absence is not None:
            blocking.add(rules.reason("absent", first=rules.fmt_day(absence[0]), last=rules.fmt_day(absence[1])))
            continue

        # The whole day: age and class on this date, kind of work, Sunday, public holiday.
        age = rules.age_on(teen.birth_date, current)
        cls = rules.class_for_age(age, teen.in_compulsory_school)
        closed = rules.day_reasons(age, cls, current, job.category, policy, calendar)
        if closed:
            blocking.extend(closed)
            continue
        over = rules.amount_reasons(duration, current, cls, age, booked, policy)
        if over:
            blocking.extend(over)
            continue

        # The hours of this day, then the first start in each free span past the bookings.
        bounds = low, high, school, year_end = rules.hour_bounds(cls, current, policy, calendar)
        earliest, latest = max(low, school), min(high, year_end)
        if not_before is not None and current == not_before.date():
            earliest = max(earliest, (not_before - datetime.combine(current, time())).total_seconds() / 60)
        busy: list[tuple[float, float]] | None = None
        for a, b in spans:
            first, last_end = _up_to_grid(max(a, earliest)), min(b, latest)
            while first + duration <= last_end:
                if busy is None:
                    busy = _busy_on(bookings, current) if bookings else []
                clash = None
                for s, e in busy:
                    if s < first + duration and first < e:
                        clash = (s, e)
                        break
                if clash is not None:
                    # Jump past the booking in the way rather than trying each quarter hour.
                    first = _up_to_grid(clash[1])
                    if not blocking.seen("overlap"):
                        blocking.add(_overlap(current, clash))
                    continue
                start = datetime.combine(current, time()) + timedelta(minutes=first)
                end = start + timedelta(minutes=duration)
                confirm = rules.reasons_at(teen, job, start, end, policy, calendar, bookings, booked)
                if not confirm:
                    return start, end, blocking
                # Not expected (the search mirrors the rules); stay correct and move on.
                blocking.extend(confirm)
                first += GRID_MINUTES
            _explain_span(blocking, cls, age, current, (a, b), duration, bounds, not_before)
    return None, None, blocking


def _overlap(day: date, clash: tuple[float, float]) -> Reason:
    return rules.reason(
        "overlap", day=rules.fmt_day(day), since=_hhmm(clash[0]), until=_hhmm(min(clash[1], _DAY - 1))
    )


def _hhmm(minute: float) -> str:
    hour, rest = divmod(int(minute), 60)
    return f"{hour:02d}:{rest:02d}"


def _too_short(weekday: int, spans: list[tuple[int, int]], duration: int) -> Reason:
    return rules.reason(
        "not_available.short",
        weekday=rules.WEEKDAYS[weekday],
        slots=rules.fmt_slots(spans),
        total=rules.fmt_minutes(duration),
    )


def _explain_span(
    blocking: _Blocking,
    cls: LegalClass,
    age: int,
    day: date,
    span: tuple[int, int],
    duration: int,
    bounds: tuple[int, int, int, int],
    not_before: datetime | None,
) -> None:
    """Name what closed one free span, by adding the limits one at a time: the span itself, the
    class's hours, 24/31 December, school; what is left is the teen's bookings (noted already)
    or the part of the window that is past."""
    a, b = span
    low, high, school, year_end = bounds

    def fits(since: float, until: float) -> bool:
        return _up_to_grid(since) + duration <= until

    if not fits(a, b):
        if not blocking.seen("not_available"):
            blocking.add(_too_short(day.weekday(), [span], duration))
    elif not fits(max(a, low), min(b, high)):
        if not blocking.seen("outside_allowed_hours"):
            values = {"since": rules.fmt_clock(low), "until": rules.fmt_clock(high)}
            blocking.add(
                rules.reason("outside_allowed_hours", who=rules.who(cls, age), law=rules.HOURS_LAW[cls], **values)
            )
    elif not fits(max(a, low), min(b, year_end)):
        blocking.add(rules.reason("christmas_new_year_eve"))
    elif not fits(max(a, school), min(b, year_end)):
        if not blocking.seen("school_time"):
            blocking.add(rules.reason("school_time", since=rules.fmt_clock(school)))
    elif not_before is not None and day == not_before.date():
        blocking.add(rules.reason("in_past"))
