"""Property tests (hypothesis) of matching.optimise: whatever the input, the proposal never
exceeds a job's places, never breaks a cap, never overlaps a teen's times, never invents an
option, never uses a teen without capacity, and is never worse than greedy."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.optimise import Option, greedy, optimise

MONDAY = date(2026, 11, 16)
DAYS = [MONDAY + timedelta(days=d) for d in (0, 1, 2, 7)]


@st.composite
def instances(draw, max_options: int = 24):
    n_jobs = draw(st.integers(1, 6))
    n_teens = draw(st.integers(1, 6))
    places = draw(st.dictionaries(st.integers(0, n_jobs - 1), st.integers(-1, 3), max_size=n_jobs))
    options = []
    for _ in range(draw(st.integers(0, max_options))):
        day = draw(st.sampled_from(DAYS))
        start = datetime(day.year, day.month, day.day, draw(st.integers(8, 19)), draw(st.sampled_from((0, 15, 30, 45))))
        minutes = draw(st.sampled_from((0, 15, 30, 45, 60, 90, 120, 180)))
        iso = day.isocalendar()
        periods = draw(
            st.sampled_from(
                (
                    (("day", day), ("week", (iso.year, iso.week))),
                    (("day", day),),
                    (),
                    (("day", day), ("week", (iso.year, iso.week)), ("month", (day.year, day.month))),
                )
            )
        )
        options.append(
            Option(
                teen_id=draw(st.integers(0, n_teens - 1)),
                job_id=draw(st.integers(0, n_jobs - 1)),
                score=draw(st.floats(0, 100, allow_nan=False)),
                start=start,
                end=start + timedelta(minutes=minutes),
                periods=periods,
            )
        )
    keys = sorted({(o.teen_id, kind, key) for o in options for kind, key in o.periods}, key=repr)
    capacity = {}
    for key in keys:
        value = draw(st.one_of(st.none(), st.integers(-30, 300)))
        if value is not None:
            capacity[key] = value
    return options, places, capacity


def check(solution, options, places, capacity):
    chosen = solution.chosen
    # never an option that is not in the input (the very objects)
    ids = {id(o) for o in options}
    assert all(id(o) in ids for o in chosen)
    assert len({id(o) for o in chosen}) == len(chosen)
    assert solution.filled == len(chosen)
    # never more than a job's places, never a teen twice on a job
    per_job = defaultdict(int)
    for o in chosen:
        per_job[o.job_id] += 1
    assert all(n <= places.get(job, 0) for job, n in per_job.items())
    assert len({(o.teen_id, o.job_id) for o in chosen}) == len(chosen)
    # never a broken cap, never a teen whose capacity is used up
    used = defaultdict(float)
    for o in chosen:
        for kind, key in set(o.periods):
            used[(o.teen_id, kind, key)] += (o.end - o.start).total_seconds() / 60
    for key, minutes in used.items():
        if key in capacity:
            assert capacity[key] > 0, f"{key} has no capacity"
            assert minutes <= capacity[key], f"{key}: {minutes} > {capacity[key]}"
    # never two overlapping times for one teen
    per_teen = defaultdict(list)
    for o in chosen:
        per_teen[o.teen_id].append(o)
    for opts in per_teen.values():
        for a, b in itertools.combinations(opts, 2):
            assert not (a.start < b.end and b.start < a.end and a.end > a.start and b.end > b.start), (a, b)


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_proposal_keeps_every_constraint(case):
    options, places, capacity = case
    sol = optimise(options, places, capacity, workers=1)
    check(sol, options, places, capacity)
    assert sol.optimal


@FAST
@given(instances())
def test_greedy_keeps_every_constraint_and_is_never_better(case):
    options, places, capacity = case
    g = greedy(options, places, capacity)
    check(g, options, places, capacity)
    sol = optimise(options, places, capacity, workers=1)
    assert sol.filled >= g.filled
    if sol.filled == g.filled:
        # the optimiser works on scores rounded to 0.01
        assert sol.total_score >= g.total_score - 0.01 * max(1, sol.filled)


@settings(max_examples=60, deadline=None)
@given(instances(), st.data())
def test_teen_without_capacity_is_never_chosen(case, data):
    options, places, capacity = case
    if not options:
        return
    teen = data.draw(st.sampled_from(sorted({o.teen_id for o in options})))
    capacity = dict(capacity)
    for o in options:
        if o.teen_id == teen:
            for kind, key in o.periods:
                capacity[(teen, kind, key)] = data.draw(st.integers(-60, 0))
    for sol in (optimise(options, places, capacity), greedy(options, places, capacity)):
        # she can only be given what counts against no period at all
        assert all(not o.periods for o in sol.chosen if o.teen_id == teen)


@settings(max_examples=40, deadline=None)
@given(instances(max_options=10))
def test_input_order_does_not_change_the_optimum(case):
    options, places, capacity = case
    a = optimise(options, places, capacity, workers=1)
    b = optimise(list(reversed(options)), places, capacity, workers=1)
    assert a.filled == b.filled
    assert abs(a.total_score - b.total_score) <= 0.01 * max(1, a.filled)


def test_empty_input():
    sol = optimise([], {})
    assert sol.chosen == () and sol.filled == 0 and sol.total_score == 0 and sol.optimal
