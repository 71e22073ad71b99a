"""What a routing decision computes that does not depend on stock, remembered for one network.

Many decisions in a row (a simulated day, a what-if replay) price the same lanes and read the same
carts again and again. Each value here is a pure function of its key, so a remembered value is the
value that would have been computed:

- a lane (shared/routing/costs.lane) reads the warehouse, the destination, the network's zones and
  late penalty, and the clock only through the days left until the promise and whether the
  warehouse's cut-off has passed: key (warehouse, destination, days to promise, ships in days);
- an order's demand (shared/routing/demand.Demand.of) reads the units per SKU, the catalogue and
  the strategy: key (strategy, units per SKU);
- everything an optimiser candidate (planner.candidate_terms) takes from its lane, the strategy
  and the kilograms its holding bills: the lane's price table up to those kilograms and its
  cheapest package and further kilogram, distance and priority rank; key (lane, strategy, billed
  kilograms), one look-up per warehouse of a decision; a miss within the longest table built for
  the (lane, strategy) is a slice of it (a table is a prefix of any longer one). A lane's and a
  strategy's identity stand for them in the key (the memo keeps every one it keyed alive, so no
  other takes its id).

Opt-in: `prepare(..., memo=PlanningMemo(network))` and `problem_of(..., memo=...)`; one memo per
network (it holds the network it was made for and refuses another). Unbounded: meant for a run,
not for a long-lived process.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from datetime import date, datetime
from operator import mul

from shared.routing.costs import Lane, lane
from shared.routing.demand import Demand
from shared.routing.model import ExcludedWarehouse
from shared.routing.network import CHINA_TIME, GRAMS_PER_KG, Destination, Network, Site, Strategy
from shared.routing.optimiser import Candidate


class PlanningMemo:
    def __init__(self, network: Network):
        self.network = network
        self._lanes: dict[tuple, Lane] = {}
        self._demands: dict[tuple, Demand] = {}
        self._kept: dict[int, object] = {}  # every lane and strategy keyed by its id, kept alive so the id stays its own
        self._candidate_terms: dict[tuple[int, int, int], tuple[tuple[int, ...], int, int, int, int]] = {}  # (lane, strategy, kg)
        self._longest_terms: dict[tuple[int, int], tuple[tuple[int, ...], int, int, int, int]] = {}  # (lane, strategy): the terms at the most kg asked so far
        self._ways: dict[tuple, tuple[tuple[Lane | None, str | None], ...]] = {}  # (strategy, destination, days, cut-offs passed)
        self._cut_offs = sorted({site.cut_off_minute for site in network.sites})
        self._excluded: dict[tuple[str, str], ExcludedWarehouse] = {}
        self.hits = self.misses = 0

    def check(self, network: Network) -> None:
        if network is not self.network:
            raise ValueError("a PlanningMemo serves the one network it was made for")

    def _key(self, value: object) -> int:
        """A value's identity as a key, the value kept alive here so no other ever takes its id."""
        self._kept.setdefault(id(value), value)
        return id(value)

    def demand(self, requested: Mapping[str, int], strategy: Strategy) -> Demand:
        key = (self._key(strategy), tuple(sorted(requested.items())))
        found = self._demands.get(key)
        if found is None:
            self.misses += 1
            found = self._demands[key] = Demand.of(requested, self.network, strategy)
        else:
            self.hits += 1
        return found

    def lane(self, site: Site, destination: Destination, promised: date | None, now: datetime) -> Lane:
        return self.lanes((site,), destination, promised, now)[0]

    def clock(self, promised: date | None, now: datetime) -> tuple[int | None, int, int]:
        """The clock as a lane reads it: (days to the promise, as costs.days_to_promise; the
        minute of the China day; how many of the network's cut-off minutes it has reached, which
        says which warehouses are past theirs)."""
        local = now.astimezone(CHINA_TIME)
        minute = local.hour * 60 + local.minute
        return (None if promised is None else (promised - local.date()).days), minute, bisect_right(self._cut_offs, minute)

    def lanes(self, sites: tuple[Site, ...] | list[Site], destination: Destination, promised: date | None, now: datetime) -> list[Lane]:
        """The lanes from these warehouses; the clock is read once for all of them (the value of
        Site.ships_in_days and costs.days_to_promise at `now`)."""
        days, minute, _ = self.clock(promised, now)
        out = []
        for site in sites:
            key = (site.warehouse_id, destination.province_code, destination.lat, destination.lon, days, 0 if minute < site.cut_off_minute else 1)
            found = self._lanes.get(key)
            if found is None:
                self.misses += 1
                found = self._lanes[key] = lane(site, destination, self.network, promised, now)
            else:
                self.hits += 1
            out.append(found)
        return out

    def ways(self, strategy: Strategy, destination: Destination, promised: date | None, now: datetime) -> tuple[tuple[Lane | None, str | None], ...]:
        """Per warehouse of the network, in its order: the lane to this destination at `now` and
        None, or None and why the strategy leaves the warehouse out (planner._ruled_out). The
        clock is read as `lanes` reads it: the days to the promise, and which warehouses are past
        their cut-off (how many of the network's cut-off minutes `now` has reached says which)."""
        days, _, passed = self.clock(promised, now)
        key = (self._key(strategy), destination.province_code, destination.lat, destination.lon, days, passed)
        found = self._ways.get(key)
        if found is None:
            from shared.routing.planner import _ruled_out  # the planner builds on this module

            reasons = [_ruled_out(site, destination.province_code, strategy) for site in self.network.sites]
            open_ = iter(self.lanes([site for site, reason in zip(self.network.sites, reasons) if reason is None], destination, promised, now))
            found = self._ways[key] = tuple((None, reason) if reason is not None else (next(open_), None) for reason in reasons)
        return found

    def excluded(self, warehouse_id: str, reason: str) -> ExcludedWarehouse:
        """ExcludedWarehouse(warehouse_id, reason), one value per pair (read, never changed)."""
        found = self._excluded.get((warehouse_id, reason))
        if found is None:
            found = self._excluded[(warehouse_id, reason)] = ExcludedWarehouse(warehouse_id=warehouse_id, reason=reason)
        return found

    def candidates(self, lanes: tuple[Lane, ...], holdings: tuple[tuple[int, ...], ...], weights: list[int], strategy: Strategy) -> tuple[Candidate, ...]:
        """Per lane, the optimiser's candidate for its holding: candidate_terms at the kilograms
        the holding bills (costs.billed_kg), in one loop."""
        found, strategy_id, out = self._candidate_terms, id(strategy), []
        for lane_, holding in zip(lanes, holdings):
            grams = sum(map(mul, holding, weights))
            kg = -(-grams // GRAMS_PER_KG) if grams > GRAMS_PER_KG else 1  # billed_kg(grams)
            terms = found.get((id(lane_), strategy_id, kg))
            if terms is None:
                terms = self.candidate_terms(lane_, strategy, kg)
            else:
                self.hits += 1
            out.append(Candidate(holding, *terms))
        return tuple(out)

    def candidate_terms(self, lane_: Lane, strategy: Strategy, kg: int) -> tuple[tuple[int, ...], int, int, int, int]:
        """planner.candidate_terms(lane, strategy, kg), once per (lane, strategy, kg). A lane's price
        table up to fewer kilograms is the prefix of a longer one (each entry is the cheapest
        carrier at that weight, whatever the table's length), and the other terms do not depend on
        the kilograms: a new kg within the longest table built for the lane is a slice of it."""
        key = (id(lane_), id(strategy), kg)
        found = self._candidate_terms.get(key)
        if found is None:  # an entry's lane and strategy are kept alive: an id in a key is still theirs
            from shared.routing.planner import candidate_terms  # the planner builds on this module

            self.misses += 1
            longest = self._longest_terms.get(key[:2])
            if longest is not None and len(longest[0]) > kg:
                found = (longest[0][: kg + 1], *longest[1:])
            else:
                found = self._longest_terms[(self._key(lane_), self._key(strategy))] = candidate_terms(lane_, strategy, kg)
            self._candidate_terms[(self._key(lane_), self._key(strategy), kg)] = found
        else:
            self.hits += 1
        return found
