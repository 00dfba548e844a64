"""Who may do which job, and who fits best: verdicts, a teen's feed and a job's candidates.

A `Snapshot` holds one consistent picture (teens, open jobs, the policies of their exchanges)
with its indexes built once; every query reads it and changes nothing, so one snapshot can
answer any number of queries (also from several threads). There is no global state.

How a query is fast (`teens_for_job` over a whole state with 100,000 teens in a few ms):

1. Only the job's own exchange is searched (matching never crosses exchanges).
2. Teens are grouped by home point (a postcode centroid; many teens share one) and the points
   sit in a `GridIndex`. The bounding box of the smaller of the job's radius and the largest
   teen radius of the exchange yields the candidate points; the exact great-circle distance is
   computed once per point. Within a point the teens are sorted by radius, largest first, so the
   loop stops at the first teen whose radius is shorter than the distance.
3. Cheap checks that can only say "no" where the rules say "no" too (`_JobFacts`,
   `_TeenFacts`): job still open, teen active, blocked pair, the age range as birth-date
   bounds precomputed per job, and availability: a fixed job must lie inside one of the teen's
   free spans that weekday, a window job needs a free span as long as the job on one of its
   weekdays.
4. `timing.evaluate` (every legal, policy, availability and time rule) only for the survivors,
   then the score.

The naive baseline (`naive_teens_for_job`, `naive_jobs_for_teen`) runs `verdict` on every
teen or job of the snapshot in a plain loop. Every prefilter above is implied by a reason that
`verdict` would give, so both return the same list; the tests and the benchmark check that.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from . import rules, timing
from .calendar import Calendar, calendar_for
from .geo import GridIndex, _haversine_rad, format_km, haversine_km, round_half_km
from .scoring import score
from .types import Job, Policy, Proposal, Ranked, Reason, Teen, Verdict

__all__ = [
    "Snapshot",
    "verdict",
    "why_not",
    "jobs_for_teen",
    "teens_for_job",
    "naive_jobs_for_teen",
    "naive_teens_for_job",
]

_INF = math.inf


def _years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February becomes 28 February. With it,
    age_on(birth, day) >= n  ⇔  birth <= _years_before(day, n) (also for 29 February births:
    their birthday in a common year is 1 March, as in § 188 Abs. 3 BGB)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _job_days(job: Job) -> tuple[date, date] | None:
    """First and last day the job can take place on (None: no valid time, the rules say so)."""
    if job.is_fixed:
        if job.ends_at is None or job.ends_at <= job.starts_at:
            return None
        return job.starts_at.date(), job.ends_at.date()
    if job.window_start is None or job.window_end is None or not job.duration_minutes or job.duration_minutes <= 0:
        return None
    if job.window_end < job.window_start:
        return None
    return job.window_start, job.window_end


def _weekdays(first: date, last: date) -> tuple[int, ...]:
    if (last - first).days >= 6:
        return tuple(range(7))
    return tuple(sorted({(first + timedelta(days=n)).weekday() for n in range((last - first).days + 1)}))


class _JobFacts:
    """What the prefilter needs of a job, computed once per snapshot.

    Every field only ever rules out pairs that `timing.evaluate` refuses too: `open` is false
    where it gives every teen a reason (no valid time, or over before `now`); the birth-date
    bounds are the age limits of `rules.day_reasons` on the widest days (old enough on the last
    day, not too old on the first); `weekday`, `first` and `last` are the minutes a fixed job
    must find inside one free span of `rules.free_spans` (as `rules.time_reasons` demands);
    a window job needs a free span of at least `duration` on one of its `weekdays`.
    """

    __slots__ = ("job", "radius", "open", "latest_birth", "earliest_birth_excl", "weekdays", "weekday",
                 "first", "last", "duration")

    def __init__(self, job: Job, policy: Policy | None, now: datetime | None) -> None:
        self.job = job
        self.radius = _INF if job.radius_km is None else job.radius_km
        days = _job_days(job)
        self.open = policy is not None and days is not None
        if days is not None and now is not None:
            # timing.evaluate(not_before=now): "in_past" for a fixed job that started, no day left
            # for a window that ended.
            self.open = self.open and (job.starts_at >= now if job.is_fixed else days[1] >= now.date())
        if not self.open or days is None or policy is None:
            return
        first, last = days
        # Under 13 never (§ 5 Abs. 1 JArbSchG); then the policy's and the category's minimum age.
        min_age = max(13, policy.min_age, job.category.min_age)
        self.latest_birth = _years_before(last, min_age) if last.year > min_age else date.min
        self.earliest_birth_excl = (_years_before(first, policy.max_age + 1) if first.year > policy.max_age + 1
                                    else date.min)
        self.weekdays = _weekdays(first, last)
        if job.is_fixed:
            midnight = datetime.combine(first, time(), tzinfo=job.starts_at.tzinfo)
            self.weekday = first.weekday()
            self.first = (job.starts_at - midnight).total_seconds() / 60
            self.last = (job.ends_at - midnight).total_seconds() / 60
            self.duration = 0
        else:
            self.weekday = -1
            self.first = self.last = 0.0
            self.duration = job.duration_minutes


class _TeenFacts:
    """What the prefilter needs of a teen: her free spans per weekday, as `rules.free_spans`
    merges them, and the longest one per weekday."""

    __slots__ = ("teen", "radius", "spans", "longest")

    def __init__(self, teen: Teen) -> None:
        self.teen = teen
        self.radius = teen.radius_km
        days = {slot.weekday for slot in teen.availability}
        self.spans = tuple(tuple(rules.free_spans(teen.availability, d)) if d in days else () for d in range(7))
        self.longest = tuple(max((b - a for a, b in spans), default=0) for spans in self.spans)

    def may_fit(self, facts: _JobFacts) -> bool:
        """False only where `timing.evaluate` refuses for availability or age anyway."""
        if not facts.earliest_birth_excl < self.teen.birth_date <= facts.latest_birth:
            return False
        if facts.weekday >= 0:
            first, last = facts.first, facts.last
            for a, b in self.spans[facts.weekday]:
                if a <= first and last <= b:
                    return True
            return False
        longest = self.longest
        duration = facts.duration
        for weekday in facts.weekdays:
            if longest[weekday] >= duration:
                return True
        return False


class _Exchange:
    """The indexes of one exchange."""

    __slots__ = ("policy", "calendar", "teen_grid", "teen_places", "max_teen_radius", "job_grid", "job_places")

    def __init__(self, policy: Policy | None) -> None:
        self.policy = policy
        self.calendar: Calendar | None = calendar_for(policy) if policy is not None else None
        self.teen_grid: GridIndex[int] = GridIndex()
        # place number -> (phi, lam, cos phi, the teens living there, largest radius first)
        self.teen_places: list[tuple[float, float, float, list[_TeenFacts]]] = []
        self.max_teen_radius = 0.0
        self.job_grid: GridIndex[int] = GridIndex()
        # place number -> (phi, lam, cos phi, the open jobs there, largest radius first)
        self.job_places: list[tuple[float, float, float, list[_JobFacts]]] = []


def _grouped(items: Iterable, key) -> dict:
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _place(lat: float, lon: float) -> tuple[float, float, float]:
    phi = math.radians(lat)
    return phi, math.radians(lon), math.cos(phi)


class Snapshot:
    """Teens, open jobs and policies, indexed once for many queries.

    `policies` maps an exchange id to its policy; a job of an exchange without one is never
    matched and has no verdict. `now` (optional) is passed to `timing.evaluate` as `not_before`:
    a job that has started is not offered, and a window is searched from `now` on.
    """

    def __init__(self, *, teens: Iterable[Teen], jobs: Iterable[Job], policies: Mapping[int, Policy],
                 now: datetime | None = None) -> None:
        self.now = now
        self.teens: dict[int, Teen] = {}
        for teen in teens:
            if teen.id in self.teens:
                raise ValueError(f"teen {teen.id} twice in the snapshot")
            self.teens[teen.id] = teen
        self.jobs: dict[int, Job] = {}
        for job in jobs:
            if job.id in self.jobs:
                raise ValueError(f"job {job.id} twice in the snapshot")
            self.jobs[job.id] = job
        self.policies: dict[int, Policy] = dict(policies)
        self._exchanges: dict[int, _Exchange] = {}
        self._job_facts: dict[int, _JobFacts] = {}

        for exchange_id, members in _grouped(self.teens.values(), lambda t: t.exchange_id).items():
            ex = self._exchange(exchange_id)
            for (lat, lon), at_place in _grouped(members, lambda t: (t.lat, t.lon)).items():
                facts = sorted((_TeenFacts(t) for t in at_place), key=lambda f: f.radius, reverse=True)
                ex.teen_grid.add(len(ex.teen_places), lat, lon)
                ex.teen_places.append((*_place(lat, lon), facts))
                ex.max_teen_radius = max(ex.max_teen_radius, facts[0].radius)

        for exchange_id, members in _grouped(self.jobs.values(), lambda j: j.exchange_id).items():
            ex = self._exchange(exchange_id)
            for (lat, lon), at_place in _grouped(members, lambda j: (j.lat, j.lon)).items():
                facts = sorted((_JobFacts(j, ex.policy, now) for j in at_place), key=lambda f: f.radius, reverse=True)
                for f in facts:
                    self._job_facts[f.job.id] = f
                ex.job_grid.add(len(ex.job_places), lat, lon)
                ex.job_places.append((*_place(lat, lon), [f for f in facts if f.open]))

    def _exchange(self, exchange_id: int) -> _Exchange:
        ex = self._exchanges.get(exchange_id)
        if ex is None:
            ex = self._exchanges[exchange_id] = _Exchange(self.policies.get(exchange_id))
        return ex

    def rules_for(self, exchange_id: int) -> tuple[Policy, Calendar]:
        """The policy and calendar of an exchange (LookupError if the snapshot has no policy)."""
        ex = self._exchanges.get(exchange_id)
        if ex is not None and ex.policy is not None and ex.calendar is not None:
            return ex.policy, ex.calendar
        policy = self.policies.get(exchange_id)
        if policy is None:
            raise LookupError(f"no policy for exchange {exchange_id} in the snapshot")
        return policy, calendar_for(policy)

    def teen(self, teen_id: int) -> Teen:
        try:
            return self.teens[teen_id]
        except KeyError:
            raise LookupError(f"teen {teen_id} is not in the snapshot") from None

    def job(self, job_id: int) -> Job:
        try:
            return self.jobs[job_id]
        except KeyError:
            raise LookupError(f"job {job_id} is not in the snapshot") from None

    def __repr__(self) -> str:
        return f"Snapshot({len(self.teens)} teens, {len(self.jobs)} jobs, {len(self.policies)} policies)"


# --- verdicts ---------------------------------------------------------------------------------

# The reasons the engine gives itself; `timing.evaluate` names the exchange too (through
# `rules.static_reasons`), which must not appear twice.
_OWN_CODES = frozenset({"other_exchange", "too_far_for_teen", "too_far_for_job"})


def _too_far(distance_km: float, radius_km: float, whose: str) -> str:
    shown = round_half_km(distance_km)
    # The check uses the exact distance; when rounding would show a number that is not above
    # the radius ("5 km entfernt – Umkreis 5 km"), say so in words instead.
    if shown > radius_km:
        return f"{format_km(shown)} km entfernt – {whose} {format_km(radius_km)} km"
    return f"Etwas mehr als {format_km(radius_km)} km entfernt – {whose} {format_km(radius_km)} km"


def _judge(snapshot: Snapshot, teen: Teen, job: Job) -> tuple[Verdict, float]:
    """The verdict and the exact distance (the score needs it unrounded)."""
    policy, calendar = snapshot.rules_for(job.exchange_id)
    reasons: list[Reason] = []
    if teen.exchange_id != job.exchange_id:
        reasons.append(Reason("other_exchange", "Gehört zu einer anderen Taschengeldbörse"))
    distance = haversine_km(teen.lat, teen.lon, job.lat, job.lon)
    if distance > teen.radius_km:
        reasons.append(Reason("too_far_for_teen", _too_far(distance, teen.radius_km, "dein Umkreis ist")))
    if job.radius_km is not None and distance > job.radius_km:
        reasons.append(Reason("too_far_for_job", _too_far(distance, job.radius_km, "der Auftrag sucht im Umkreis von")))
    found, start, end = timing.evaluate(teen, job, policy, calendar, not_before=snapshot.now)
    reasons.extend(r for r in found if r.code not in _OWN_CODES)
    return Verdict(teen_id=teen.id, job_id=job.id, reasons=tuple(reasons), distance_km=round_half_km(distance),
                   starts_at=start, ends_at=end), distance


def verdict(snapshot: Snapshot, teen: Teen, job: Job) -> Verdict:
    """Every reason why `teen` may not do `job` (none: eligible): the exchange, both radii and
    all of `timing.evaluate`; the distance rounded to 0.5 km; the job's fixed time, or for a
    window the suggested time (None when nothing fits)."""
    return _judge(snapshot, teen, job)[0]


def why_not(snapshot: Snapshot, teen_id: int, job_id: int) -> Verdict:
    """The verdict for any named teen and job of the snapshot, eligible or not."""
    return verdict(snapshot, snapshot.teen(teen_id), snapshot.job(job_id))


def _ranked(teen: Teen, job: Job, distance: float, start: datetime, end: datetime) -> Ranked:
    points, reasons = score(teen, job, distance)
    return Ranked(teen_id=teen.id, job_id=job.id, score=points, distance_km=round_half_km(distance),
                  starts_at=start, ends_at=end, reasons=reasons)


def _best_first(keyed: list[tuple[float, datetime, int, Ranked]], limit: int | None) -> list[Ranked]:
    """Score descending, then earlier start, then smaller id (unique within one query, so the
    Ranked objects themselves are never compared)."""
    if limit is not None and limit < len(keyed):
        keyed = heapq.nsmallest(max(limit, 0), keyed)
    else:
        keyed.sort()
    return [entry[3] for entry in keyed]


# --- the indexed queries ----------------------------------------------------------------------


def teens_for_job(snapshot: Snapshot, job_id: int, *, limit: int | None = None) -> list[Ranked]:
    """The eligible teens for a job, best first."""
    job = snapshot.job(job_id)
    policy, calendar = snapshot.rules_for(job.exchange_id)
    facts = snapshot._job_facts[job_id]
    if not facts.open:
        return []
    ex = snapshot._exchanges[job.exchange_id]
    reach = min(facts.radius, ex.max_teen_radius)
    provider = job.provider_id
    j_phi, j_lam, j_cos = _place(job.lat, job.lon)
    evaluate = timing.evaluate
    now = snapshot.now
    places = ex.teen_places

    keyed: list[tuple[float, datetime, int, Ranked]] = []
    for bucket in ex.teen_grid.cells(job.lat, job.lon, reach):
        for number, _lat, _lon in bucket:
            phi, lam, cos_phi, residents = places[number]
            # Teen first, as in `verdict`, so that both compute the very same float.
            distance = _haversine_rad(phi, lam, cos_phi, j_phi, j_lam, j_cos)
            if distance > reach:
                continue
            for resident in residents:
                if resident.radius < distance:
                    break  # sorted by radius: every further teen here is too far as well
                teen = resident.teen
                if not teen.active or provider in teen.blocked_providers or not resident.may_fit(facts):
                    continue
                reasons, start, end = evaluate(teen, job, policy, calendar, not_before=now)
                if reasons:
                    continue
                ranked = _ranked(teen, job, distance, start, end)
                keyed.append((-ranked.score, start, teen.id, ranked))
    return _best_first(keyed, limit)


def jobs_for_teen(snapshot: Snapshot, teen_id: int, *, limit: int | None = None) -> list[Ranked]:
    """The jobs a teen may do, best first (her feed)."""
    teen = snapshot.teen(teen_id)
    ex = snapshot._exchanges.get(teen.exchange_id)
    if ex is None or ex.policy is None or not teen.active:
        return []
    policy, calendar = ex.policy, ex.calendar
    reach = teen.radius_km
    mine = _TeenFacts(teen)
    blocked = teen.blocked_providers
    t_phi, t_lam, t_cos = _place(teen.lat, teen.lon)
    evaluate = timing.evaluate
    now = snapshot.now
    places = ex.job_places

    keyed: list[tuple[float, datetime, int, Ranked]] = []
    for bucket in ex.job_grid.cells(teen.lat, teen.lon, reach):
        for number, _lat, _lon in bucket:
            phi, lam, cos_phi, offers = places[number]
            distance = _haversine_rad(t_phi, t_lam, t_cos, phi, lam, cos_phi)
            if distance > reach:
                continue
            for facts in offers:
                if facts.radius < distance:
                    break  # sorted by radius: every further job here wants someone closer
                job = facts.job
                if job.provider_id in blocked or not mine.may_fit(facts):
                    continue
                reasons, start, end = evaluate(teen, job, policy, calendar, not_before=now)
                if reasons:
                    continue
                ranked = _ranked(teen, job, distance, start, end)
                keyed.append((-ranked.score, start, job.id, ranked))
    return _best_first(keyed, limit)


# --- the naive baseline -----------------------------------------------------------------------


def naive_teens_for_job(snapshot: Snapshot, job_id: int) -> list[Ranked]:
    """`verdict` for every teen of the snapshot, in a plain loop: the reference and the baseline."""
    job = snapshot.job(job_id)
    keyed = []
    for teen in snapshot.teens.values():
        judged, distance = _judge(snapshot, teen, job)
        if judged.eligible:
            ranked = _ranked(teen, job, distance, judged.starts_at, judged.ends_at)
            keyed.append((-ranked.score, ranked.starts_at, teen.id, ranked))
    return _best_first(keyed, None)


def naive_jobs_for_teen(snapshot: Snapshot, teen_id: int) -> list[Ranked]:
    """`verdict` for every job of the snapshot, in a plain loop."""
    teen = snapshot.teen(teen_id)
    keyed = []
    for job in snapshot.jobs.values():
        if job.exchange_id not in snapshot.policies:
            continue  # no policy, no verdict: such a job is never offered
        judged, distance = _judge(snapshot, teen, job)
        if judged.eligible:
            ranked = _ranked(teen, job, distance, judged.starts_at, judged.ends_at)
            keyed.append((-ranked.score, ranked.starts_at, job.id, ranked))
    return _best_first(keyed, None)


# --- the batch proposal -----------------------------------------------------------------------


def propose(snapshot: Snapshot, job_ids: Iterable[int] | None = None, *, time_limit_s: float = 10.0,
            workers: int = 2) -> Proposal:
    """Fill as many open places of `job_ids` (default: every open job of the snapshot) as
    possible with the highest total score, under every rule and every teen's caps together.

    Candidates come from `teens_for_job` (so every option is legal on its own, at the job's
    fixed time or the teen's earliest fitting time in a window); `optimise` then chooses among
    them so that no teen exceeds her remaining day/week/month/year minutes and no teen is in
    two places at once. A window job keeps each teen's earliest fitting time: the optimiser
    chooses teens, it does not move times (a coordinator agrees the exact time with both).
    """
    from .optimise import Option, optimise  # CP-SAT loads in ~0.3 s: only when proposing

    ids = list(snapshot.jobs) if job_ids is None else list(job_ids)
    options: list[Option] = []
    ranked_of: dict[tuple[int, int], Ranked] = {}
    places: dict[int, int] = {}
    days_of_teen: dict[int, set[date]] = {}
    policy_of_teen: dict[int, Policy] = {}
    for job_id in ids:
        job = snapshot.job(job_id)
        places[job_id] = max(job.places, 0)
        if places[job_id] == 0:
            continue
        policy, _calendar = snapshot.rules_for(job.exchange_id)
        for ranked in teens_for_job(snapshot, job_id):
            options.append(Option(teen_id=ranked.teen_id, job_id=job_id, score=ranked.score,
                                  start=ranked.starts_at, end=ranked.ends_at,
                                  periods=rules.periods(ranked.starts_at)))
            ranked_of[(ranked.teen_id, job_id)] = ranked
            days_of_teen.setdefault(ranked.teen_id, set()).add(ranked.starts_at.date())
            policy_of_teen[ranked.teen_id] = policy
    # Each option alone already fits the teen's caps (teens_for_job checked it against her
    # bookings); caps only bind between two options of one teen, so only those teens need them.
    counts: dict[int, int] = {}
    for option in options:
        counts[option.teen_id] = counts.get(option.teen_id, 0) + 1
    capacity: dict[tuple[int, str, object], int] = {}
    for teen_id, days in days_of_teen.items():
        if counts[teen_id] < 2:
            continue
        teen = snapshot.teen(teen_id)
        for day in days:
            for (kind, key), minutes in rules.cap_limits(teen, day, policy_of_teen[teen_id]).items():
                capacity[(teen_id, kind, key)] = minutes
    solution = optimise(options, places, capacity, time_limit_s=time_limit_s, workers=workers)
    pairs = tuple(ranked_of[(o.teen_id, o.job_id)] for o in solution.chosen)
    return Proposal(pairs=pairs, places_open=sum(places.values()), filled=solution.filled,
                    total_score=solution.total_score, optimal=solution.optimal, method=solution.method,
                    seconds=solution.seconds)
