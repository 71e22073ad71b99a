"""How each policy chooses warehouses, on the in-memory stock of its own run.

oms: the routing domain's exact optimiser (shared/routing: prepare → problem → search), the
  strategy by the order's channel as the policy file says; lanes, carts and candidates are
  remembered across decisions (shared/routing/memo.py); a decision is cached by its demand
  signature (lines, destination province, days to the promise, which warehouses are past their
  cut-off, the units each warehouse could take of each line, the warehouses at their daily
  capacity): equal signatures give equal decisions, because that is all the optimiser reads.
traditional: B0 of the routing benchmark (benchmarks/routing_baselines.fixed_priority): the first
  warehouse in a fixed list (largest hub first) holding the whole order, else line by line in
  list order; priced by the same cost model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benchmarks.routing_baselines import fixed_priority
from benchmarks.routing_benchmark import price
from shared.routing import Network, RoutingRequest, Unroutable, optimiser
from shared.routing.costs import billed_kg
from shared.routing.memo import PlanningMemo
from shared.routing.planner import Prepared, prepare_available, problem_of
from simulation.stock import Cell, SimStock


@dataclass(frozen=True, slots=True)
class Routed:
    shipments: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (warehouse id, ((sku, units), ...))
    cost_fen: int
    late_packages: int
    exact: bool = True

    @property
    def packages(self) -> int:
        return len(self.shipments)

    def reservation(self) -> dict[tuple[str, str], int]:
        lines: dict[tuple[str, str], int] = {}
        for warehouse, shipped in self.shipments:
            for sku, units in shipped:
                lines[(warehouse, sku)] = lines.get((warehouse, sku), 0) + units
        return lines


def _shipments(prepared: Prepared, allocation: Mapping[int, Sequence[int]]) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    out = []
    for lane_index, units in sorted(allocation.items(), key=lambda kv: prepared.lanes[kv[0]].site.warehouse_id):
        lines: list[tuple[str, int]] = []
        for item_index, quantity in enumerate(units):
            lines.extend(prepared.demand.lines_for(item_index, quantity))
        if lines:
            out.append((prepared.lanes[lane_index].site.warehouse_id, tuple(sorted(lines))))
    return tuple(out)


class Router:
    """One policy's routing with its decision cache; `hits` and `misses` say how well it caches."""

    def __init__(self, network: Network, policy: str, priority: tuple[str, ...]):
        self.network, self.policy = network, policy
        self.baseline = fixed_priority(priority) if policy == "traditional" else None
        self.site_ids = tuple(s.warehouse_id for s in network.sites)
        self.capped_sites = tuple(s for s in network.sites if s.daily_capacity is not None)
        self.cache: dict[tuple, Routed | None] = {}
        self.hits = self.misses = 0
        self.memo = PlanningMemo(network)  # lanes, carts and candidates: the same values, computed once
        self.stock: SimStock | None = None
        self.rows: dict[str, tuple[Cell | None, ...]] = {}  # sku -> its cell in each warehouse, in network order

    def route(self, request: RoutingRequest, stock: SimStock, packages_today: Mapping[str, int]) -> Routed | None:
        """The plan, or None: the order is backordered (short of stock, or no plan within the limits)."""
        strategy = self.network.strategy_for(request.channel)
        key = self.signature(request, stock, strategy.name, packages_today)
        found = self.cache.get(key, self)
        if found is not self:
            self.hits += 1
            return found  # type: ignore[return-value]
        self.misses += 1
        routed = self.decide(request, stock, strategy, packages_today)
        self.cache[key] = routed
        return routed

    def row(self, stock: SimStock, sku: str) -> tuple[Cell | None, ...]:
        """The SKU's cell in each warehouse (None where it has none): a run's cells are made at the
        opening and only change in place, so the row is looked up once per SKU."""
        if stock is not self.stock:
            self.stock, self.rows = stock, {}
        found = self.rows.get(sku)
        if found is None:
            found = self.rows[sku] = tuple(stock.cells.get((w, sku)) for w in self.site_ids)
        return found

    def signature(self, request: RoutingRequest, stock: SimStock, strategy: str, packages_today: Mapping[str, int]) -> tuple:
        """All the decision reads: the strategy, destination province, days to the promise, which
        warehouses are past their cut-off, the cart, the units each warehouse could take of each
        line (Demand.availability: at most the quantity) and the warehouses at their capacity."""
        days, _, passed = self.memo.clock(request.promised_delivery_date, request.now)
        cart = request.lines
        if len(cart) > 1:
            lines: dict[str, int] = {}
            for sku, quantity in cart:
                lines[sku] = lines.get(sku, 0) + quantity
            cart = tuple(sorted(lines.items()))
        full = tuple(s.warehouse_id for s in self.capped_sites if packages_today.get(s.warehouse_id, 0) >= s.daily_capacity)  # type: ignore[operator]
        return (
            strategy,
            request.destination.province_code,
            days,
            passed,
            cart,
            tuple([capped(self.row(stock, sku), quantity) for sku, quantity in cart]),
            full,
        )

    def decide(self, request: RoutingRequest, stock: SimStock, strategy, packages_today: Mapping[str, int]) -> Routed | None:
        available = {}  # what prepare reads: (warehouse id, sku) -> available units, at least 0, wherever a cell exists
        for sku, _ in request.lines:
            for warehouse, cell in zip(self.site_ids, self.row(stock, sku)):
                if cell is not None:
                    held = cell.on_hand - cell.reserved - cell.safety  # Cell.available
                    available[(warehouse, sku)] = held if held > 0 else 0
        prepared = prepare_available(request, self.network, available, strategy, packages_today, self.memo)
        if isinstance(prepared, Unroutable):
            return None
        if self.baseline is not None:
            allocation = self.baseline(prepared)
            outcome = price(prepared, allocation, self.network.extra_package_fen)
            return Routed(_shipments(prepared, allocation), outcome.cost_fen, outcome.late_packages)
        result = optimiser.search(problem_of(prepared, self.network, keep=1, memo=self.memo))
        if not result.solutions:
            return None
        best = result.solutions[0]
        chosen = {site: tuple(split[position] for split in best.allocation) for position, site in enumerate(best.sites)}
        late = 0
        for site, units in chosen.items():
            grams = sum(u * item.unit_g for u, item in zip(units, prepared.demand.items))
            late += prepared.lanes[site].quote(billed_kg(grams)).late
        return Routed(_shipments(prepared, chosen), best.cost_fen, late, result.exact)


def capped(row: tuple[Cell | None, ...], quantity: int) -> tuple[int, ...]:
    """Per warehouse, the units routing could take of a line (at most its quantity; 0 without a cell)."""
    out = []
    for cell in row:
        if cell is None:
            out.append(0)
        else:
            available = cell.on_hand - cell.reserved - cell.safety  # Cell.available
            out.append(quantity if available >= quantity else available if available > 0 else 0)
    return tuple(out)
