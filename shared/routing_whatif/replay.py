"""The replay: every order routed under the policy in force and under the candidate, on the same
stock (each order on its own: stock is not drawn down between orders, so every difference comes
from the policy alone), and under the exact cost optimum of each one's cost model (lowest cost,
up to REFERENCE_MAX_PACKAGES packages) as the reference. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from shared.geo import find_province
from shared.orders import OrderIn
from shared.routing import Network, RoutingDecision, RoutingRequest, StockLevel, Strategy, destination_of, plan_order
from shared.routing_whatif.report import MAX_CHANGED_LISTED, ZERO, ChangedRouting, PlanBrief, RoutingWhatIfReport, Side

REFERENCE_MAX_PACKAGES = 3
REFERENCE = Strategy(name="exact-optimum", objective=("cost", "packages", "distance"), max_packages=REFERENCE_MAX_PACKAGES)


def request_of(order: OrderIn, now: datetime | None = None) -> RoutingRequest | None:
    """The order as routing sees it, decided `now` (by default the moment it was placed); None
    when its province is unknown (review holds such orders)."""
    province = find_province(order.receiver.province) if order.receiver else None
    if province is None:
        return None
    return RoutingRequest(
        lines=tuple((line.sku, line.quantity) for line in order.lines),
        destination=destination_of(province),
        now=now or order.placed_at,
        promised_delivery_date=order.promised_delivery_date,
        channel=order.channel.value,
    )


def brief(decision: RoutingDecision) -> PlanBrief:
    chosen = decision.chosen
    return PlanBrief(strategy=decision.strategy, warehouses=chosen.warehouses, packages=chosen.packages, total_cost=chosen.total_cost, late_packages=chosen.late_packages)


def explain(before: RoutingDecision | None, after: RoutingDecision | None, limit: int | None = None) -> str:
    if before is None or after is None:
        side = "in force" if before is None else "candidate"
        other = after or before
        return f"backordered under the {side} policy; the other ships from {', '.join(other.chosen.warehouses)}" if other else "backordered under both"
    old, new = before.chosen, after.chosen
    text = f"ships from {', '.join(new.warehouses)} ({new.total_cost} yuan) instead of {', '.join(old.warehouses)} ({old.total_cost} yuan)"
    if limit is not None and old.packages > limit:
        text += f"; the candidate allows at most {limit} package{'s' if limit > 1 else ''}"
    if before.strategy != after.strategy:
        text += f"; strategy {after.strategy} ranks by {', '.join(after.objective)} (in force: {before.strategy} by {', '.join(before.objective)})"
    same = next((r for r in after.runners_up if r.warehouses == old.warehouses), None)
    if same is not None:
        text += f"; the old warehouses under the candidate: {same.why_not} ({same.total_cost} yuan)"
    excluded = [e for e in after.excluded if e.warehouse_id in old.warehouses]
    if excluded:
        text += "; " + "; ".join(f"{e.warehouse_id} left out: {e.reason}" for e in excluded)
    return text


def _decide(request: RoutingRequest, network: Network, stock: list[StockLevel], strategy: Strategy | None = None) -> RoutingDecision | None:
    decided = plan_order(request, network, stock, strategy)
    return decided if isinstance(decided, RoutingDecision) else None


def _tally(side: Side, decision: RoutingDecision) -> None:
    chosen = decision.chosen
    side.total_cost += chosen.total_cost
    side.packages += chosen.packages
    side.late_orders += chosen.late_packages > 0
    for warehouse in chosen.warehouses:
        side.load[warehouse] = side.load.get(warehouse, 0) + 1


def replay(orders: Sequence[tuple[str, OrderIn]], stock: Iterable[StockLevel], in_force: Network, candidate: Network, description: str) -> RoutingWhatIfReport:
    by_sku: dict[str, list[StockLevel]] = {}
    for level in stock:
        by_sku.setdefault(level.sku, []).append(level)
    sides = {"in_force": Side(), "candidate": Side()}
    changed: list[ChangedRouting] = []
    compared = 0
    for order_id, order in orders:
        request = request_of(order)
        if request is None:
            continue
        levels = [level for sku in dict.fromkeys(s for s, _ in request.lines) for level in by_sku.get(sku, ())]
        before, after = _decide(request, in_force, levels), _decide(request, candidate, levels)
        for name, decision in (("in_force", before), ("candidate", after)):
            side = sides[name]
            if decision is None:
                side.backordered += 1
            else:
                side.routed += 1
        if before is not None and after is not None:
            compared += 1
            _tally(sides["in_force"], before)
            _tally(sides["candidate"], after)
            for name, network in (("in_force", in_force), ("candidate", candidate)):
                best = _decide(request, network, levels, REFERENCE)
                sides[name].optimum_total_cost += best.chosen.total_cost if best else (before if name == "in_force" else after).chosen.total_cost
        if _plan_of(before) != _plan_of(after):
            changed.append(
                ChangedRouting(
                    order_id=order_id,
                    channel=order.channel.value,
                    external_id=order.external_id,
                    in_force=brief(before) if before else None,
                    candidate=brief(after) if after else None,
                    cost_delta=after.chosen.total_cost - before.chosen.total_cost if before and after else None,
                    explanation=explain(before, after, candidate.strategies[after.strategy].max_packages if after else None),
                    candidate_decision=after,
                )
            )
    for side in sides.values():
        side.cost_per_order = (side.total_cost / compared).quantize(Decimal("0.01")) if compared else ZERO
        side.gap_to_optimum = (side.total_cost / side.optimum_total_cost - 1).quantize(Decimal("0.0001")) if side.optimum_total_cost else ZERO
        side.load = dict(sorted(side.load.items()))
    delta = sides["candidate"].total_cost - sides["in_force"].total_cost
    return RoutingWhatIfReport(
        orders=len(orders),
        candidate_description=description,
        compared=compared,
        in_force=sides["in_force"],
        candidate=sides["candidate"],
        cost_delta_total=delta,
        cost_delta_per_order=(delta / compared).quantize(Decimal("0.01")) if compared else ZERO,
        changed_count=len(changed),
        changed=changed[:MAX_CHANGED_LISTED],
    )


def _plan_of(decision: RoutingDecision | None) -> tuple | None:
    if decision is None:
        return None
    return tuple((s.warehouse_id, tuple((l.sku, l.quantity) for l in s.lines)) for s in decision.chosen.shipments)


