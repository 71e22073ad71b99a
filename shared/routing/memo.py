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
  every lane it keyed alive, so no other lane takes its id).

Opt-in: `prepare(..., memo=PlanningMemo(network))` and `problem_of(..., memo=...)`; one memo per
network (it holds the network it was made for and refuses another). Unbounded: meant for a run,
not for a long-lived process.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from shared.routing.costs import Lane, days_to_promise, lane
from shared.routing.demand import Demand
from shared.routing.network import Destination, Network, Site, Strategy


class PlanningMemo:
    def __init__(self, network: Network):
        self.network = network
        self._lanes: dict[tuple, Lane] = {}
        self._demands: dict[tuple, Demand] = {}
        self._fens: dict[int, tuple[int, ...]] = {}  # lane -> its price table by billed kilograms
        self._strategies: dict[int, Strategy] = {}  # keeps every keyed strategy alive, so its id stays its own
        self._lanes_by_id: dict[int, Lane] = {}  # the same for lanes
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
        key = (site.warehouse_id, destination.province_code, destination.lat, destination.lon, days_to_promise(promised, now), site.ships_in_days(now))
        found = self._lanes.get(key)
        if found is None:
            self.misses += 1
            found = self._lanes[key] = lane(site, destination, self.network, promised, now)
        else:
            self.hits += 1
        return found

    def fen_by_kg(self, lane_: Lane, kg: int) -> tuple[int, ...]:
        """The lane's table up to `kg`: a prefix of its longest table built so far."""
        key = self._kept(lane_)
        table = self._fens.get(key)
        if table is None or len(table) <= kg:
            from shared.routing.planner import fen_by_kg  # the planner builds on this module

            self.misses += 1
            table = self._fens[key] = fen_by_kg(lane_, max(kg, 2 * (len(table) - 1) if table else kg))
        else:
            self.hits += 1
        return table if len(table) == kg + 1 else table[: kg + 1]
