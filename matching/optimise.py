"""The batch proposal as an exact optimisation: fill as many open places as possible, then take
the highest total score, under every per-teen constraint.

Problem
-------
The engine hands in *options*: an eligible (teen, job, time) with a score (0..100) and the cap
periods it counts against (day, week, month...). Choose a subset such that

* each job gets at most ``places[job_id]`` teens, and a teen at most once per job;
* for each teen and each capacity key ``(teen_id, kind, key)`` the minutes of her chosen options
  counting against that key stay within the remaining capacity (missing key = unlimited,
  ``<= 0`` = nothing more). Minutes of an option = ``end - start``, rounded *up* to whole minutes
  (whole-minute times, as everywhere in the product, are exact);
* a teen's chosen options do not overlap in time (half-open intervals ``[start, end)``: one job
  may end exactly when the next starts).

Objective, lexicographic: first the number of filled places, then the total score. Scores are
scaled by 100 and rounded to integers (resolution 0.01 score points; two solutions whose totals
differ by less than the accumulated rounding, at most 0.005 per chosen option, may be ranked
either way). The two levels are folded into one integer weight per option, ``BIG + score``, with
``BIG`` larger than the spread of any feasible total score (proof at :func:`_big_m`).

Method
------
Without the teen-side constraints this would be a bipartite b-matching, i.e. a min-cost flow.
The per-teen day/week caps are knapsack constraints over minutes (two 60-minute jobs may fit a
120-minute day where a 90 and a 60 do not), and time overlaps make a teen's options an interval
conflict graph; together they are not a flow (the LP relaxation is fractional in general), so the
general case is solved with **CP-SAT** (OR-Tools): a Boolean per option, ``AddAtMostOne`` per
(teen, job) pair and per maximal clique of overlapping intervals (sweep over sorted start/end
points), a linear constraint per binding cap, ``<= places`` per job, and the weighted objective.
CP-SAT proves optimality (status ``OPTIMAL``); only then is ``Solution.optimal`` true.

Before that the instance is reduced and split, which is where the speed comes from:

1. options that can never be taken are dropped (job without open places; a cap ``<= 0`` or
   smaller than the option's own minutes), caps that all of a teen's options fit together are
   ignored, and a cap that no two of her options fit together becomes an at-most-one;
2. the at-most-one conflicts of each teen are merged: if they form disjoint cliques (a "cluster
   graph", e.g. "at most one job that Saturday") each clique is one group;
3. dominated options are dropped (proof at :func:`_dominated`): an option is *free* when its
   teen has no constraint involving it; if a job has at least ``places`` free options, every
   other option of that job that scores no better than the ``places``-th best free one can be
   swapped for a free one in any solution, so it is never needed. Steps 1-3 repeat while this
   frees more teens. With 10,000 teens for 1,000 places most options go here;
4. jobs are linked only through teens who have a constraint across two of their options; the
   connected components of that graph are independent and solved one by one:

   * a component without any teen constraint (one job, teens free) is solved directly: the best
     ``places`` options by score;
   * the **special case** in which every teen constraint is a group of mutually exclusive options
     (no knapsack cap) is exactly a max-flow/min-cost problem, source -> job (capacity places)
     -> group (capacity 1) -> sink; OR-Tools' ``SimpleMinCostFlow.SolveMaxFlowWithMinCost``
     gives the maximum number of places and, among those, the maximum score, in polynomial time;
   * everything else goes to CP-SAT, warm-started with the greedy solution of the component.
     CP-SAT's strength here is its LP relaxation (``max_lp`` subsolver, linearisation level 2):
     with the clique rows it is nearly tight and proves optimality within a second on the bench.

CP-SAT runs with a fixed random seed and the given number of workers. The optimum (places and
total score) is then exact and reproducible; which of several *equally good* assignments comes
back is reproducible with ``workers=1`` and may vary between runs with more workers (threads
race). If the time limit runs out first, the best solution found is returned with
``optimal=False`` (a component that CP-SAT did not reach falls back to greedy).

Scale (bench/optimise_bench.py, 2 cores): ~1,000 places, 10,000 teens, ~27,000 options, day
and week caps and overlapping times: well under a second, proven optimal.

:func:`greedy` is the naive baseline (highest score first, take it if it still fits); it is kept
to show, in the tests, where it loses places or score.
"""

from __future__ import annotations

import math
import time as _time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import ortools
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

__all__ = ["Option", "Solution", "optimise", "greedy", "SCORE_SCALE"]

#: Scores are multiplied by this and rounded to integers inside the solvers (0.01 resolution).
SCORE_SCALE = 100

CapKey = tuple[int, str, object]


@dataclass(frozen=True, slots=True)
class Option:
    """One eligible assignment the optimiser may choose."""

    teen_id: int
    job_id: int
    score: float  # 0..100, higher is better
    start: datetime  # naive local time
    end: datetime
    # cap periods this option counts against, e.g. (("day", date), ("week", (2026, 47)))
    periods: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class Solution:
    chosen: tuple[Option, ...]
    filled: int  # number of places filled
    total_score: float
    optimal: bool  # proven optimal by the solver
    method: str
    seconds: float


# --------------------------------------------------------------------------------------------
# Preparation: drop impossible options, derive each teen's constraints, find the components.
# --------------------------------------------------------------------------------------------


def _minutes(option: Option) -> int:
    seconds = (option.end - option.start).total_seconds()
    return math.ceil(seconds / 60 - 1e-9)


def _scaled(score: float) -> int:
    if not math.isfinite(score):
        raise ValueError(f"score must be finite, got {score!r}")
    return round(score * SCORE_SCALE)


@dataclass(slots=True)
class _Prepared:
    options: list[Option]  # the kept options; every index below refers to this list
    minutes: list[int]
    weight: list[int]  # scaled score
    # at-most-one groups (index lists, size >= 2) and knapsacks (indices, minutes, cap)
    groups: list[list[int]]
    knapsacks: list[tuple[list[int], list[int], int]]
    places: dict[int, int]


def _prepare(options: Sequence[Option], places: Mapping[int, int], capacity: Mapping[CapKey, int] | None) -> _Prepared:
    capacity = capacity or {}
    kept: list[Option] = []
    minutes: list[int] = []
    weight: list[int] = []
    capped_keys: list[tuple[tuple[str, object], ...]] = []
    for option in options:
        if option.end < option.start:
            raise ValueError(f"option ends before it starts: {option!r}")
        w = _scaled(option.score)
        if places.get(option.job_id, 0) <= 0:
            continue
        m = _minutes(option)
        keys: list[tuple[str, object]] = []
        ok = True
        for period in dict.fromkeys(option.periods):  # each period counts once
            cap = capacity.get((option.teen_id, period[0], period[1]))
            if cap is None:
                continue
            if cap <= 0 or m > cap:
                ok = False
                break
            keys.append(period)
        if not ok:
            continue
        kept.append(option)
        minutes.append(m)
        weight.append(w)
        capped_keys.append(tuple(keys))

    by_teen: dict[int, list[int]] = defaultdict(list)
    for i, option in enumerate(kept):
        by_teen[option.teen_id].append(i)
    by_job: dict[int, list[int]] = defaultdict(list)
    for i, option in enumerate(kept):
        by_job[option.job_id].append(i)

    # Derive the teens' constraints, drop dominated options, and repeat while that frees more
    # teens (a teen whose options no longer conflict imposes nothing).
    alive = [True] * len(kept)
    teen_constraints: dict[int, tuple[list[list[int]], list[tuple[list[int], list[int], int]]]] = {}
    dirty = set(by_teen)
    while True:
        for teen_id in dirty:
            idx = [i for i in by_teen[teen_id] if alive[i]]
            teen_constraints[teen_id] = _teen_constraints(teen_id, idx, kept, minutes, capped_keys, capacity)
        constrained: set[int] = set()
        for groups, knapsacks in teen_constraints.values():
            for g in groups:
                constrained.update(g)
            for k in knapsacks:
                constrained.update(k[0])
        removed = _dominated(by_job, alive, constrained, weight, kept, places)
        if not removed:
            break
        for i in removed:
            alive[i] = False
        dirty = {kept[i].teen_id for i in removed}

    # Renumber the surviving options.
    new_index: dict[int, int] = {}
    for i, a in enumerate(alive):
        if a:
            new_index[i] = len(new_index)
    groups_out = [[new_index[i] for i in g] for gs, _ in teen_constraints.values() for g in gs]
    knaps_out = [
        ([new_index[i] for i in members], mins, cap) for _, ks in teen_constraints.values() for members, mins, cap in ks
    ]
    return _Prepared(
        [kept[i] for i in new_index],
        [minutes[i] for i in new_index],
        [weight[i] for i in new_index],
        groups_out,
        knaps_out,
        dict(places),
    )


def _teen_constraints(
    teen_id: int,
    idx: list[int],
    kept: list[Option],
    minutes: list[int],
    capped_keys: list[tuple[tuple[str, object], ...]],
    capacity: Mapping[CapKey, int],
) -> tuple[list[list[int]], list[tuple[list[int], list[int], int]]]:
    """One teen's at-most-one groups and binding caps over her options `idx`."""
    if len(idx) < 2:
        return [], []
    cliques: list[list[int]] = []
    knapsacks: list[tuple[list[int], list[int], int]] = []
    # (1) a teen at most once per job
    per_job: dict[int, list[int]] = defaultdict(list)
    for i in idx:
        per_job[kept[i].job_id].append(i)
    cliques.extend(v for v in per_job.values() if len(v) > 1)
    # (2) no overlap: the maximal cliques of the interval graph, by a sweep in which an end at
    # time t comes before a start at t (touching intervals do not overlap). A clique is emitted
    # when an interval is about to end and some interval started since the last emission.
    events: list[tuple[datetime, int, int]] = []
    for i in idx:
        if kept[i].end > kept[i].start:
            events.append((kept[i].start, 1, i))
            events.append((kept[i].end, 0, i))
    events.sort()
    active: dict[int, None] = {}
    grown = False
    for _, is_start, i in events:
        if is_start:
            active[i] = None
            grown = True
        else:
            if grown and len(active) > 1:
                cliques.append(list(active))
            grown = False
            del active[i]
    # (3) caps that bind
    per_key: dict[tuple[str, object], list[int]] = defaultdict(list)
    for i in idx:
        for key in capped_keys[i]:
            per_key[key].append(i)
    for key, members in per_key.items():
        if len(members) < 2:
            continue
        cap = capacity[(teen_id, key[0], key[1])]
        mins = sorted(minutes[i] for i in members)
        if sum(mins) <= cap:
            continue  # all of them fit: the cap cannot bind
        if mins[0] + mins[1] > cap:
            cliques.append(list(members))  # no two fit: at most one
        else:
            knapsacks.append((list(members), [minutes[i] for i in members], cap))
    return _merge_cliques(cliques), knapsacks


def _dominated(
    by_job: Mapping[int, list[int]],
    alive: list[bool],
    constrained: set[int],
    weight: list[int],
    kept: list[Option],
    places: Mapping[int, int],
) -> list[int]:
    """Options that some optimal solution never needs.

    Call an option *free* if it is in no teen constraint (its teen can take it whatever else she
    takes). If job j has at least p = places[j] free options, let T be the p best of them and w
    the smallest weight in T. Every other option k of j with weight <= w can go: in a solution
    that takes k, job j holds at most p options, k among them, so some f in T is not taken;
    swapping k for f keeps every constraint (f is free, and j loses one and gains one) and the
    number of places, and does not lower the score. Repeating the swap removes all such options
    from an optimal solution without ever adding one."""
    removed: list[int] = []
    for job_id, all_idx in by_job.items():
        p = places[job_id]
        idx = [i for i in all_idx if alive[i]]
        if len(idx) <= p:
            continue
        free = [i for i in idx if i not in constrained]
        if len(free) < p:
            continue
        free.sort(key=lambda i: (-weight[i], _order_key(kept[i])))
        top = set(free[:p])
        floor = weight[free[p - 1]]
        removed.extend(i for i in idx if i not in top and weight[i] <= floor)
    return removed


def _merge_cliques(cliques: list[list[int]]) -> list[list[int]]:
    """One teen's at-most-one sets. Where the conflicts form disjoint cliques (a cluster graph)
    each clique becomes one group; otherwise the (deduplicated) sets are kept as they are."""
    if len(cliques) <= 1:
        return [sorted(set(c)) for c in cliques]
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs: set[tuple[int, int]] = set()
    for clique in cliques:
        c = sorted(set(clique))
        for a in c[1:]:
            parent[find(a)] = find(c[0])
        for x in range(len(c)):
            for y in range(x + 1, len(c)):
                pairs.add((c[x], c[y]))
    merged: dict[int, list[int]] = defaultdict(list)
    for x in list(parent):
        merged[find(x)].append(x)
    pairs_per_root: dict[int, int] = defaultdict(int)
    for a, _ in pairs:
        pairs_per_root[find(a)] += 1
    # a connected set of k options is a clique iff all k(k-1)/2 of its pairs conflict
    if all(len(m) * (len(m) - 1) // 2 == pairs_per_root[root] for root, m in merged.items()):
        return [sorted(m) for m in merged.values()]
    unique = {tuple(sorted(set(c))) for c in cliques}
    return [list(c) for c in sorted(unique)]


@dataclass(slots=True)
class _Component:
    jobs: list[int]
    options: list[int]
    groups: list[list[int]]
    knapsacks: list[tuple[list[int], list[int], int]]


def _components(prep: _Prepared) -> list[_Component]:
    """Jobs are linked only by teen constraints that span options of several jobs."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    opts = prep.options
    for option in opts:
        find(option.job_id)
    for members in [g for g in prep.groups] + [k[0] for k in prep.knapsacks]:
        root = find(opts[members[0]].job_id)
        for i in members[1:]:
            other = find(opts[i].job_id)
            if other != root:
                parent[other] = root
    comps: dict[int, _Component] = {}
    for job_id in parent:
        root = find(job_id)
        comps.setdefault(root, _Component([], [], [], [])).jobs.append(job_id)
    for i, option in enumerate(opts):
        comps[find(option.job_id)].options.append(i)
    for g in prep.groups:
        comps[find(opts[g[0]].job_id)].groups.append(g)
    for k in prep.knapsacks:
        comps[find(opts[k[0][0]].job_id)].knapsacks.append(k)
    # Largest first, so that the expensive components get the fresh time budget; ties by job id.
    return sorted(comps.values(), key=lambda c: (-len(c.options), min(c.jobs)))


# --------------------------------------------------------------------------------------------
# The lexicographic weight
# --------------------------------------------------------------------------------------------


def _big_m(prep: _Prepared, comp: _Component) -> int:
    """BIG such that one more filled place always beats any difference in total score.

    Proof. Any feasible solution puts at most ``places[j]`` options on job j, so its total
    scaled score lies in [LO, HI], where HI sums, per job, the ``places[j]`` largest positive
    weights of its options and LO the ``places[j]`` most negative ones (0 for the usual scores in
    0..100). With BIG = HI - LO + 1 and two feasible solutions x, y with filled(x) > filled(y):
    BIG*filled(x) + s(x) >= BIG*(filled(y) + 1) + LO = BIG*filled(y) + HI + 1 > BIG*filled(y) + s(y).
    So maximising sum(BIG + w_i) x_i maximises the number of filled places first and, among the
    solutions that fill that many, the total score. Per component, HI <= 10,000 * places, so the
    objective stays far below 2**63."""
    per_job: dict[int, list[int]] = defaultdict(list)
    for i in comp.options:
        per_job[prep.options[i].job_id].append(prep.weight[i])
    hi = lo = 0
    for job_id, ws in per_job.items():
        p = prep.places[job_id]
        ws.sort()
        hi += sum(w for w in ws[-p:] if w > 0)
        lo += sum(w for w in ws[:p] if w < 0)
    return hi - lo + 1


# --------------------------------------------------------------------------------------------
# Solvers per component
# --------------------------------------------------------------------------------------------


def _order_key(option: Option) -> tuple:
    return (-option.score, option.teen_id, option.job_id, option.start, option.end)


def _solve_direct(prep: _Prepared, comp: _Component) -> list[int]:
    """No teen constraint at all: every job independently takes its best options."""
    per_job: dict[int, list[int]] = defaultdict(list)
    for i in comp.options:
        per_job[prep.options[i].job_id].append(i)
    chosen: list[int] = []
    for job_id, idx in per_job.items():
        idx.sort(key=lambda i: (-prep.weight[i], _order_key(prep.options[i])))
        chosen.extend(idx[: prep.places[job_id]])
    return chosen


def _solve_flow(prep: _Prepared, comp: _Component) -> list[int] | None:
    """Every teen constraint is a group of mutually exclusive options (the groups are disjoint):
    max flow with min cost on source -> job -> group -> sink. None if the solver fails."""
    grouped = [i for g in comp.groups for i in g]
    if len(grouped) != len(set(grouped)):
        return None  # overlapping at-most-one sets: not a flow
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    node = 2
    job_node: dict[int, int] = {}
    for job_id in comp.jobs:
        job_node[job_id] = node
        node += 1
    group_of: dict[int, int] = {}
    for g in comp.groups:
        for i in g:
            group_of[i] = node
        node += 1
    for job_id, n in job_node.items():
        flow.add_arc_with_capacity_and_unit_cost(source, n, prep.places[job_id], 0)
    for g in comp.groups:
        flow.add_arc_with_capacity_and_unit_cost(group_of[g[0]], sink, 1, 0)
    arc_option: dict[int, int] = {}
    for i in comp.options:
        head = group_of.get(i, sink)
        arc = flow.add_arc_with_capacity_and_unit_cost(job_node[prep.options[i].job_id], head, 1, -prep.weight[i])
        arc_option[arc] = i
    total = sum(prep.places[job_id] for job_id in comp.jobs)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    # Sends as much as possible from source to sink (the most places), and among the maximum
    # flows one of minimum cost (the highest score).
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        return None
    return [i for arc, i in arc_option.items() if flow.flow(arc) > 0]


def _greedy_indices(prep: _Prepared, idx: Iterable[int], capacity: Mapping[CapKey, int]) -> list[int]:
    """Highest score first, take it if it still fits (on the prepared options)."""
    order = sorted(idx, key=lambda i: (-prep.weight[i], _order_key(prep.options[i])))
    return _take_in_order(prep.options, order, prep.places, capacity, prep.minutes)


def _take_in_order(
    options: Sequence[Option],
    order: Iterable[int],
    places: Mapping[int, int],
    capacity: Mapping[CapKey, int],
    minutes: Sequence[int],
) -> list[int]:
    left = dict(places)
    used: dict[CapKey, int] = defaultdict(int)
    teen_jobs: set[tuple[int, int]] = set()
    teen_times: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    chosen: list[int] = []
    for i in order:
        o = options[i]
        if left.get(o.job_id, 0) <= 0 or (o.teen_id, o.job_id) in teen_jobs:
            continue
        if any(o.start < e and s < o.end for s, e in teen_times[o.teen_id]):
            continue
        keys = [(o.teen_id, k, v) for k, v in dict.fromkeys(o.periods)]
        if any(key in capacity and (capacity[key] <= 0 or used[key] + minutes[i] > capacity[key]) for key in keys):
            continue
        chosen.append(i)
        left[o.job_id] -= 1
        teen_jobs.add((o.teen_id, o.job_id))
        if o.end > o.start:
            teen_times[o.teen_id].append((o.start, o.end))
        for key in keys:
            used[key] += minutes[i]
    return chosen


def _solve_cpsat(
    prep: _Prepared,
    comp: _Component,
    capacity: Mapping[CapKey, int],
    time_limit_s: float,
    workers: int,
) -> tuple[list[int], bool]:
    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"x{i}") for i in comp.options]
    x = dict(zip(comp.options, xs, strict=True))
    per_job: dict[int, list[int]] = defaultdict(list)
    for i in comp.options:
        per_job[prep.options[i].job_id].append(i)
    for job_id, idx in per_job.items():
        if len(idx) > prep.places[job_id]:
            model.add(cp_model.LinearExpr.sum([x[i] for i in idx]) <= prep.places[job_id])
    for g in comp.groups:
        model.add_at_most_one([x[i] for i in g])
    for members, mins, cap in comp.knapsacks:
        model.add(cp_model.LinearExpr.weighted_sum([x[i] for i in members], mins) <= cap)
    big = _big_m(prep, comp)
    model.maximize(cp_model.LinearExpr.weighted_sum(xs, [big + prep.weight[i] for i in comp.options]))
    start = _greedy_indices(prep, comp.options, capacity)
    chosen_start = set(start)
    for i, var in x.items():
        model.add_hint(var, i in chosen_start)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = max(0.01, time_limit_s)
    solver.parameters.log_search_progress = False
    # The LP relaxation (at-most-one cliques, caps, places) is nearly tight on this problem and
    # is what proves optimality; the default portfolio at 2 workers runs only `default_lp`
    # (linearization level 1), whose LP misses the at-most-one rows after presolve and never
    # closes the gap. `max_lp` (level 2) does; one worker runs it as the main search.
    solver.parameters.linearization_level = 2
    solver.parameters.extra_subsolvers.append("max_lp")
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = [i for i in comp.options if solver.boolean_value(x[i])]
        return chosen, status == cp_model.OPTIMAL
    return start, False


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def _ortools_version() -> str:
    return ".".join(ortools.__version__.split(".")[:2])


def _solution(chosen: list[Option], optimal: bool, method: str, t0: float) -> Solution:
    chosen.sort(key=lambda o: (o.job_id, o.teen_id, o.start, o.end, -o.score))
    return Solution(
        chosen=tuple(chosen),
        filled=len(chosen),
        total_score=math.fsum(o.score for o in chosen),
        optimal=optimal,
        method=method,
        seconds=_time.perf_counter() - t0,
    )


def optimise(
    options: Sequence[Option],
    places: Mapping[int, int],
    capacity: Mapping[CapKey, int] | None = None,
    *,
    time_limit_s: float = 10.0,
    workers: int = 2,
) -> Solution:
    """Lexicographic optimum: most places filled, then highest total score (see module doc).

    ``capacity[(teen_id, kind, key)]`` is the remaining minutes of that teen in that period
    (missing = unlimited, ``<= 0`` = nothing more). ``time_limit_s`` bounds the whole call;
    ``optimal`` is true only when every component was solved to proven optimality."""
    t0 = _time.perf_counter()
    capacity = capacity or {}
    prep = _prepare(options, places, capacity)
    comps = _components(prep)
    chosen: list[int] = []
    optimal = True
    counts = {"cp": 0, "flow": 0, "direct": 0}
    for comp in comps:
        if not comp.groups and not comp.knapsacks:
            chosen.extend(_solve_direct(prep, comp))
            counts["direct"] += 1
            continue
        if not comp.knapsacks:
            flow = _solve_flow(prep, comp)
            if flow is not None:
                chosen.extend(flow)
                counts["flow"] += 1
                continue
        remaining = time_limit_s - (_time.perf_counter() - t0)
        if remaining <= 0:
            chosen.extend(_greedy_indices(prep, comp.options, capacity))
            optimal = False
            continue
        part, proven = _solve_cpsat(prep, comp, capacity, remaining, workers)
        chosen.extend(part)
        optimal = optimal and proven
        counts["cp"] += 1
    method = (
        f"CP-SAT (OR-Tools {_ortools_version()}), lexicographic: places, then score; "
        f"scores in 1/{SCORE_SCALE}; {len(comps)} independent components: "
        f"{counts['cp']} CP-SAT, {counts['flow']} min-cost flow, {counts['direct']} direct"
    )
    return _solution([prep.options[i] for i in chosen], optimal, method, t0)


def greedy(
    options: Sequence[Option],
    places: Mapping[int, int],
    capacity: Mapping[CapKey, int] | None = None,
) -> Solution:
    """The naive baseline: highest score first (ties by teen, job, time), take it if it fits."""
    t0 = _time.perf_counter()
    capacity = capacity or {}
    opts = list(options)
    for o in opts:
        if o.end < o.start:
            raise ValueError(f"option ends before it starts: {o!r}")
        _scaled(o.score)
    minutes = [_minutes(o) for o in opts]
    order = sorted(range(len(opts)), key=lambda i: _order_key(opts[i]))
    idx = _take_in_order(opts, order, places, capacity, minutes)
    return _solution([opts[i] for i in idx], False, "greedy: highest score first, take it if it fits", t0)
