"""matching.optimise: the batch proposal equals brute force on small random cases, beats greedy
where greedy is wrong, and keeps every constraint. Pure Python, no database."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

from matching import optimise as opt_module
from matching.optimise import Option, Solution, greedy, optimise

MONDAY = date(2026, 11, 16)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    d = MONDAY + timedelta(days=day)
    return datetime(d.year, d.month, d.day, hour, minute)


def periods_for(start: datetime) -> tuple[tuple[str, object], ...]:
    iso = start.date().isocalendar()
    return (("day", start.date()), ("week", (iso.year, iso.week)))


def opt(teen: int, job: int, score: float, start: datetime, minutes: int, periods=None) -> Option:
    return Option(
        teen, job, score, start, start + timedelta(minutes=minutes), periods_for(start) if periods is None else periods
    )


# --- an independent checker and brute force (they share no code with the module) --------------


def violations(chosen, places, capacity) -> list[str]:
    capacity = capacity or {}
    problems = []
    per_job = defaultdict(int)
    pairs = set()
    used = defaultdict(int)
    per_teen = defaultdict(list)
    for o in chosen:
        per_job[o.job_id] += 1
        if (o.teen_id, o.job_id) in pairs:
            problems.append(f"teen {o.teen_id} twice on job {o.job_id}")
        pairs.add((o.teen_id, o.job_id))
        minutes = (o.end - o.start).total_seconds() / 60
        for kind, key in set(o.periods):
            used[(o.teen_id, kind, key)] += minutes
        per_teen[o.teen_id].append(o)
    for job, n in per_job.items():
        if n > places.get(job, 0):
            problems.append(f"job {job}: {n} > {places.get(job, 0)} places")
    for key, minutes in used.items():
        if key in capacity and (capacity[key] <= 0 or minutes > capacity[key]):
            problems.append(f"cap {key}: {minutes} > {capacity[key]}")
    for teen, opts in per_teen.items():
        for a, b in itertools.combinations(opts, 2):
            if a.start < b.end and b.start < a.end and a.end > a.start and b.end > b.start:
                problems.append(f"teen {teen}: {a.start}-{a.end} overlaps {b.start}-{b.end}")
    return problems


def brute_force(options, places, capacity) -> tuple[int, float]:
    """Lexicographic max (filled, total score) over all feasible subsets."""
    best = (0, 0.0)
    n = len(options)
    for r in range(1, n + 1):
        for subset in itertools.combinations(options, r):
            if violations(subset, places, capacity):
                continue
            value = (len(subset), sum(o.score for o in subset))
            if value[0] > best[0] or (value[0] == best[0] and value[1] > best[1] + 1e-9):
                best = value
    return best


def random_case(rng: random.Random, *, n_opts_max: int = 11, decimals: int | None = 2):
    n_jobs = rng.randint(1, 5)
    n_teens = rng.randint(1, 4) if rng.random() < 0.7 else rng.randint(2, 6)
    places = {j: rng.choice((0, 1, 1, 1, 2, 2, 3)) for j in range(n_jobs)}
    if rng.random() < 0.2:
        places.pop(rng.randrange(n_jobs), None)  # a job without an entry has no place
    job_time = {}
    for j in range(n_jobs):
        day = rng.choice((0, 0, 1, 7))
        job_time[j] = (at(day, rng.choice((14, 15, 16)), rng.choice((0, 30))), rng.choice((30, 60, 90, 120)))
    base = [rng.uniform(0, 70) for _ in range(n_teens)]
    options = []
    n_opts = rng.randint(0, n_opts_max) if rng.random() < 0.3 else rng.randint(n_opts_max // 2, n_opts_max)
    for _ in range(n_opts):
        t, j = rng.randrange(n_teens), rng.randrange(n_jobs)
        start, minutes = job_time[j]
        if rng.random() < 0.25:  # a flexible job: another suggested time for this teen
            start = start + timedelta(minutes=rng.choice((-60, -30, 30, 60)))
        score = min(100.0, base[t] + rng.uniform(0, 30))  # some teens are stars for every job
        score = round(score, decimals) if decimals is not None else score
        options.append(opt(t, j, score, start, minutes))
    capacity = {}
    for o in options:
        for kind, key in o.periods:
            ck = (o.teen_id, kind, key)
            if ck not in capacity and rng.random() < 0.6:
                if kind == "day":
                    capacity[ck] = rng.choice((-30, 0, 30, 60, 90, 120, 120, 150, 150, 180, 180, 240))
                else:
                    capacity[ck] = rng.choice((0, 60, 120, 150, 180, 180, 210, 240, 600))
    return options, places, capacity


def assert_valid(sol: Solution, options, places, capacity):
    assert not violations(sol.chosen, places, capacity)
    ids = {id(o) for o in options}
    assert all(id(o) in ids for o in sol.chosen), "an option not in the input"
    assert sol.filled == len(sol.chosen)
    assert sol.total_score == pytest.approx(sum(o.score for o in sol.chosen))


# --- equal to brute force ---------------------------------------------------------------------


def _no_pruning(*args, **kwargs):
    return []


def _no_flow(*args, **kwargs):
    return None


MODES = {
    "default": {},
    # every reduction off: the plain CP-SAT model (and the flow) must be right on their own
    "no_pruning": {"_dominated": _no_pruning},
    "cpsat_only": {"_dominated": _no_pruning, "_solve_flow": _no_flow},
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_equals_brute_force_on_small_random_cases(mode, monkeypatch):
    for name, replacement in MODES[mode].items():
        monkeypatch.setattr(opt_module, name, replacement)
    rng = random.Random(20261116)
    greedy_worse = 0
    for case in range(120):
        options, places, capacity = random_case(rng)
        sol = optimise(options, places, capacity, workers=1)
        assert_valid(sol, options, places, capacity)
        filled, total = brute_force(options, places, capacity)
        assert sol.optimal, case
        assert sol.filled == filled, (case, options, places, capacity)
        # scores have two decimals, so scaling by 100 is exact
        assert sol.total_score == pytest.approx(total, abs=1e-6), (case, options, places, capacity)
        g = greedy(options, places, capacity)
        assert_valid(g, options, places, capacity)
        assert (g.filled, g.total_score) <= (sol.filled, sol.total_score + 1e-6)
        greedy_worse += (g.filled, g.total_score + 1e-6) < (sol.filled, sol.total_score)
    assert greedy_worse >= 3  # the cases include ones where greedy is wrong


def test_equals_brute_force_up_to_score_rounding():
    """Arbitrary float scores are optimised at 0.01 resolution: at most 0.005 per chosen option
    lost against the float optimum, never a place."""
    rng = random.Random(7)
    for _ in range(60):
        options, places, capacity = random_case(rng, decimals=None)
        sol = optimise(options, places, capacity)
        filled, total = brute_force(options, places, capacity)
        assert sol.filled == filled
        assert sol.total_score >= total - 0.01 * max(1, filled) - 1e-9
        assert sol.total_score <= total + 1e-9


def test_all_solver_paths_are_exercised():
    """The random cases above reach CP-SAT, the min-cost flow and the direct path."""
    rng = random.Random(20261116)
    seen = {"CP-SAT": 0, "flow": 0, "direct": 0}
    for _ in range(120):
        options, places, capacity = random_case(rng)
        method = optimise(options, places, capacity).method
        counts = method.split(":")[-1]
        cp, flow, direct = (int(part.strip().split()[0]) for part in counts.split(","))
        seen["CP-SAT"] += cp
        seen["flow"] += flow
        seen["direct"] += direct
    assert all(seen.values()), seen


# --- greedy is wrong here, the optimiser is not ------------------------------------------------


def test_beats_greedy_when_the_best_teen_overlaps():
    """Teen A is best for jobs 1 and 2 but they overlap; teen B fits only job 1. Greedy gives
    A->1 and leaves job 2 empty; the optimum is B->1, A->2."""
    a1 = opt(1, 1, 90, at(0, 15), 60)
    a2 = opt(1, 2, 85, at(0, 15, 30), 60)
    b1 = opt(2, 1, 40, at(0, 15), 60)
    options, places = [a1, a2, b1], {1: 1, 2: 1}
    g = greedy(options, places)
    assert set(g.chosen) == {a1}
    sol = optimise(options, places)
    assert set(sol.chosen) == {b1, a2}
    assert sol.filled == 2 > g.filled
    assert sol.optimal


def test_beats_greedy_when_the_best_teen_hits_her_day_cap():
    """Same trap through the day cap: A has 90 minutes left today, both jobs take 60."""
    a1 = opt(1, 1, 90, at(0, 14), 60)
    a2 = opt(1, 2, 85, at(0, 16), 60)
    b1 = opt(2, 1, 40, at(0, 14), 60)
    cap = {(1, "day", at(0, 0).date()): 90}
    g = greedy([a1, a2, b1], {1: 1, 2: 1}, cap)
    sol = optimise([a1, a2, b1], {1: 1, 2: 1}, cap)
    assert set(g.chosen) == {a1}
    assert set(sol.chosen) == {b1, a2}


def test_beats_greedy_on_score_with_all_places_filled():
    """Both fill the two places, but greedy's first pick forces a poor second one."""
    a1 = opt(1, 1, 80, at(0, 15), 60)
    a2 = opt(1, 2, 79, at(0, 15), 60)
    b1 = opt(2, 1, 78, at(0, 15), 60)
    c2 = opt(3, 2, 10, at(0, 15), 60)
    options, places = [a1, a2, b1, c2], {1: 1, 2: 1}
    g = greedy(options, places)
    sol = optimise(options, places)
    assert g.filled == sol.filled == 2
    assert g.total_score == pytest.approx(90)
    assert sol.total_score == pytest.approx(157)
    assert sol.total_score > g.total_score


def test_places_come_before_score():
    """One great pair against two poor ones: two filled places win."""
    a1 = opt(1, 1, 100, at(0, 15), 60)
    a2 = opt(1, 2, 1, at(0, 15), 60)
    b1 = opt(2, 1, 1, at(0, 15), 60)
    sol = optimise([a1, a2, b1], {1: 1, 2: 1})
    assert sol.filled == 2
    assert sol.total_score == pytest.approx(2)


def test_places_come_before_score_at_scale():
    """BIG must outweigh the whole score of a large component, not just one option."""
    options = []
    # 30 jobs, each with a top teen (100 points) whose options all overlap, and one weak teen
    for j in range(30):
        options.append(opt(0, j, 100, at(0, 15), 60))
        options.append(opt(100 + j, j, 0.01, at(0, 15), 60))
    options.append(opt(0, 99, 0.01, at(0, 15), 60))  # job 99: only the top teen can take it
    places = {j: 1 for j in range(30)} | {99: 1}
    sol = optimise(options, places)
    assert sol.filled == 31
    assert sol.optimal


# --- edges --------------------------------------------------------------------------------------


def test_empty_input():
    for sol in (optimise([], {}), optimise([], {1: 3}, {}), greedy([], {})):
        assert sol.chosen == () and sol.filled == 0 and sol.total_score == 0
    assert optimise([], {}).optimal


def test_teen_with_capacity_zero_is_never_chosen():
    day = at(0, 0).date()
    options = [opt(1, 1, 100, at(0, 15), 60), opt(2, 1, 1, at(0, 15), 60), opt(1, 2, 100, at(0, 17), 0)]
    for cap in (0, -15):
        capacity = {(1, "day", day): cap}
        for sol in (optimise(options, {1: 1, 2: 1}, capacity), greedy(options, {1: 1, 2: 1}, capacity)):
            assert all(o.teen_id != 1 for o in sol.chosen)
            assert [o.teen_id for o in sol.chosen] == [2]


def test_cap_for_a_period_the_option_does_not_count_against_is_ignored():
    capacity = {(1, "month", (2026, 11)): 0}
    sol = optimise([opt(1, 1, 50, at(0, 15), 60)], {1: 1}, capacity)
    assert sol.filled == 1


def test_touching_intervals_do_not_overlap():
    a = opt(1, 1, 50, at(0, 14), 60)
    b = opt(1, 2, 50, at(0, 15), 60)
    assert set(optimise([a, b], {1: 1, 2: 1}).chosen) == {a, b}
    assert set(greedy([a, b], {1: 1, 2: 1}).chosen) == {a, b}


def test_teen_at_most_once_per_job_even_at_two_times():
    a = opt(1, 1, 50, at(0, 14), 60)
    b = opt(1, 1, 60, at(1, 14), 60)
    sol = optimise([a, b], {1: 2})
    assert sol.chosen == (b,)
    assert greedy([a, b], {1: 2}).chosen == (b,)


def test_week_cap_across_days_is_a_knapsack():
    """300 minutes left this week: 120 + 150 fit, three of them do not."""
    opts_ = [opt(1, j, 50 + j, at(j, 15), m) for j, m in enumerate((120, 150, 180))]
    week = (opts_[0].periods[1][0], opts_[0].periods[1][1])
    capacity = {(1, *week): 300}
    places = {0: 1, 1: 1, 2: 1}
    sol = optimise(opts_, places, capacity)
    assert_valid(sol, opts_, places, capacity)
    # one alone fills one place; two fit: 120+150 (270) or 120+180 (300); the best score is 0+2
    assert sol.filled == 2
    assert {o.job_id for o in sol.chosen} == {0, 2}


def test_jobs_without_places_get_nobody():
    options = [opt(1, 1, 50, at(0, 14), 60), opt(2, 2, 50, at(0, 14), 60)]
    sol = optimise(options, {1: 0})
    assert sol.chosen == ()


def test_invalid_options_are_rejected():
    bad = Option(1, 1, 50, at(0, 15), at(0, 14))
    with pytest.raises(ValueError):
        optimise([bad], {1: 1})
    with pytest.raises(ValueError):
        optimise([opt(1, 1, math.nan, at(0, 15), 60)], {1: 1})


def test_deterministic():
    rng = random.Random(3)
    options, places, capacity = random_case(rng, n_opts_max=40)
    first = optimise(options, places, capacity)
    for _ in range(3):
        again = optimise(list(options), dict(places), dict(capacity))
        assert again.chosen == first.chosen


def test_time_limit_zero_still_returns_a_feasible_answer():
    """A component that needs CP-SAT with no time left falls back to greedy, not proven."""
    options = [opt(1, j, 50 + j, at(j, 15), m) for j, m in enumerate((120, 150, 180))]
    capacity = {(1, "week", options[0].periods[1][1]): 300}
    places = {0: 1, 1: 1, 2: 1}
    sol = optimise(options, places, capacity, time_limit_s=0)
    assert_valid(sol, options, places, capacity)
    assert not sol.optimal
    assert sol.filled >= 1


def test_method_and_timing_are_reported():
    sol = optimise([opt(1, 1, 50, at(0, 14), 60)], {1: 1})
    assert "CP-SAT" in sol.method and "lexicographic" in sol.method
    assert sol.seconds >= 0


def test_medium_instance_is_optimal_and_beats_or_ties_greedy():
    """A few hundred options with dense conflicts, as a smoke test of the large path."""
    rng = random.Random(11)
    options, places = [], {}
    for j in range(60):
        places[j] = rng.randint(1, 3)
        start = at(rng.randrange(3), rng.randrange(14, 18), rng.choice((0, 30)))
        minutes = rng.choice((60, 90, 120))
        for t in rng.sample(range(80), 8):
            options.append(opt(t, j, round(rng.uniform(0, 100), 2), start, minutes))
    capacity = {}
    for o in options:
        for kind, key in o.periods:
            capacity.setdefault((o.teen_id, kind, key), 120 if kind == "day" else 240)
    sol = optimise(options, places, capacity)
    g = greedy(options, places, capacity)
    assert_valid(sol, options, places, capacity)
    assert_valid(g, options, places, capacity)
    assert sol.optimal
    assert (sol.filled, sol.total_score) >= (g.filled, g.total_score - 1e-6)
    assert sol.seconds < 5


def test_reductions_agree_with_the_plain_model_on_larger_cases(monkeypatch):
    """Beyond brute-force size: pruning, components and the flow give the same optimum as one
    plain CP-SAT model per component without any reduction."""
    rng = random.Random(99)
    cases = [random_case(rng, n_opts_max=60) for _ in range(25)]
    reduced = [optimise(*case, workers=1) for case in cases]
    monkeypatch.setattr(opt_module, "_dominated", _no_pruning)
    monkeypatch.setattr(opt_module, "_solve_flow", _no_flow)
    for case, fast in zip(cases, reduced, strict=True):
        plain = optimise(*case, workers=1)
        assert fast.optimal and plain.optimal
        assert fast.filled == plain.filled
        assert fast.total_score == pytest.approx(plain.total_score, abs=1e-6)
