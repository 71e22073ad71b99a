"""Exact plan search: branch and bound over sets of warehouses, and inside each set over how many
units of each item each warehouse ships.

Why it is fast enough for the hot path: a plan's cost is at least the sum, over its warehouses, of
the cheapest package each can send (one kilogram), plus the extra-package penalty, plus what the
order's kilograms beyond one per package add to a single package (a package's price is the cheapest
of several carriers' straight lines, hence concave in kilograms, so one package absorbs extra
kilograms most cheaply). That floor only grows when a warehouse joins, so sets are walked size by
size (single warehouses first, which settle most orders and give the bound), branching on the
warehouses that hold the rarest uncovered item, cheapest floor first, and a branch stops as soon as
its floor ranks below the plans already kept.

Exact within its limits: every plan of at most `max_packages` warehouses is either evaluated or
bounded out. When the node budget runs out (very large orders or networks) the best plan found so
far is returned with `exact=False` and a proven lower bound on the cost of any plan, so the gap
of that decision is known; a greedy plan stands in if the search found none by then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import add, attrgetter, getitem, itemgetter
from collections.abc import Sequence
from typing import NamedTuple

from shared.routing.criteria import COST, DISTANCE, PACKAGES, PRIORITY
from shared.routing.network import GRAMS_PER_KG

INFINITE = float("inf")
NODE_BUDGET = 800  # search nodes per decision (a few ms of CPU); beyond it the answer is heuristic with a bound


@dataclass(frozen=True, slots=True)
class Item:
    """Something the order needs: a SKU line, or a kit that travels as one piece."""

    quantity: int
    unit_g: int
    splittable: bool  # may its quantity come from more than one warehouse


class Candidate(NamedTuple):
    """A warehouse that can ship part of the order, priced for this order's buyer. A named tuple,
    not a frozen dataclass: a decision builds one per warehouse, and a tuple is built in one step
    where a frozen dataclass sets each field through object.__setattr__ (decision 167)."""

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


def _addition(fens: tuple[int, ...], rate: int, kg: int, more: int) -> int:
    """What `more` kilograms add to a package of `kg` billed kilograms; past the end of its price
    table, at least the cheapest further kilogram `rate` each."""
    top = len(fens) - 1
    to = kg + more
    return fens[to] - fens[kg] if to <= top else fens[top] - fens[kg] + rate * (to - top)


def _members_of(mask: int) -> tuple[int, ...]:
    """The item indices in a bit set."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return tuple(out)


_MEMBERS = tuple(_members_of(mask) for mask in range(1 << 10))  # the sets of up to 10 items or warehouses, listed once


def _members(mask: int) -> tuple[int, ...]:
    """The item indices in a bit set (the walk asks for them at every node)."""
    return _MEMBERS[mask] if mask < 1024 else _members_of(mask)


@dataclass(slots=True)
class _Search:
    problem: Problem
    steps: list[tuple[int, ...]]  # per candidate: what joining adds to each criterion's floor
    steps_after_first: list[tuple[int, ...]]  # the same plus the extra-package penalty
    order: list[int]  # candidate indices, by their steps
    holds: list[int]  # per candidate: bit set of the items it can ship (whole, if unsplittable)
    holders: list[int]  # per item: bit set of the positions in `order` whose warehouse ships it
    item_g: list[int]  # per item: its whole weight
    fens: list[tuple[int, ...]]  # per candidate: fen_by_kg
    least: list[int]  # per candidate: min_fixed_fen
    cheapest_kg: list[int]  # per candidate: min_additional_kg_fen
    total_g: int
    total_kg: int  # the order's weight in billed kilograms
    cost_at: int | None  # where cost sits in the objective
    best: list[tuple[tuple[int, ...], tuple[int, ...], Solution]] = field(default_factory=list)
    nodes: int = 0
    sets: int = 0
    unexplored_floor: int | float = INFINITE  # the least cost floor of what the budget left unexplored
    restricted: bool = False  # a line had too many ways to split: allocations were not all tried
    weight_floor: int = 0  # in every floor of the current size: the order's kilograms beyond one per package
    ahead: list[tuple[int, ...]] = field(default_factory=list)  # per count r: what r more warehouses add at least
    weight_floors: dict[int, int] = field(default_factory=dict)  # by size: what the order's kilograms beyond one per package add at the least
    tables: dict[int, tuple[int, ...]] = field(default_factory=dict)  # table(), by candidate

    def bound(self) -> tuple[int, ...] | None:
        return self.best[-1][0] if len(self.best) >= self.problem.keep else None

    # -- sets of warehouses -----------------------------------------------------------------

    def walk(self, size: int, chosen: list[int], blocked: int, floor: tuple[int, ...], missing: int, covered: list[int], extra_from: int = -1) -> None:
        """Every set of `size` warehouses that contains `chosen` and avoids `blocked` (bit sets
        over positions in `order`). While items are missing it branches on the warehouses that
        hold the rarest missing item, the k-th branch barring the ones before it, so each set is
        reached once; a covering set then takes extra warehouses (in order, from `extra_from`),
        which may pay off by carrying weight more cheaply."""
        if missing:
            if len(chosen) == size:
                return
            options = 0
            for item_index in _members(missing):
                allowed = self.holders[item_index] & ~blocked
                if not allowed:
                    return  # some item can no longer be covered
                if not options or allowed.bit_count() < options.bit_count():
                    options = allowed
            positions: Sequence[int] = _members(options)
        else:
            if len(chosen) == size:
                if size == 1:
                    self.evaluate_one(self.order[chosen[0]], floor)
                else:
                    self.evaluate([self.order[p] for p in chosen], floor)
                return
            positions = list(range(max(extra_from, 0), len(self.order)))
        problem = self.problem
        steps = self.steps_after_first if chosen else self.steps
        order, best, keep, budget = self.order, self.best, problem.keep, problem.node_budget
        ahead = self.ahead[size - len(chosen) - 1]
        tried = 0
        for n, position in enumerate(positions):
            if blocked >> position & 1:
                continue
            index = order[position]
            self.nodes += 1
            if self.nodes > budget:
                # The budget holds here too: sets are many more than allocations on a wide network.
                self.note_unexplored([p for p in positions[n:] if not blocked >> p & 1], floor, steps, size - len(chosen) - 1)
                raise BudgetExhausted
            new_floor = tuple(map(add, floor, steps[index]))
            bound = best[-1][0] if len(best) >= keep else None  # self.bound(), inlined
            # The warehouses still to join add at least the least steps: the set's floor, seen ahead.
            seen = tuple(map(add, new_floor, ahead)) if bound is not None else new_floor
            if bound is not None and seen > bound:
                if seen[0] > bound[0]:
                    break  # positions follow the first criterion's step: the rest are no better
                tried |= 1 << position  # every set with it ranks below the kept plans
                continue
            available = problem.candidates[index].available
            saved = []
            still_missing = missing
            for item_index in _members(missing & self.holds[index]):
                item = problem.items[item_index]
                before = covered[item_index]
                saved.append((item_index, before))
                after = before + available[item_index] if item.splittable else max(before, available[item_index])
                covered[item_index] = after
                if after >= item.quantity:
                    still_missing &= ~(1 << item_index)
            chosen.append(position)
            try:
                self.walk(size, chosen, blocked | tried | 1 << position, new_floor, still_missing, covered, position + 1 if not missing else -1)
            except BudgetExhausted:
                self.note_unexplored([p for p in positions[n + 1 :] if not blocked >> p & 1], floor, steps, size - len(chosen) - 1)
                raise
            finally:
                chosen.pop()
                for item_index, before in saved:
                    covered[item_index] = before
            if missing:
                tried |= 1 << position

    def note_unexplored(self, positions: list[int], floor: tuple[int, ...], steps: list[tuple[int, ...]], more: int) -> None:
        """On a budget stop: the branches not yet walked at this level are bounded by their floors,
        each with the least that the `more` warehouses its sets still need add."""
        if self.cost_at is None or not positions:
            return
        cheapest = min(steps[self.order[p]][self.cost_at] for p in positions)
        self.unexplored_floor = min(self.unexplored_floor, floor[self.cost_at] + cheapest + self.ahead[more][self.cost_at])

    # -- one set ----------------------------------------------------------------------------

    def evaluate(self, chosen: list[int], floor: tuple[int, ...]) -> None:
        """Optimises the allocation of a covering set of warehouses and keeps it if it ranks."""
        sites = tuple(sorted(chosen))
        self.nodes += 1  # a set's evaluation is work like any other node: the budget counts it
        if self.nodes > self.problem.node_budget:
            self.unexplored_floor = min(self.unexplored_floor, self.plain_floor(sites))
            raise BudgetExhausted
        bound = self.bound()
        if bound is not None and self.cost_at is not None:
            # The floor priced the order's further kilograms for the cheapest candidate; pricing
            # them for this set's warehouses is a quick, tighter check before the allocation.
            more = max(0, self.total_kg - len(sites))
            if more:
                by_set = floor[self.cost_at] - self.weight_floor + min(_addition(self.fens[s], self.cheapest_kg[s], 1, more) for s in sites)
                if floor[: self.cost_at] + (by_set,) + floor[self.cost_at + 1 :] > bound:
                    return
        allocation = _Allocation(self.problem, sites, self)
        cap: int | float = INFINITE
        if bound is not None and self.cost_at is not None:
            key_lower = floor[: self.cost_at] + (allocation.root,) + floor[self.cost_at + 1 :]
            if key_lower > bound:
                return
            if key_lower[: self.cost_at] == bound[: self.cost_at]:
                cap = bound[self.cost_at]
        self.sets += 1
        try:
            restricted_before = self.restricted
            self.restricted = False
            found = allocation.solve(cap)
            if self.restricted:
                self.unexplored_floor = min(self.unexplored_floor, allocation.root)
            self.restricted = self.restricted or restricted_before
        except BudgetExhausted:
            self.unexplored_floor = min(self.unexplored_floor, self.plain_floor(sites))
            raise
        if found is None:
            return
        cost, units = found
        key = floor if self.cost_at is None else floor[: self.cost_at] + (cost,) + floor[self.cost_at + 1 :]
        self.keep(Solution(sites=sites, allocation=units, cost_fen=cost, key=key))

    def evaluate_one(self, site: int, floor: tuple[int, ...]) -> None:
        """`evaluate([site], floor)` without building an allocation: one warehouse covering the
        order ships all of it, so its cost is its price table at the order's billed kilograms (the
        allocation's root bound, which `solve` returns when nothing is free); the same nodes, sets,
        checks and plan."""
        self.nodes += 1
        if self.nodes > self.problem.node_budget:
            self.unexplored_floor = min(self.unexplored_floor, self.plain_floor((site,)))
            raise BudgetExhausted
        cost_at, total_g = self.cost_at, self.total_g
        best = self.best
        bound = best[-1][0] if len(best) >= self.problem.keep else None
        if bound is not None and cost_at is not None:
            more = self.total_kg - 1
            if more > 0:
                by_set = floor[cost_at] - self.weight_floor + _addition(self.fens[site], self.cheapest_kg[site], 1, more)
                if floor[:cost_at] + (by_set,) + floor[cost_at + 1 :] > bound:
                    return
        # _Allocation.lower_bound([total_g], 0): the whole weight billed, or the cheapest package if weightless
        cost = self.fens[site][(total_g + 999) // GRAMS_PER_KG] if total_g else self.least[site]
        cap: int | float = INFINITE
        if bound is not None and cost_at is not None:
            key_lower = floor[:cost_at] + (cost,) + floor[cost_at + 1 :]
            if key_lower > bound:
                return
            if key_lower[:cost_at] == bound[:cost_at]:
                cap = bound[cost_at]
        self.sets += 1
        if not total_g or cost > cap:
            return  # a weightless order ships nothing from here (solve's `all(forced)`); or it does not rank
        held = self.holds[site]
        units = tuple((item.quantity if held >> i & 1 else 0,) for i, item in enumerate(self.problem.items))
        key = floor if cost_at is None else floor[:cost_at] + (cost,) + floor[cost_at + 1 :]
        self.keep(Solution(sites=(site,), allocation=units, cost_fen=cost, key=key))

    def table(self, site: int) -> tuple[int, ...]:
        """The candidate's price table with its cheapest package at index 0 (where a package is
        still empty), made once per search."""
        found = self.tables.get(site)
        if found is None:
            found = self.tables[site] = (self.least[site], *self.fens[site][1:])
        return found

    def plain_floor(self, sites: tuple[int, ...]) -> int:
        return sum(self.problem.candidates[s].min_fixed_fen for s in sites) + self.problem.extra_package_fen * (len(sites) - 1)

    def keep(self, solution: Solution) -> None:
        self.best.append((solution.key, solution.sites, solution))
        self.best.sort(key=_RANK)
        del self.best[self.problem.keep :]


_RANK = itemgetter(0, 1)  # a kept plan's (key, sites)


class _Allocation:
    """How many units of each item each warehouse of a fixed, covering set ships, at least cost.
    Every warehouse of the set ships something (a set with an idle warehouse is a smaller set)."""

    def __init__(self, problem: Problem, sites: tuple[int, ...], search: _Search):
        # Only what the bound needs: most sets are dismissed by it before anything else is built.
        self.problem, self.search, self.sites = problem, search, sites
        self.fens = [search.fens[s] for s in sites]
        self.least = [search.least[s] for s in sites]
        self.rates = [search.cheapest_kg[s] for s in sites]  # beyond a package's price table
        self.tops = [len(fens) - 1 for fens in self.fens]
        self.tables = [search.table(s) for s in sites]
        self.penalty = problem.extra_package_fen * (len(sites) - 1)
        self.total_g = search.total_g
        # solve's answer (one solve per allocation). Set here, not in solve: there mypy would take
        # it for None after the assignment whatever descend sets, and a compiled build believes it.
        self.best: tuple[int, tuple[tuple[int, ...], ...]] | None = None
        # What a warehouse must ship because no other of the set holds it: placed up front.
        once = twice = 0
        for s in sites:
            held = search.holds[s]
            twice |= once & held
            once |= held
        self.only, self.once = once & ~twice, once
        item_g, holds = search.item_g, search.holds
        self.forced = [sum(item_g[i] for i in _members(self.only & holds[s])) for s in sites]
        # No allocation costs less: the forced weights billed, the rest added as cheaply as can be.
        self.root = self.lower_bound(self.forced, self.total_g - sum(self.forced))

    def lower_bound(self, grams: list[int], remaining_g: int) -> int:
        """Packages at the kilograms they bill now (the cheapest package where still empty), plus
        the kilograms the rest must add beyond their slack. A package's price is concave in its
        kilograms (the cheapest of several carriers' straight lines), so adding them all to one
        package is the cheapest way: the least such addition bounds any way."""
        # Per package the index of its billed kilograms, 0 when empty: `tables` holds the cheapest
        # package there, so one look-up per package prices it either way (an empty one bills 1 kg).
        at = [(g + 999) // GRAMS_PER_KG for g in grams]
        total = self.penalty + sum(map(getitem, self.tables, at))
        beyond = (sum(grams) + remaining_g + 999) // GRAMS_PER_KG - sum(at) - at.count(0)
        if beyond <= 0:
            return total
        # _addition, inlined: this runs for every branch of every allocation; an empty package bills 1 kg
        cheapest = None
        for fens, kg, rate, top in zip(self.fens, at, self.rates, self.tops):
            kg = kg or 1
            to = kg + beyond
            added = fens[to] - fens[kg] if to <= top else fens[top] - fens[kg] + rate * (to - top)
            if cheapest is None or added < cheapest:
                cheapest = added
        return total + cheapest  # type: ignore[operator]  # the set has a warehouse: never None

    def solve(self, cap: int | float) -> tuple[int, tuple[tuple[int, ...], ...]] | None:
        problem = self.problem
        self.candidates = [problem.candidates[s] for s in self.sites]
        free = _members(self.once & ~self.only)  # items whose placement is a choice
        if not free:  # typical for a single warehouse: nothing to choose
            if not all(self.forced):
                return None
            cost = self.lower_bound(self.forced, 0)
            return (cost, self.forced_allocation()) if cost <= cap else None
        # The heaviest choices first: they decide the most.
        self.free = sorted(free, key=lambda i: (-problem.items[i].quantity * problem.items[i].unit_g, i))
        # per depth: the ways to split its item, and per split the grams it adds to each warehouse's package
        self.options, self.added = map(list, zip(*[self.splits(i, problem.items[i]) for i in self.free]))
        self.remaining_g = [0] * (len(self.free) + 1)  # from each depth on: the weight still to place
        for depth in range(len(self.free) - 1, -1, -1):
            item = problem.items[self.free[depth]]
            self.remaining_g[depth] = self.remaining_g[depth + 1] + item.quantity * item.unit_g
        self.cap: int | float = cap
        self.choice = list(self.forced_allocation())
        self.seen: set[tuple[int, tuple[int, ...]]] = set()
        if self.root <= cap:
            self.descend(0, list(self.forced), self.root)
        return self.best

    def forced_allocation(self) -> tuple[tuple[int, ...], ...]:
        """Each forced item whole at its only holder; the free ones nowhere yet."""
        holds = self.search.holds
        return tuple(
            tuple(item.quantity if self.only >> i & 1 and holds[s] >> i & 1 else 0 for s in self.sites)
            for i, item in enumerate(self.problem.items)
        )

    def descend(self, depth: int, grams: list[int], bound: int) -> None:
        """`bound`: the least any completion of `grams` can cost. Once a plan is found only a
        cheaper one is of interest; before, one costing `cap` still ranks. `depth` is never a leaf:
        the leaves are taken inline below, and `solve` descends only when some item is free."""
        search = self.search
        # One node, plus one per split bounded below: a line with many ways to split is that much work.
        search.nodes += 1 + len(self.options[depth])
        if search.nodes > self.problem.node_budget:
            raise BudgetExhausted
        state = (depth, tuple(grams))
        if state in self.seen:
            return  # the cost ahead depends only on the weights so far
        self.seen.add(state)
        item_index = self.free[depth]
        # Cheapest-looking branch first: a good plan early makes the cap bite sooner.
        children = []
        rest_g = self.remaining_g[depth + 1]
        lower_bound, cap = self.lower_bound, self.cap
        for split, added in zip(self.options[depth], self.added[depth]):
            after = list(map(add, grams, added))
            child_bound = lower_bound(after, rest_g)
            if child_bound <= cap:
                children.append((child_bound, split, after))
        children.sort(key=itemgetter(0))
        leaf = depth + 1 == len(self.free)
        for child_bound, split, after in children:
            if child_bound > self.cap:
                break
            self.choice[item_index] = split
            if leaf:  # descend(depth + 1, ...) at a leaf, inlined: one node, then the plan if every warehouse ships
                search.nodes += 1
                if search.nodes > self.problem.node_budget:
                    raise BudgetExhausted
                if all(after):
                    self.best = (child_bound, tuple(self.choice))
                    self.cap = child_bound - 1
            else:
                self.descend(depth + 1, after, child_bound)

    def splits(self, item_index: int, item: Item) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
        """The ways to split the item over the set's warehouses, and per way the grams it adds to
        each warehouse's package."""
        caps = tuple(c.available[item_index] for c in self.candidates)
        if not item.splittable:
            options = [tuple(item.quantity if k == j else 0 for k in range(len(caps))) for j, cap in enumerate(caps) if cap >= item.quantity]
        else:
            every = _compositions(item.quantity, caps)
            if every is not None:
                return every, _composition_grams(item.quantity, caps, item.unit_g)
            # Too many ways (a large quantity over several warehouses): only the fills in each order
            # of the warehouses. The plan may then miss the optimum; the set's bound still holds.
            self.search.restricted = True
            options = _fills(item.quantity, caps)
        return options, _grams_of(options, item.unit_g)


MAX_SPLITS = 64  # ways to split one line within one set of warehouses, beyond which only fills are tried


@lru_cache(maxsize=1 << 15)
def _compositions(total: int, caps: tuple[int, ...]) -> list[tuple[int, ...]] | None:
    """Every way to take `total` units from warehouses holding `caps`, fullest first; None when
    there are more than MAX_SPLITS."""
    if len(caps) == 1:
        return [(total,)] if caps[0] >= total else []
    rest_capacity = sum(caps[1:])
    out: list[tuple[int, ...]] = []
    for first in range(min(total, caps[0]), max(0, total - rest_capacity) - 1, -1):
        tails = _compositions(total - first, caps[1:])
        if tails is None:
            return None
        out.extend((first, *tail) for tail in tails)
        if len(out) > MAX_SPLITS:
            return None
    return out


def _grams_of(splits: list[tuple[int, ...]], unit_g: int) -> list[tuple[int, ...]]:
    """Per split, the grams it adds to each warehouse's package."""
    return [tuple([units * unit_g for units in split]) for split in splits]


@lru_cache(maxsize=1 << 15)
def _composition_grams(total: int, caps: tuple[int, ...], unit_g: int) -> list[tuple[int, ...]]:
    """_grams_of(_compositions(total, caps), unit_g), for the compositions there are (not None):
    the same lines split the same ways all day, so their weights are computed once."""
    return _grams_of(_compositions(total, caps), unit_g)  # type: ignore[arg-type]  # called when not None


@lru_cache(maxsize=4096)
def _fills(total: int, caps: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The distinct `_fill`s over every order of the warehouses, largest first, without walking
    the orders: a fill is what filling warehouses one at a time leaves when the units run out (or
    every warehouse holding some was filled), so the fills are the ends of the walks that fill any
    not yet filled warehouse next, each partial fill walked on once (at most 2^n of them, not n!)."""
    ends: set[tuple[int, ...]] = set()
    seen: set[tuple[int, ...]] = set()
    todo = [((0,) * len(caps), total)]
    while todo:
        taken, left = todo.pop()
        nexts = [k for k, cap in enumerate(caps) if cap and not taken[k]] if left else []
        if not nexts:
            ends.add(taken)
            continue
        for k in nexts:
            step = taken[:k] + (min(caps[k], left),) + taken[k + 1 :]
            if step not in seen:
                seen.add(step)
                todo.append((step, left - step[k]))
    return sorted(ends, reverse=True)


def _fill(total: int, caps: tuple[int, ...], order: tuple[int, ...]) -> tuple[int, ...]:
    """The warehouses filled in this order until the units run out (the definition `_fills` walks)."""
    taken = [0] * len(caps)
    for k in order:
        taken[k] = min(caps[k], total)
        total -= taken[k]
    return tuple(taken)


_STEP_OF = {COST: attrgetter("min_fixed_fen"), PACKAGES: None, DISTANCE: attrgetter("distance_km"), PRIORITY: attrgetter("priority_rank")}  # None: 1 each


def _steps(problem: Problem) -> list[tuple[int, ...]]:
    """Per candidate: what joining a set adds to each criterion's floor."""
    candidates = problem.candidates
    columns = [[1] * len(candidates) if value is None else list(map(value, candidates)) for value in (_STEP_OF[name] for name in problem.objective)]
    return list(zip(*columns))


def search(problem: Problem) -> SearchResult:
    """The best `keep` plans by the objective (ties: the lower candidate indices), exactly unless
    the node budget runs out."""
    if not problem.candidates or not problem.items:
        return SearchResult(solutions=[], exact=True, warehouse_sets=0, nodes=0)
    steps = _steps(problem)
    objective, candidates, items = problem.objective, problem.candidates, problem.items
    penalty = tuple(problem.extra_package_fen if name == COST else 0 for name in objective)
    order = sorted(range(len(candidates)), key=steps.__getitem__)  # by steps, ties by index (a stable sort)
    least_shipped = [1 if item.splittable else item.quantity for item in items]  # what shipping an item takes
    if len(items) == 1:
        holds = [1 if c.available[0] >= least_shipped[0] else 0 for c in candidates]
    else:
        holds = []
        for c in candidates:
            mask = 0
            for i, (units, least) in enumerate(zip(c.available, least_shipped)):
                if units >= least:
                    mask |= 1 << i
            holds.append(mask)
    holders = [0] * len(items)
    for position, index in enumerate(order):
        for i in _members(holds[index]):
            holders[i] |= 1 << position
    all_items = (1 << len(items)) - 1
    item_g = [item.quantity * item.unit_g for item in items]
    total_g = sum(item_g)
    searcher = _Search(
        problem=problem,
        steps=steps,
        steps_after_first=[tuple(map(add, step, penalty)) for step in steps],
        order=order,
        holds=holds,
        holders=holders,
        item_g=item_g,
        fens=[c.fen_by_kg for c in candidates],
        least=[c.min_fixed_fen for c in candidates],
        cheapest_kg=[c.min_additional_kg_fen for c in candidates],
        total_g=total_g,
        total_kg=billed(total_g),
        cost_at=objective.index(COST) if COST in objective else None,
    )
    # per criterion, the sums of the r least steps (r = 0..candidates)
    least_sums = [tuple(accumulate(sorted(column), initial=0)) for column in zip(*steps)]
    # per count r: what r more warehouses add at least (each joins after the first: with the penalty)
    searcher.ahead = list(zip(*(accumulate(sorted(column), initial=0) for column in zip(*searcher.steps_after_first))))
    exact = True
    # Every warehouse of a set ships at least one unit (a whole item if it cannot split): a set
    # larger than that count is a smaller set with idle warehouses, so it is never walked.
    most = sum(item.quantity if item.splittable else 1 for item in items)
    sizes = range(1, min(problem.max_packages, len(order), most) + 1)
    # per size, what its packages add at the least for the order's kilograms beyond one each
    weight_floors = searcher.weight_floors
    for size in sizes:
        more = searcher.total_kg - size
        # min over candidates of _addition(fens, rate, 1, more), inlined
        weight_floors[size] = (
            min(fens[1 + more] - fens[1] if more < len(fens) - 1 else fens[-1] - fens[1] + rate * (2 + more - len(fens)) for fens, rate in zip(searcher.fens, searcher.cheapest_kg))
            if more > 0
            else 0
        )
    # Per size, no set of that many warehouses ranks above this key: per criterion, the sum of the
    # `size` least steps (each set's floor is at least that, criterion by criterion, hence also in
    # the objective's lexicographic order), with the extra-package penalty and the weight floor.
    floors = [
        tuple(sums[size] + (problem.extra_package_fen * (size - 1) + weight_floors[size] if name == COST else 0) for sums, name in zip(least_sums, objective))
        for size in sizes
    ]
    for size in sizes:
        bound = searcher.bound()
        if bound is not None and min(floors[size - 1 :]) > bound:
            break  # no set of this size or larger can rank among the kept plans: proven, exact
        # Whatever the set, its packages bill the order's kilograms beyond one each: at the least,
        # what they add to one package (prices are concave in kilograms).
        searcher.weight_floor = searcher.weight_floors[size]
        start = tuple(searcher.weight_floor if name == COST else 0 for name in problem.objective)
        try:
            searcher.walk(size, [], 0, start, all_items, [0] * len(problem.items))
        except BudgetExhausted:
            exact = False
            if size < sizes[-1] and searcher.cost_at is not None:
                searcher.unexplored_floor = min(searcher.unexplored_floor, min(f[searcher.cost_at] for f in floors[size:]))
            break
    exact = exact and not searcher.restricted
    solutions = [entry[2] for entry in searcher.best]
    if not exact and not solutions:
        solutions = _greedy(problem, order, steps)
    lower = None
    if not exact and problem.objective[0] == COST:
        # Every set walked was evaluated or ranks below the plans kept; the rest is bounded.
        found = min((s.cost_fen for s in solutions), default=INFINITE)
        least_fen = min(found, searcher.unexplored_floor)
        lower = None if least_fen == INFINITE else int(least_fen)
    return SearchResult(solutions=solutions, exact=exact, warehouse_sets=searcher.sets, nodes=searcher.nodes, lower_bound_fen=lower)


def _greedy(problem: Problem, order: list[int], steps: list[tuple[int, ...]]) -> list[Solution]:
    """A plan when the budget ran out before any: take warehouses in floor order, each shipping
    all it can of what is still missing, until every item is covered."""
    missing = [item.quantity for item in problem.items]
    shipped: dict[int, list[int]] = {}
    for index in order:
        if len(shipped) == problem.max_packages or not any(missing):
            break
        candidate = problem.candidates[index]
        take = [(min(m, a) if item.splittable else (m if a >= m else 0)) for item, m, a in zip(problem.items, missing, candidate.available)]
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
    totals = [sum(values) for values in zip(*(steps[s] for s in sites))]
    key = tuple(cost if name == COST else total for name, total in zip(problem.objective, totals))
    return [Solution(sites=sites, allocation=allocation, cost_fen=cost, key=key)]
