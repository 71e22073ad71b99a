"""Plans one order: which warehouses ship which units, by the strategy, with its explanation.

Pure: the network, the stock and the clock come in as values, so the same inputs always give the
same decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from operator import mul

from shared.geo import Province
from shared.routing import optimiser
from shared.routing.costs import Lane, billed_kg, lane
from shared.routing.demand import Demand
from shared.routing.explain import decision
from shared.routing.memo import PlanningMemo
from shared.routing.model import ExcludedWarehouse, RoutingDecision, StockLevel, Unroutable
from shared.routing.network import Destination, Network, Site, Strategy

RUNNERS_UP = 2


@dataclass(frozen=True, slots=True)
class RoutingRequest:
    lines: tuple[tuple[str, int], ...]  # (sku, quantity); repeated SKUs are summed
    destination: Destination
    now: datetime  # decides the cut-off and how many days are left until the promise
    promised_delivery_date: date | None = None
    channel: str | None = None


def destination_of(province: Province) -> Destination:
    """Orders name a province; its capital stands for the delivery point."""
    return Destination(province_code=province.code, lat=province.lat, lon=province.lon)


def demand_by_sku(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    demand: dict[str, int] = {}
    for sku, quantity in lines:
        if quantity > 0:
            demand[sku] = demand.get(sku, 0) + quantity
    return demand


@dataclass(frozen=True, slots=True)
class Prepared:
    """An order ready for the optimiser: its items and the warehouses that may ship them, priced."""

    strategy: Strategy
    demand: Demand
    lanes: tuple[Lane, ...]  # the eligible warehouses, by id
    holdings: tuple[tuple[int, ...], ...]  # per eligible warehouse: units of each item it can ship
    excluded: tuple[ExcludedWarehouse, ...]
    stock: Mapping[tuple[str, str], int]  # (warehouse id, sku) -> available
    allowed: tuple[Site, ...]  # every warehouse the strategy and capacity allow


def prepare(
    request: RoutingRequest,
    network: Network,
    stock: Iterable[StockLevel],
    strategy: Strategy | None = None,
    packages_today: Mapping[str, int] | None = None,
    memo: PlanningMemo | None = None,
) -> Prepared | Unroutable:
    """`memo` (shared/routing/memo.py) remembers the stock-independent values across decisions."""
    available = {(s.warehouse_id, s.sku): max(0, s.available) for s in stock}
    return prepare_available(request, network, available, strategy, packages_today, memo)


def prepare_available(
    request: RoutingRequest,
    network: Network,
    available: Mapping[tuple[str, str], int],
    strategy: Strategy | None = None,
    packages_today: Mapping[str, int] | None = None,
    memo: PlanningMemo | None = None,
) -> Prepared | Unroutable:
    """`prepare` with the stock already as (warehouse id, sku) -> available units, none below 0
    (a caller that keeps its stock so skips building a StockLevel per record)."""
    strategy = strategy or network.strategy_for(request.channel)
    if memo is not None:
        memo.check(network)
        demand = memo.demand(demand_by_sku(request.lines), strategy)
        # per warehouse, in order: its lane (None if the strategy leaves it out) and the strategy's reason
        ways = memo.ways(strategy, request.destination, request.promised_delivery_date, request.now)
        excluded_for = memo.excluded
    else:
        demand = Demand.of(demand_by_sku(request.lines), network, strategy)
        ways = tuple((None, _ruled_out(site, request.destination.province_code, strategy)) for site in network.sites)
        excluded_for = _excluded
    shipped_today = packages_today or {}
    excluded: list[ExcludedWarehouse] = []
    allowed: list[Site] = []  # what the strategy and capacity allow; their stock is what exists
    eligible: list[tuple[Site, tuple[int, ...]]] = []  # those of them holding some of the order
    lanes: list[Lane | None] = []
    for site, (lane_, reason) in zip(network.sites, ways):
        if reason is None and site.daily_capacity is not None:
            reason = _at_capacity(site, shipped_today)
        if reason is None:
            allowed.append(site)
            holding = demand.availability(site, available)
            if any(holding):
                eligible.append((site, holding))
                lanes.append(lane_)
                continue
            reason = demand.why_nothing(site, available)
        excluded.append(excluded_for(site.warehouse_id, reason))
    short = demand.shortages(eligible, allowed, available)
    if short is not None:
        return short
    return Prepared(
        strategy=strategy,
        demand=demand,
        lanes=tuple(
            lane(site, request.destination, network, request.promised_delivery_date, request.now) if lane_ is None else lane_
            for (site, _), lane_ in zip(eligible, lanes)
        ),
        holdings=tuple(holding for _, holding in eligible),
        excluded=tuple(excluded),
        stock=available,
        allowed=tuple(allowed),
    )


def problem_of(
    prepared: Prepared, network: Network, keep: int = 1 + RUNNERS_UP, node_budget: int = optimiser.NODE_BUDGET, memo: PlanningMemo | None = None
) -> optimiser.Problem:
    if memo is not None:
        memo.check(network)
    # per warehouse, in one look-up with the memo: what its lane, the strategy and the kilograms its holding bills give
    strategy = prepared.strategy
    weights = [item.unit_g for item in prepared.demand.items]
    if memo is not None:
        candidates = memo.candidates(prepared.lanes, prepared.holdings, weights, strategy)
    else:
        candidates = tuple(optimiser.Candidate(h, *candidate_terms(l, strategy, billed_kg(sum(map(mul, h, weights))))) for l, h in zip(prepared.lanes, prepared.holdings))
    return optimiser.Problem(
        items=prepared.demand.items,
        candidates=candidates,
        objective=strategy.objective,
        extra_package_fen=network.extra_package_fen,
        max_packages=strategy.max_packages,
        keep=keep,
        node_budget=node_budget,
    )


def plan_order(
    request: RoutingRequest,
    network: Network,
    stock: Iterable[StockLevel],
    strategy: Strategy | None = None,
    packages_today: Mapping[str, int] | None = None,
    node_budget: int = optimiser.NODE_BUDGET,
) -> RoutingDecision | Unroutable:
    prepared = prepare(request, network, stock, strategy, packages_today)
    if isinstance(prepared, Unroutable):
        return prepared
    result = optimiser.search(problem_of(prepared, network, node_budget=node_budget))
    if not result.solutions:
        max_packages = prepared.strategy.max_packages
        return Unroutable(
            reason=f"no plan of at most {max_packages} package{'s' if max_packages > 1 else ''} ships every line",
            short_lines=prepared.demand.short_lines(prepared.allowed, prepared.stock, only_short=False),
        )
    return decision(prepared.strategy, prepared.demand, prepared.lanes, result, network, list(prepared.excluded))


def _ruled_out(site: Site, province_code: str, strategy: Strategy) -> str | None:
    """Why the strategy leaves this warehouse out for orders to this province (None: it does not)."""
    if site.warehouse_id in strategy.excluded_warehouses:
        return f"excluded by strategy {strategy.name}"
    if (site.warehouse_id, province_code) in strategy.excluded_routes:
        return f"strategy {strategy.name} does not ship from here to province {province_code}"
    return None


def _at_capacity(site: Site, packages_today: Mapping[str, int]) -> str | None:
    shipped = packages_today.get(site.warehouse_id, 0)
    if site.daily_capacity is not None and shipped >= site.daily_capacity:
        return f"at its daily capacity ({shipped} of {site.daily_capacity} packages)"
    return None


def _excluded(warehouse_id: str, reason: str) -> ExcludedWarehouse:
    return ExcludedWarehouse(warehouse_id=warehouse_id, reason=reason)


def fen_by_kg(lane_: Lane, kg: int) -> tuple[int, ...]:
    """A package's cost from this lane by billed kilograms, 1..kg (index 0 unused)."""
    return _price_table([(q.fixed_fen, q.additional_kg_fen) for q in lane_.quotes], kg)


def _price_table(carriers: list[tuple[int, int]], kg: int) -> tuple[int, ...]:
    """The cheapest of the carriers' straight lines (one kilogram's price, each further kilogram's)
    at 1..kg billed kilograms (index 0 unused): min over carriers of fixed + additional × (kg − 1).
    Built a stretch at a time: from each kilogram on, the carrier cheapest there (the flattest of
    equals) stays cheapest until a flatter one undercuts it, so its stretch is one range."""
    out = [0]
    k = 0
    while k < kg:
        fixed, additional = min(carriers, key=lambda c: (c[0] + c[1] * k, c[1]))
        end = kg
        for other_fixed, other_additional in carriers:
            if other_additional < additional:  # undercuts from the first k where it is strictly cheaper
                end = min(end, (other_fixed - fixed) // (additional - other_additional) + 1)
        if additional:
            out += range(fixed + additional * k, fixed + additional * end, additional)
        else:
            out += [fixed] * (end - k)
        k = end
    return tuple(out)


def candidate_terms(lane_: Lane, strategy: Strategy, kg: int) -> tuple[tuple[int, ...], int, int, int, int]:
    """What an optimiser candidate takes from its lane, the strategy and the kilograms its holding
    bills (optimiser.Candidate's fields after `available`): the lane's price table up to them
    (fen_by_kg), the cheapest package (Lane.min_fixed_fen), the cheapest further kilogram
    (Lane.min_additional_kg_fen), the distance in whole kilometres, the warehouse's priority rank."""
    return (
        fen_by_kg(lane_, kg),
        lane_.min_fixed_fen,
        lane_.min_additional_kg_fen,
        round(lane_.distance_km),
        strategy.priority_rank(lane_.site.warehouse_id),
    )
