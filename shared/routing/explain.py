"""Turns the optimiser's answer into a decision a person can check: the chosen plan with every
package's cost itemised, the runners-up and why each lost, the warehouses left out and why."""

from __future__ import annotations

from collections.abc import Sequence

from shared.routing.costs import Lane, package_cost, yuan
from shared.routing.criteria import COST, DESCRIPTIONS, DISTANCE, PACKAGES, PRIORITY
from shared.routing.demand import Demand
from shared.routing.model import (
    ExcludedWarehouse,
    PlannedLine,
    PlanSummary,
    RoutingDecision,
    RunnerUp,
    SearchReport,
    Shipment,
)
from shared.routing.network import Network, Strategy
from shared.routing.optimiser import SearchResult, Solution


def decision(
    strategy: Strategy,
    demand: Demand,
    lanes: Sequence[Lane],
    result: SearchResult,
    network: Network,
    excluded: list[ExcludedWarehouse],
) -> RoutingDecision:
    chosen, *others = [summary(s, strategy, demand, lanes, network) for s in result.solutions]
    best = result.solutions[0]
    return RoutingDecision(
        strategy=strategy.name,
        objective=list(strategy.objective),
        chosen=chosen,
        runners_up=[
            RunnerUp(**other.model_dump(), why_not=why_not(solution, best, strategy))
            for other, solution in zip(others, result.solutions[1:])
        ],
        excluded=excluded,
        assumptions=[f"{sku}: weight unknown to the SKU catalogue, {kilograms(network.catalogue.default_weight_g)} kg assumed" for sku in demand.assumed_weights],
        search=SearchReport(
            method="exact" if result.exact else "heuristic",
            warehouse_sets=result.warehouse_sets,
            nodes=result.nodes,
            lower_bound=None if result.lower_bound_fen is None else yuan(result.lower_bound_fen),
        ),
    )


def kilograms(grams: int) -> str:
    return f"{grams / 1000:.3f}"


def summary(solution: Solution, strategy: Strategy, demand: Demand, lanes: Sequence[Lane], network: Network) -> PlanSummary:
    shipments, costs = [], []
    for position, site_index in enumerate(solution.sites):
        lane_ = lanes[site_index]
        lines: list[tuple[str, int]] = []
        grams = 0
        for item_index, split in enumerate(solution.allocation):
            units = split[position]
            lines.extend(demand.lines_for(item_index, units))
            grams += units * demand.items[item_index].unit_g
        cost = package_cost(lane_, grams)
        costs.append(cost)
        shipments.append(
            Shipment(
                warehouse_id=lane_.site.warehouse_id,
                distance_km=round(lane_.distance_km, 1),
                lines=[PlannedLine(sku=sku, quantity=q) for sku, q in sorted(lines)],
                carrier=cost.carrier,
                cost=cost.total,
            )
        )
    extra = network.extra_package_fen * (len(shipments) - 1)
    total = sum((c.total for c in costs), yuan(extra))
    if total != yuan(solution.cost_fen):  # the breakdown is the optimiser's figure, itemised
        raise AssertionError(f"cost breakdown {total} disagrees with the optimiser's {yuan(solution.cost_fen)}")
    return PlanSummary(
        warehouses=[s.warehouse_id for s in shipments],
        packages=len(shipments),
        distance_km=round(sum(s.distance_km for s in shipments), 1),
        total_cost=total,
        extra_package_penalty=yuan(extra),
        late_packages=sum(c.late for c in costs),
        score={name: (yuan(value) if name == COST else value) for name, value in zip(strategy.objective, solution.key)},
        shipments=shipments,
        costs=costs,
    )


_WORSE = {
    COST: lambda d: f"costs {yuan(d)} yuan more",
    PACKAGES: lambda d: f"needs {d} more package{'s' if d > 1 else ''}",
    DISTANCE: lambda d: f"ships from {d} km farther in total",
    PRIORITY: lambda d: f"uses warehouses {d} place{'s' if d > 1 else ''} lower in the priority list",
}


def why_not(solution: Solution, best: Solution, strategy: Strategy) -> str:
    for name, value, winner in zip(strategy.objective, solution.key, best.key):
        if value != winner:
            return _WORSE[name](value - winner)
    return f"ties on {', '.join(DESCRIPTIONS[n] for n in strategy.objective)}; the lower warehouse ids win"
