"""Benchmark of the matching engine on synthetic teens and jobs over the real German postcodes.

Run with `make bench`. It reads ../shared/data/postcodes-de.csv (relative to the project root),
builds a population with a fixed seed and prints one figure per line as `name: number unit`:

    teens_for_job_100k_median / _p95      one job's candidates among 100,000 teens
                                          (_max, and _city_* for jobs in Berlin, Hamburg, Bremen)
    jobs_for_teen_10k_median / _p95       one teen's feed among 10,000 open jobs
    naive_teens_for_job_100k_median       the baseline: `verdict` for every teen in a plain loop
    speedup_vs_naive_100k                 naive median / indexed median over the same jobs

Teens and jobs are spread uniformly over the public postcodes; as postcode areas are cut to
similar numbers of households, that follows the population roughly (a Berlin postcode is a few
streets, a rural one several villages).

Each exchange is a whole German state: the largest search space an exchange can realistically
have (one exchange per municipality or district is the usual case and is much smaller).
"""

from __future__ import annotations

import csv
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from _common import ROOT, p95  # puts the project root on sys.path

from matching import engine
from matching.types import Booking, Category, History, Job, Policy, Slot, Teen

POSTCODES = ROOT.parent / "shared" / "data" / "postcodes-de.csv"
SEED = 20260511
TEENS = 100_000
JOBS = 10_000
# A fixed Monday, so that every run sees the same calendar (Ascension Day falls in the 14 days).
TODAY = date(2026, 5, 11)
NOW = datetime.combine(TODAY, clock(7, 0))
DAYS = 14
QUERIES = 50
WARMUP = 5
NAIVE_QUERIES = 8
NAIVE_FEEDS = 3
CITY_STATES = ("BE", "HH", "HB")
CITY_QUERIES = 20
PROPOSE_TEENS = 10_000
PROPOSE_PLACES = 1_000
PROPOSE_RUNS = 3
DENSE_RADIUS_KM = 25
DENSE_EXCHANGE = 99

CATEGORIES = [
    Category("garden", 14, True, "Garten"),
    Category("shopping", 14, True, "Einkaufen und Besorgungen"),
    Category("pets", 14, True, "Haustiere"),
    Category("household", 14, True, "Leichte Hilfe im Haushalt"),
    Category("digital", 14, True, "Handy- und PC-Hilfe"),
    Category("company", 14, True, "Vorlesen und Gesellschaft"),
    Category("tutoring", 14, True, "Nachhilfe"),
    Category("babysitting", 16, True, "Babysitten"),
    Category("carrying", 15, False, "Leichtes Tragen"),
]
RADII = [1, 2, 3, 5, 5, 5, 5, 5, 8, 10, 10, 15, 20, 25]


def load_postcodes(path: Path) -> list[tuple[str, str, float, float]]:
    """One centroid per public postcode: (zipcode, state code, lat, lon).

    GeoNames lists "Großkunden" postcodes of single firms and offices too; in this file they
    carry the numeric state keys ("05") while public postcodes carry the letter codes ("NW").
    Those are dropped, and the places of one public postcode are averaged into one centroid.
    """
    places: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            state = row["state_code"]
            if len(state) != 2 or not state.isalpha():
                continue
            places[row["zipcode"]].append((state, float(row["latitude"]), float(row["longitude"])))
    postcodes = []
    for zipcode, rows in sorted(places.items()):
        states = [r[0] for r in rows]
        state = min(set(states), key=lambda code: (-states.count(code), code))  # the majority, ties by name
        postcodes.append((zipcode, state, statistics.fmean(r[1] for r in rows), statistics.fmean(r[2] for r in rows)))
    return postcodes


def make_teens(rng: random.Random, postcodes, exchange_of: dict[str, int], count: int = TEENS) -> list[Teen]:
    teens = []
    for teen_id in range(1, count + 1):
        _zip, state, lat, lon = rng.choice(postcodes)
        # Ages 13-21 on TODAY, so some are too young or too old for every policy.
        birth = TODAY - timedelta(days=rng.randrange(13 * 365, 22 * 365))
        age = (TODAY - birth).days // 365
        in_school = age < 15 or (age < 18 and rng.random() < 0.3)
        slots = []
        for _ in range(rng.randint(1, 4)):
            weekday = rng.randrange(7)
            start_hour = rng.randint(14, 18) if weekday < 5 else rng.randint(9, 15)
            slots.append(Slot(weekday, clock(start_hour), clock(min(start_hour + rng.randint(2, 4), 21))))
        absences = ()
        if rng.random() < 0.1:
            first = TODAY + timedelta(days=rng.randrange(DAYS))
            absences = ((first, first + timedelta(days=rng.randint(0, 4))),)
        bookings = ()
        if rng.random() < 0.05:
            day = TODAY + timedelta(days=rng.randrange(DAYS))
            start = datetime.combine(day, clock(rng.randint(14, 16)))
            bookings = (Booking(start, start + timedelta(minutes=rng.choice([60, 90, 120])), rng.randrange(1, 5000)),)
        done = rng.choice([0, 0, 0, 1, 2, 3, 5, 8, 12, 20])
        history = History(
            done=done,
            no_shows=1 if done and rng.random() < 0.1 else 0,
            rating_avg=round(rng.uniform(3.0, 5.0), 1) if done else None,
            good_with_provider={rng.randrange(1, 5000): 1} if done and rng.random() < 0.2 else {},
            recent_jobs=rng.choice([0, 0, 0, 1, 2]),
            recent_notifications=rng.choice([0, 1, 2, 3, 5]),
        )
        teens.append(Teen(
            id=teen_id, exchange_id=exchange_of[state], birth_date=birth, in_compulsory_school=in_school,
            lat=lat, lon=lon, radius_km=float(rng.choice(RADII)), active=rng.random() < 0.95,
            interests=frozenset(c.slug for c in rng.sample(CATEGORIES, rng.randint(1, 3))),
            availability=tuple(slots), absences=absences, bookings=bookings,
            blocked_providers=frozenset({rng.randrange(1, 5000)}) if rng.random() < 0.01 else frozenset(),
            history=history,
        ))
    return teens


def make_jobs(rng: random.Random, postcodes, exchange_of: dict[str, int], count: int = JOBS) -> list[Job]:
    jobs = []
    for job_id in range(1, count + 1):
        _zip, state, lat, lon = rng.choice(postcodes)
        category = rng.choice(CATEGORIES)
        radius = rng.choice([None, None, None, 2.0, 3.0, 5.0, 10.0])
        duration = rng.choice([60, 90, 120, 120, 150])
        common = dict(id=job_id, exchange_id=exchange_of[state], provider_id=rng.randrange(1, 5000),
                      category=category, lat=lat, lon=lon, radius_km=radius, places=rng.choice([1, 1, 1, 2, 3]))
        if rng.random() < 0.6:
            day = TODAY + timedelta(days=rng.randrange(DAYS))
            start = datetime.combine(day, clock(rng.randint(9, 18), rng.choice([0, 30])))
            jobs.append(Job(**common, starts_at=start, ends_at=start + timedelta(minutes=duration)))
        else:
            first = TODAY + timedelta(days=rng.randrange(DAYS - 2))
            last = min(first + timedelta(days=rng.randint(1, 6)), TODAY + timedelta(days=DAYS - 1))
            jobs.append(Job(**common, window_start=first, window_end=last, duration_minutes=duration))
    return jobs


def _distance(lat1, lon1, lat2, lon2) -> float:
    from matching.geo import haversine_km

    return haversine_km(lat1, lon1, lat2, lon2)


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - started) * 1000.0, result


def main() -> int:
    if not POSTCODES.exists():
        print(f"missing {POSTCODES} (the shared reference data beside the project)", file=sys.stderr)
        return 1
    rng = random.Random(SEED)
    postcodes = load_postcodes(POSTCODES)
    states = sorted({p[1] for p in postcodes})
    exchange_of = {state: number for number, state in enumerate(states, start=1)}
    policies = {number: Policy(holiday_state=state) for state, number in exchange_of.items()}

    started = time.perf_counter()
    teens = make_teens(rng, postcodes, exchange_of)
    jobs = make_jobs(rng, postcodes, exchange_of)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    snapshot = engine.Snapshot(teens=teens, jobs=jobs, policies=policies, now=NOW)
    built = time.perf_counter() - started

    per_state = defaultdict(int)
    for teen in teens:
        per_state[teen.exchange_id] += 1
    largest = max(per_state.items(), key=lambda item: item[1])
    print(f"postcodes (public, one centroid each): {len(postcodes)}")
    print(f"exchanges: {len(states)} (one per German state: the hardest realistic case, "
          f"a whole state as one exchange; largest {states[largest[0] - 1]} with {largest[1]} teens)")
    print(f"population: {len(teens)} teens, {len(jobs)} open jobs within {DAYS} days from {TODAY} (seed {SEED})")
    print(f"population_generated_in: {generated:.2f} s")
    print(f"snapshot_build: {built:.2f} s")

    job_sample = rng.sample(jobs, QUERIES + WARMUP)
    teen_sample = rng.sample([t for t in teens if t.active], QUERIES + WARMUP)

    for job in job_sample[:WARMUP]:
        engine.teens_for_job(snapshot, job.id)
    job_times, found = [], []
    for job in job_sample[WARMUP:]:
        elapsed, result = timed(engine.teens_for_job, snapshot, job.id)
        job_times.append(elapsed)
        found.append(len(result))
    print(f"teens_for_job_100k_median: {statistics.median(job_times):.2f} ms")
    print(f"teens_for_job_100k_p95: {p95(job_times):.2f} ms")
    print(f"teens_for_job_100k_max: {max(job_times):.2f} ms")
    print(f"teens_for_job_candidates_mean: {statistics.fmean(found):.1f} teens")

    # The dense case on top of the random sample: jobs in the city states, where one 25 km
    # circle holds a whole state's teens.
    city_exchanges = {exchange_of[state] for state in CITY_STATES if state in exchange_of}
    city_jobs = rng.sample([j for j in jobs if j.exchange_id in city_exchanges], CITY_QUERIES)
    city_times, found = [], []
    for job in city_jobs:
        elapsed, result = timed(engine.teens_for_job, snapshot, job.id)
        city_times.append(elapsed)
        found.append(len(result))
    print(f"teens_for_job_100k_city_median: {statistics.median(city_times):.2f} ms")
    print(f"teens_for_job_100k_city_p95: {p95(city_times):.2f} ms")
    print(f"teens_for_job_city_candidates_mean: {statistics.fmean(found):.1f} teens")

    for teen in teen_sample[:WARMUP]:
        engine.jobs_for_teen(snapshot, teen.id)
    teen_times, found = [], []
    for teen in teen_sample[WARMUP:]:
        elapsed, result = timed(engine.jobs_for_teen, snapshot, teen.id)
        teen_times.append(elapsed)
        found.append(len(result))
    print(f"jobs_for_teen_10k_median: {statistics.median(teen_times):.2f} ms")
    print(f"jobs_for_teen_10k_p95: {p95(teen_times):.2f} ms")
    print(f"jobs_for_teen_feed_mean: {statistics.fmean(found):.1f} jobs")

    # The baseline checks every teen, so it runs on fewer jobs; the speedup compares both on the
    # same jobs, and both must give the very same list.
    naive_times, indexed_times = [], []
    for job in job_sample[WARMUP:WARMUP + NAIVE_QUERIES]:
        naive_elapsed, naive = timed(engine.naive_teens_for_job, snapshot, job.id)
        indexed_elapsed, indexed = timed(engine.teens_for_job, snapshot, job.id)
        if indexed != naive:
            raise SystemExit(f"job {job.id}: indexed and naive candidates differ")
        naive_times.append(naive_elapsed)
        indexed_times.append(indexed_elapsed)
    for teen in teen_sample[WARMUP:WARMUP + NAIVE_FEEDS]:
        if engine.jobs_for_teen(snapshot, teen.id) != engine.naive_jobs_for_teen(snapshot, teen.id):
            raise SystemExit(f"teen {teen.id}: indexed and naive feed differ")
    naive_median = statistics.median(naive_times)
    print(f"naive_teens_for_job_100k_median: {naive_median:.2f} ms")
    print(f"speedup_vs_naive_100k: {naive_median / statistics.median(indexed_times):.1f} x")
    print(f"naive_equals_indexed: {NAIVE_QUERIES} jobs, {NAIVE_FEEDS} feeds")

    # --- the batch proposal: 1,000 open places and 10,000 teens of one exchange -------------
    # The largest state's exchange: 10,000 of its teens and its first jobs up to 1,000 places.
    # Timed end to end: candidates from the rules for every job, then the exact optimiser.
    biggest = largest[0]
    exchange_teens = [t for t in teens if t.exchange_id == biggest]
    propose_teens = rng.sample(exchange_teens, min(PROPOSE_TEENS, len(exchange_teens)))
    propose_jobs, open_places = [], 0
    for job in sorted((j for j in jobs if j.exchange_id == biggest), key=lambda j: j.id):
        take = min(job.places, PROPOSE_PLACES - open_places)
        if take <= 0:
            break
        propose_jobs.append(replace(job, places=take))
        open_places += take
    propose_snapshot = engine.Snapshot(teens=propose_teens, jobs=propose_jobs, policies=policies, now=NOW)
    propose_times, proposal = [], None
    for _ in range(PROPOSE_RUNS):
        elapsed, proposal = timed(engine.propose, propose_snapshot)
        propose_times.append(elapsed)
    print(f"propose_1k_places_10k_teens: {statistics.median(propose_times) / 1000:.2f} s")
    print(f"propose_optimal: {proposal.optimal} ({proposal.filled} of {proposal.places_open} places filled, "
          f"{len(propose_teens)} teens, {len(propose_jobs)} jobs)")
    print(f"propose_method: {proposal.method}")

    # A dense variant: one exchange of 25 km around Cologne with 10,000 teens and 1,000 places,
    # where many teens compete for the same jobs and the optimiser has real work to do.
    center = (50.9375, 6.9603)
    near = [p for p in postcodes if _distance(p[2], p[3], *center) <= DENSE_RADIUS_KM]
    dense_exchange = {state: DENSE_EXCHANGE for state in {p[1] for p in near}}
    dense_teens = make_teens(rng, near, dense_exchange, count=PROPOSE_TEENS)
    dense_jobs, open_places = [], 0
    for job in make_jobs(rng, near, dense_exchange, count=PROPOSE_PLACES):
        take = min(job.places, PROPOSE_PLACES - open_places)
        if take <= 0:
            break
        dense_jobs.append(replace(job, places=take))
        open_places += take
    dense_snapshot = engine.Snapshot(teens=dense_teens, jobs=dense_jobs,
                                     policies={DENSE_EXCHANGE: Policy(holiday_state="NW")}, now=NOW)
    dense_times = []
    for _ in range(PROPOSE_RUNS):
        elapsed, proposal = timed(engine.propose, dense_snapshot)
        dense_times.append(elapsed)
    print(f"propose_dense_1k_places_10k_teens: {statistics.median(dense_times) / 1000:.2f} s")
    print(f"propose_dense_optimal: {proposal.optimal} ({proposal.filled} of {proposal.places_open} places "
          f"filled, {len(dense_teens)} teens within {DENSE_RADIUS_KM} km of Cologne, {len(dense_jobs)} jobs)")
    print(f"propose_dense_method: {proposal.method}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
