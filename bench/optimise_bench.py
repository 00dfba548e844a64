"""Micro-benchmark of matching.optimise on a synthetic instance of the size of issue 3's target:
about 1,000 open places (~600 jobs of 1-3 places) and 10,000 teens, 30-60 eligible teens per job
(chosen near the job, as the distance rule would), jobs of 60-180 minutes over one week with
overlapping times, and remaining day and week caps per teen (some already partly booked).

Run: .venv/bin/python bench/optimise_bench.py [--runs 3] [--seed 1] [--workers 2]
Prints `name: number unit` lines; the figure is the median wall time of optimise() over the runs
(instance building excluded), and the status of the last run. A second, much denser instance
(3,000 teens, jobs within two days) follows, where the reductions leave real work for CP-SAT.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.optimise import Option, greedy, optimise  # noqa: E402

DAY_CAP = 180  # policy minutes per day
WEEK_CAP = 480  # policy minutes per week
FIRST_DAY = date(2026, 11, 16)  # a Monday


def build(
    seed: int = 1,
    n_teens: int = 10_000,
    n_jobs: int = 600,
    area_km: float = 30.0,
    days: int = 7,
    per_job: tuple[int, int] = (30, 60),
    spread: bool = False,
):
    """Synthetic options, places and remaining caps. `spread` draws each job's candidates from all
    teens (no locality) and gives random scores: no structure for the solver to exploit."""
    rng = random.Random(seed)
    teens = [(rng.uniform(0, area_km), rng.uniform(0, area_km)) for _ in range(n_teens)]
    # A coarse grid of teens, to pick candidates near a job as the radius prefilter would.
    cell = 2.0
    grid: dict[tuple[int, int], list[int]] = {}
    for t, (x, y) in enumerate(teens):
        grid.setdefault((int(x // cell), int(y // cell)), []).append(t)

    places: dict[int, int] = {}
    options: list[Option] = []
    for job_id in range(n_jobs):
        places[job_id] = rng.choices((1, 2, 3), weights=(50, 33, 17))[0]
        jx, jy = rng.uniform(0, area_km), rng.uniform(0, area_km)
        day = FIRST_DAY + timedelta(days=rng.randrange(days))
        minutes = rng.choice((60, 90, 120, 150, 180))
        hour = rng.randrange(9, 18) if day.weekday() >= 5 else rng.randrange(14, 18)
        start = datetime(day.year, day.month, day.day, hour, rng.choice((0, 30)))
        end = start + timedelta(minutes=minutes)
        iso = day.isocalendar()
        periods = (("day", day), ("week", (iso.year, iso.week)))
        k = rng.randint(*per_job)
        if spread:
            pool = range(n_teens)
        else:
            cx, cy = int(jx // cell), int(jy // cell)
            near = [t for dx in (-1, 0, 1) for dy in (-1, 0, 1) for t in grid.get((cx + dx, cy + dy), ())]
            near.sort(key=lambda t: (teens[t][0] - jx) ** 2 + (teens[t][1] - jy) ** 2)
            pool = near[: int(k * 1.5)]
        for t in rng.sample(pool, min(k, len(pool))):
            dist = ((teens[t][0] - jx) ** 2 + (teens[t][1] - jy) ** 2) ** 0.5
            if spread:
                score = round(rng.uniform(0, 100), 2)
            else:
                score = round(max(0.0, min(100.0, 90 - 8 * dist + rng.uniform(-15, 15))), 2)
            options.append(Option(t, job_id, score, start, end, periods))

    # Remaining minutes: the policy cap less what some teens already booked elsewhere.
    capacity: dict[tuple[int, str, object], int] = {}
    crng = random.Random(seed + 1)
    for o in options:
        for kind, key in o.periods:
            ck = (o.teen_id, kind, key)
            if ck not in capacity:
                if kind == "day":
                    capacity[ck] = DAY_CAP - crng.choice((0, 0, 0, 0, 60, 90, 120, 180))
                else:
                    capacity[ck] = WEEK_CAP - crng.choice((0, 0, 0, 120, 240, 360))
    return options, places, capacity, n_teens


def overlapping_pairs(options: list[Option]) -> int:
    """Pairs of one teen's options that overlap in time (to show the instance has conflicts)."""
    per_teen: dict[int, list[Option]] = {}
    for o in options:
        per_teen.setdefault(o.teen_id, []).append(o)
    n = 0
    for opts in per_teen.values():
        opts.sort(key=lambda o: o.start)
        for i, a in enumerate(opts):
            for b in opts[i + 1 :]:
                if b.start >= a.end:
                    break
                n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--teens", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=600)
    ap.add_argument("--area", type=float, default=30.0, help="side of the square region in km")
    ap.add_argument("--days", type=int, default=7, help="days over which the jobs are spread")
    ap.add_argument("--per-job", type=int, nargs=2, default=(30, 60), help="eligible teens per job (min max)")
    ap.add_argument("--spread", action="store_true", help="candidates from all teens, random scores")
    ap.add_argument("--no-dense", action="store_true", help="skip the second, denser instance")
    args = ap.parse_args()

    options, places, capacity, n_teens = build(
        args.seed, args.teens, args.jobs, args.area, args.days, tuple(args.per_job), args.spread
    )
    print(f"places: {sum(places.values())} places")
    print(f"jobs: {len(places)} jobs")
    print(f"teens: {n_teens} teens")
    print(f"options: {len(options)} options")
    print(f"overlapping_pairs: {overlapping_pairs(options)} pairs")
    print(f"teens_with_options: {len({o.teen_id for o in options})} teens")
    sol, median, worst = measure(options, places, capacity, args)
    g = greedy(options, places, capacity)
    print(f"optimise_1k_places_10k_teens: {median:.2f} s")
    print(f"optimise_1k_places_10k_teens_max: {worst:.2f} s")
    print(f"optimise_status: {'OPTIMAL' if sol.optimal else 'FEASIBLE'}")
    print(f"optimise_filled: {sol.filled} places")
    print(f"optimise_total_score: {sol.total_score:.2f} points")
    print(f"greedy_filled: {g.filled} places")
    print(f"greedy_total_score: {g.total_score:.2f} points")
    print(f"greedy_seconds: {g.seconds:.2f} s")
    print(f"# method: {sol.method}")

    if not args.no_dense:
        # A much denser market, where few teens are free and CP-SAT does the real work:
        # 3,000 teens, the same ~600 jobs within two days and a 10 km square.
        options, places, capacity, _ = build(args.seed, 3_000, args.jobs, 10.0, 2, tuple(args.per_job))
        sol, median, worst = measure(options, places, capacity, args)
        g = greedy(options, places, capacity)
        print(f"dense_options: {len(options)} options")
        print(f"dense_overlapping_pairs: {overlapping_pairs(options)} pairs")
        print(f"optimise_dense_1k_places_3k_teens: {median:.2f} s")
        print(f"optimise_dense_status: {'OPTIMAL' if sol.optimal else 'FEASIBLE'}")
        print(f"optimise_dense_filled: {sol.filled} places")
        print(f"greedy_dense_filled: {g.filled} places")
        print(f"optimise_dense_total_score: {sol.total_score:.2f} points")
        print(f"greedy_dense_total_score: {g.total_score:.2f} points")
        print(f"# dense method: {sol.method}")


def measure(options, places, capacity, args):
    times: list[float] = []
    sol = None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        sol = optimise(options, places, capacity, time_limit_s=args.time_limit, workers=args.workers)
        times.append(time.perf_counter() - t0)
    assert sol is not None
    return sol, statistics.median(times), max(times)


if __name__ == "__main__":
    main()
