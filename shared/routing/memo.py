"""What a routing decision computes that does not depend on stock, remembered for one network.

Many decisions in a row (a simulated day, a what-if replay) price the same lanes and read the same
carts again and again. Each value here is a pure function of its key, so a remembered value is the
value that would have been computed:

- a lane (shared/routing/costs.lane) reads the warehouse, the destination, the network's zones and
  late penalty, and the clock only through the days left until the promise and whether the
  warehouse's cut-off has passed: key (warehouse, destination, days to promise, ships in days);
- an order's demand (shared/routing/demand.Demand.of) reads the units per SKU, the catalogue and
  the strategy: key (strategy, units per SKU);
- a lane's price table by billed kilograms (planner.fen_by_kg) reads the lane's quotes: the table
  up to k kilograms is the first k+1 entries of any longer one; a lane's identity stands for its key (the memo keeps
  every lane it keyed alive, so no other lane takes its id);
- what an optimiser candidate (planner._candidate) takes from its lane and strategy alone (the
  cheapest package and further kilogram, the rounded distance, the warehouse's priority rank):
  key (lane, strategy); with the price table, key (lane, strategy, billed kilograms).

Opt-in: `prepare(..., memo=PlanningMemo(network))` and `problem_of(..., memo=...)`; one memo per
network (it holds the network it was made for and refuses another). Unbounded: meant for a run,
not for a long-lived process.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from shared.routing.costs import Lane, lane
from shared.routing.demand import Demand
from shared.routing.network import CHINA_TIME, Destination, Network, Site, Strategy


class PlanningMemo:
    def __init__(self, network: Network):
        self.network = network
        self._lanes: dict[tuple, Lane] = {}
        self._demands: dict[tuple, Demand] = {}
        self._fens: dict[int, tuple[int, ...]] = {}  # lane -> its price table by billed kilograms
        self._strategies: dict[int, Strategy] = {}  # keeps every keyed strategy alive, so its id stays its own
        self._lanes_by_id: dict[int, Lane] = {}  # the same for lanes
        self._tables: dict[tuple[int, int], tuple[int, ...]] = {}  # (lane, kg) -> its table up to kg
        self._lane_terms: dict[tuple[int, int], tuple[int, int, int, int]] = {}  # (lane, strategy) -> lane_terms
        self._candidate_terms: dict[tuple[int, int, int], tuple] = {}  # (lane, strategy, kg) -> (table up to kg, *lane_terms)
        self.hits = self.misses = 0

    def check(self, network: Network) -> None:
        if network is not self.network:
            raise ValueError("a PlanningMemo serves the one network it was made for")

    def _strategy_key(self, strategy: Strategy) -> int:
        self._strategies.setdefault(id(strategy), strategy)
        return id(strategy)

    def _kept(self, lane_: Lane) -> int:
        """A lane's identity as its key: kept alive here, so no other lane ever takes its id."""
        self._lanes_by_id.setdefault(id(lane_), lane_)
        return id(lane_)

    def demand(self, requested: Mapping[str, int], strategy: Strategy) -> Demand:
        key = (self._strategy_key(strategy), tuple(sorted(requested.items())))
        found = self._demands.get(key)
        if found is None:
            self.misses += 1
            found = self._demands[key] = Demand.of(requested, self.network, strategy)
        else:
            self.hits += 1
        return found

    def lane(self, site: Site, destination: Destination, promised: date | None, now: datetime) -> Lane:
        return self.lanes((site,), destination, promised, now)[0]

    def lanes(self, sites: tuple[Site, ...] | list[Site], destination: Destination, promised: date | None, now: datetime) -> list[Lane]:
        """The lanes from these warehouses; the clock is read once for all of them (the value of
        Site.ships_in_days and costs.days_to_promise at `now`)."""
        local = now.astimezone(CHINA_TIME)
        minute = local.hour * 60 + local.minute
        days = None if promised is None else (promised - local.date()).days
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

    def lane_terms(self, lane_: Lane, strategy: Strategy) -> tuple[int, int, int, int]:
        """planner.lane_terms(lane, strategy), once per (lane, strategy)."""
        key = (self._kept(lane_), self._strategy_key(strategy))
        found = self._lane_terms.get(key)
        if found is None:
            from shared.routing.planner import lane_terms  # the planner builds on this module

            found = self._lane_terms[key] = lane_terms(lane_, strategy)
        return found

    def candidate_terms(self, lane_: Lane, strategy: Strategy, kg: int) -> tuple[tuple[int, ...], int, int, int, int]:
        """(fen_by_kg(lane, kg), *lane_terms(lane, strategy)): all an optimiser candidate takes
        from its lane, strategy and billed kilograms, in one look-up (a decision asks it for every
        warehouse). An entry is made only after lane_terms kept the lane and the strategy alive,
        so the ids in its key stay theirs."""
        key = (id(lane_), id(strategy), kg)
        found = self._candidate_terms.get(key)
        if found is None:
            found = self._candidate_terms[key] = (self.fen_by_kg(lane_, kg), *self.lane_terms(lane_, strategy))
        return found

    def fen_by_kg(self, lane_: Lane, kg: int) -> tuple[int, ...]:
        """The lane's table up to `kg`: a prefix of its longest table built so far."""
        found = self._tables.get((id(lane_), kg))
        if found is not None and self._lanes_by_id.get(id(lane_)) is lane_:
            self.hits += 1
            return found
        key = self._kept(lane_)
        table = self._fens.get(key)
        if table is None or len(table) <= kg:
            from shared.routing.planner import fen_by_kg  # the planner builds on this module

            self.misses += 1
            table = self._fens[key] = fen_by_kg(lane_, max(kg, 2 * (len(table) - 1) if table else kg))
        else:
            self.hits += 1
        table = table if len(table) == kg + 1 else table[: kg + 1]
        self._tables[(key, kg)] = table
        return table
