"""Exact plan search: branch and bound over sets of warehouses, and inside each set over how many
units of each line each warehouse ships.

Why it is fast enough for the hot path: a plan's cost is at least the sum, over its warehouses, of
the cheapest one-kilogram package each can send, plus the extra-package penalty, plus the cheapest
further kilogram times the kilograms the order must bill beyond one per package. That floor only
grows when a warehouse joins, so sets are walked cheapest-first and a branch stops as soon as its
floor exceeds the plan it has to beat. Typical orders are settled by a handful of single-warehouse
sets and a few pairs.

Exact within its limits: every plan of at most `max_packages` warehouses is either evaluated or
bounded out. When the node budget runs out (very large orders or networks) the best plan found so
far is returned with `exact=False` and a proven lower bound on the cost of any plan, so the gap is
known for that decision (the greedy plan that seeds the search guarantees there is one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.routing.criteria import COST, DISTANCE, PACKAGES, PRIORITY
from shared.routing.network import GRAMS_PER_KG

INFINITE = float("inf")
NODE_BUDGET = 200_000  # search nodes per decision; beyond it the answer is heuristic with a bound


@dataclass(frozen=True, slots=True)
class Item:
    """Something the order needs: a SKU line, or a kit that travels as one piece."""

    quantity: int
    unit_g: int
    splittable: bool  # may its quantity come from more than one warehouse


@dataclass(frozen=True, slots=True)
class Candidate:
    """A warehouse that can ship part of the order, priced for this order's buyer."""

    available: tuple[int, ...]  # per item, at most the item's quantity
    fen_by_kg: tuple[int, ...]  # a package's cost by billed kilograms (index 0 unused)
    min_fixed_fen: int  # the cheapest package from here (one kilogram)
    min_additional_kg_fen: int  # the cheapest further kilogram from here
    distance_km: int
    priority_rank: int


@dataclass(frozen=True, slots=True)
class Problem:
    items: tuple[Item, ...]
    candidates: tuple[Candidate, ...]
    objective: tuple[str, ...]
    extra_package_fen: int
    max_packages: int
    keep: int = 3  # the best plan and its runners-up
    node_budget: int = NODE_BUDGET


@dataclass(frozen=True, slots=True)
class Solution:
    sites: tuple[int, ...]  # candidate indices, ascending
    allocation: tuple[tuple[int, ...], ...]  # per item: the quantity each of `sites` ships
    cost_fen: int
    key: tuple[int, ...]  # the objective's criteria, in order


@dataclass(slots=True)
class SearchResult:
    solutions: list[Solution]  # best first
    exact: bool
    warehouse_sets: int
    nodes: int
    lower_bound_fen: int | None = None  # when not exact: no plan costs less


class BudgetExhausted(Exception):
    pass


def billed(weight_g: int) -> int:
    return max(1, -(-weight_g // GRAMS_PER_KG))


@dataclass(slots=True)
class _Search:
    problem: Problem
    steps: list[tuple[int, ...]]  # per candidate: what joining adds to each criterion's floor
    order: list[int]  # candidate indices, by their steps
    total_billed_kg: int
    best: list[tuple[tuple[int, ...], tuple[int, ...], Solution]] = field(default_factory=list)
    nodes: int = 0
    sets: int = 0
    unexplored_floor: float = INFINITE  # the least cost floor of what the budget left unexplored

    # -- the set level ----------------------------------------------------------------------

    def bound(self) -> tuple[int, ...] | None:
        return self.best[-1][0] if len(self.best) >= self.problem.keep else None

    def penalty_vector(self) -> tuple[int, ...]:
        return tuple(self.problem.extra_package_fen if name == COST else 0 for name in self.problem.objective)

    def walk(self, start: int, chosen: list[int], floor: tuple[int, ...], missing: int, covered: list[int]) -> None:
        problem = self.problem
        penalty = self.penalty_vector() if chosen else None
        for position in range(start, len(self.order)):
            index = self.order[position]
            step = self.steps[index]
            self.nodes += 1
            new_floor = tuple(f + s + (penalty[k] if penalty else 0) for k, (f, s) in enumerate(zip(floor, step)))
            bound = self.bound()
            if bound is not None and new_floor > bound:
                if new_floor[0] > bound[0]:
                    break  # candidates are sorted by their first criterion: the rest are no better
                continue
            candidate = problem.candidates[index]
            newly_missing = missing
            for item_index, item in enumerate(problem.items):
                before = covered[item_index]
                after = before + candidate.available[item_index] if item.splittable else max(before, candidate.available[item_index])
                if before < item.quantity <= after:
                    newly_missing -= 1
                covered[item_index] = after
            chosen.append(index)
            try:
                if newly_missing == 0:
                    self.evaluate(chosen, new_floor)
                if len(chosen) < problem.max_packages:
                    self.walk(position + 1, chosen, new_floor, newly_missing, covered)
            except BudgetExhausted:
                self.note_unexplored(position + 1, chosen[:-1], floor, penalty)
                raise
            finally:
                chosen.pop()
                for item_index, item in enumerate(problem.items):
                    covered[item_index] = covered[item_index] - candidate.available[item_index] if item.splittable else _best_single(problem, chosen, item_index)

    def note_unexplored(self, next_position: int, prefix: list[int], floor: tuple[int, ...], penalty: tuple[int, ...] | None) -> None:
        """On a budget stop: the cheapest subtree not yet walked at this level bounds what it holds."""
        if COST not in self.problem.objective or next_position >= len(self.order):
            return
        cost_at = self.problem.objective.index(COST)
        cheapest = min(self.problem.candidates[self.order[p]].min_fixed_fen for p in range(next_position, len(self.order)))
        self.unexplored_floor = min(self.unexplored_floor, floor[cost_at] + cheapest + (penalty[cost_at] if penalty else 0))

    def evaluate(self, chosen: list[int], floor: tuple[int, ...]) -> None:
        """Optimises the allocation of a covering set of warehouses and keeps it if it ranks."""
        problem = self.problem
        sites = tuple(sorted(chosen))
        cost_lower = self.cost_floor_with_weight(sites, floor)
        key_lower = tuple(cost_lower if name == COST else f for name, f in zip(problem.objective, floor))
        bound = self.bound()
        if bound is not None and key_lower > bound:
            return
        cap = self.cost_cap(key_lower, bound)
        self.sets += 1
        try:
            found = _Allocation(problem, sites, self).solve(cap)
        except BudgetExhausted:
            # This set and its supersets are unexplored; the floor without weight bounds them all.
            self.unexplored_floor = min(self.unexplored_floor, self.plain_cost_floor(sites))
            raise
        if found is None:
            return
        cost, allocation = found
        key = tuple(cost if name == COST else f for name, f in zip(problem.objective, floor))
        self.keep(Solution(sites=sites, allocation=allocation, cost_fen=cost, key=key))

    def cost_floor_with_weight(self, sites: tuple[int, ...], floor: tuple[int, ...]) -> int:
        base = floor[self.problem.objective.index(COST)] if COST in self.problem.objective else self.plain_cost_floor(sites)
        cheapest_kg = min(self.problem.candidates[s].min_additional_kg_fen for s in sites)
        return base + cheapest_kg * max(0, self.total_billed_kg - len(sites))

    def plain_cost_floor(self, sites: tuple[int, ...]) -> int:
        return sum(self.problem.candidates[s].min_fixed_fen for s in sites) + self.problem.extra_package_fen * (len(sites) - 1)

    def cost_cap(self, key_lower: tuple[int, ...], bound: tuple[int, ...] | None) -> float:
        """The dearest allocation that could still rank, given the criteria fixed by the set."""
        if bound is None or COST not in self.problem.objective:
            return INFINITE
        cost_at = self.problem.objective.index(COST)
        before, bound_before = key_lower[:cost_at], bound[:cost_at]
        return INFINITE if before < bound_before else bound[cost_at]

    def keep(self, solution: Solution) -> None:
        names = tuple(solution.sites)
        entry = (solution.key, names, solution)
        self.best.append(entry)
        self.best.sort(key=lambda e: (e[0], e[1]))
        del self.best[self.problem.keep :]


def _best_single(problem: Problem, chosen: list[int], item_index: int) -> int:
    return max((problem.candidates[s].available[item_index] for s in chosen), default=0)


class _Allocation:
    """How many units of each item each warehouse of a fixed set ships, at least cost. Every
    warehouse of the set ships something (a set with an idle warehouse is a smaller set)."""

    def __init__(self, problem: Problem, sites: tuple[int, ...], search: _Search):
        self.problem, self.sites, self.search = problem, sites, search
        self.candidates = [problem.candidates[s] for s in sites]
        self.penalty = problem.extra_package_fen * (len(sites) - 1)
        self.cheapest_kg = min(c.min_additional_kg_fen for c in self.candidates)
        # Items that only one warehouse of the set can hold go first (no branching), then the
        # heaviest, whose placement decides the most.
        self.items = sorted(
            (i for i, item in enumerate(problem.items)),
            key=lambda i: (self.options(i), -problem.items[i].quantity * problem.items[i].unit_g, i),
        )
        self.remaining_g = [0] * (len(self.items) + 1)
        for depth in range(len(self.items) - 1, -1, -1):
            item = problem.items[self.items[depth]]
            self.remaining_g[depth] = self.remaining_g[depth + 1] + item.quantity * item.unit_g
        self.seen: set[tuple[int, tuple[int, ...]]] = set()
        self.best: tuple[int, tuple[tuple[int, ...], ...]] | None = None
        self.choice: list[tuple[int, ...]] = [()] * len(problem.items)

    def options(self, item_index: int) -> int:
        return sum(1 for c in self.candidates if c.available[item_index] > 0)

    def solve(self, cap: float) -> tuple[int, tuple[tuple[int, ...], ...]] | None:
        self.cap = cap
        self.descend(0, [0] * len(self.sites))
        return self.best

    def lower_bound(self, depth: int, grams: list[int]) -> int:
        total, kgs = self.penalty, 0
        for candidate, g in zip(self.candidates, grams):
            if g:
                kg = billed(g)
                total += candidate.fen_by_kg[kg]
                kgs += kg
            else:
                total += candidate.min_fixed_fen
                kgs += 1
        need_kg = billed(sum(grams) + self.remaining_g[depth])
        return total + self.cheapest_kg * max(0, need_kg - kgs)

    def descend(self, depth: int, grams: list[int]) -> None:
        search = self.search
        search.nodes += 1
        if search.nodes > self.problem.node_budget:
            raise BudgetExhausted
        if self.lower_bound(depth, grams) > self.cap:
            return
        if depth == len(self.items):
            if all(grams):
                cost = self.lower_bound(depth, grams)  # exact once every warehouse ships something
                if self.best is None or cost < self.best[0]:
                    self.best = (cost, tuple(self.choice))
                    self.cap = cost
            return
        state = (depth, tuple(grams))
        if state in self.seen:
            return
        self.seen.add(state)
        item_index = self.items[depth]
        item = self.problem.items[item_index]
        for split in self.splits(item_index, item):
            for k, units in enumerate(split):
                grams[k] += units * item.unit_g
            self.choice[item_index] = split
            self.descend(depth + 1, grams)
            for k, units in enumerate(split):
                grams[k] -= units * item.unit_g

    def splits(self, item_index: int, item: Item) -> list[tuple[int, ...]]:
        caps = [c.available[item_index] for c in self.candidates]
        if not item.splittable:
            return [tuple(item.quantity if k == j else 0 for k in range(len(caps))) for j, cap in enumerate(caps) if cap >= item.quantity]
        return list(_compositions(item.quantity, caps))


def _compositions(total: int, caps: Sequence[int]) -> list[tuple[int, ...]]:
    """Every way to take `total` units from warehouses holding `caps`, fullest first."""
    if len(caps) == 1:
        return [(total,)] if caps[0] >= total else []
    rest_capacity = sum(caps[1:])
    out = []
    for first in range(min(total, caps[0]), max(0, total - rest_capacity) - 1, -1):
        out.extend((first, *tail) for tail in _compositions(total - first, caps[1:]))
    return out


def _steps(problem: Problem) -> list[tuple[int, ...]]:
    def step(c: Candidate) -> tuple[int, ...]:
        values = {COST: c.min_fixed_fen, PACKAGES: 1, DISTANCE: c.distance_km, PRIORITY: c.priority_rank}
        return tuple(values[name] for name in problem.objective)

    return [step(c) for c in problem.candidates]


def search(problem: Problem) -> SearchResult:
    """The best `keep` plans by the objective (ties: the lower warehouse indices), exactly unless
    the node budget runs out."""
    if not problem.candidates or not problem.items:
        return SearchResult(solutions=[], exact=True, warehouse_sets=0, nodes=0)
    total_g = sum(item.quantity * item.unit_g for item in problem.items)
    steps = _steps(problem)
    order = sorted(range(len(problem.candidates)), key=lambda i: (steps[i], i))
    searcher = _Search(problem=problem, steps=steps, order=order, total_billed_kg=billed(total_g))
    zero = tuple(0 for _ in problem.objective)
    missing = len(problem.items)
    exact = True
    try:
        searcher.walk(0, [], zero, missing, [0] * len(problem.items))
    except BudgetExhausted:
        exact = False
    solutions = [entry[2] for entry in searcher.best]
    if not exact and not solutions:
        solutions = _greedy(problem, order)
    lower = None
    if not exact and problem.objective[0] == COST:
        # What was walked either ranks below the plans kept or was evaluated; the rest is bounded.
        found = min((s.cost_fen for s in solutions), default=INFINITE)
        least = min(found, searcher.unexplored_floor)
        lower = None if least == INFINITE else int(least)
    return SearchResult(solutions=solutions, exact=exact, warehouse_sets=searcher.sets, nodes=searcher.nodes, lower_bound_fen=lower)


def _greedy(problem: Problem, order: list[int]) -> list[Solution]:
    """A plan when the budget ran out before any: take warehouses in floor order, each shipping
    all it can of what is still missing, until every item is covered."""
    missing = [item.quantity for item in problem.items]
    shipped: dict[int, list[int]] = {}
    for index in order:
        if len(shipped) == problem.max_packages or not any(missing):
            break
        candidate = problem.candidates[index]
        take = [
            (min(m, a) if item.splittable else (m if a >= m else 0))
            for item, m, a in zip(problem.items, missing, candidate.available)
        ]
        if any(take):
            shipped[index] = take
            missing = [m - t for m, t in zip(missing, take)]
    if any(missing):
        return []
    sites = tuple(sorted(shipped))
    allocation = tuple(tuple(shipped[s][i] for s in sites) for i in range(len(problem.items)))
    cost = problem.extra_package_fen * (len(sites) - 1)
    for s in sites:
        grams = sum(q * item.unit_g for q, item in zip(shipped[s], problem.items))
        cost += problem.candidates[s].fen_by_kg[billed(grams)]
    steps = _steps(problem)
    totals = [sum(values) for values in zip(*(steps[s] for s in sites))]
    key = tuple(cost if name == COST else total for name, total in zip(problem.objective, totals))
    return [Solution(sites=sites, allocation=allocation, cost_fen=cost, key=key)]
