"""Workflow step: choose the warehouse plan of an APPROVED order, or backorder it."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.clock import utc_now
from shared.errors import OrderMovedOn
from shared.geo import find_province
from shared.lifecycle import Actor, OrderStatus, transition_entry
from shared.orders import OrderIn
from shared.routing import (
    Network,
    RoutingDecision,
    RoutingPlan,
    RoutingRequest,
    Unroutable,
    Warehouse,
    build_network,
    destination_of,
    plan_order,
)
from shared.routing.network import CHINA_TIME
from shared.usecases.retry import on_version_conflict
from shared.writeback.plan_carriers import plan_with_carriers
from shared.usecases.split_backorder import MISSING_LINES, backorder_mode, shippable_now, split_off_backorder

MAX_ROUTE_ATTEMPTS = 3  # re-plans after a reservation found stock gone, before backordering


class RouteOutcome(BaseModel, defer_build=True):
    outcome: Literal["ROUTED", "BACKORDERED"]
    plan: RoutingPlan | None = None


def route_order(order_id: str, route_attempt: int, orders: OrderStore, inventory: InventoryStore) -> RouteOutcome:
    return on_version_conflict(lambda: _route(orders.load(order_id), route_attempt, orders, inventory))


def routing_network(warehouses: list[Warehouse]) -> Network:
    """The network for these warehouses, built and checked once while they stay the same."""
    return _network_for(json.dumps([w.model_dump(mode="json") for w in warehouses], sort_keys=True))


@lru_cache(maxsize=4)
def _network_for(warehouses_json: str) -> Network:
    return build_network(json.loads(warehouses_json))


def routing_request(order_id: str, order: OrderIn) -> RoutingRequest:
    destination = find_province(order.receiver.province) if order.receiver else None
    if destination is None:  # review holds such orders; reaching here is a defect, not a backorder
        raise ValueError(f"order {order_id} has no known destination province")
    return RoutingRequest(
        lines=tuple((line.sku, line.quantity) for line in order.lines),
        destination=destination_of(destination),
        now=utc_now(),
        promised_delivery_date=order.promised_delivery_date,
        channel=order.channel.value,
    )


def plan_now(order: OrderIn, inventory: InventoryStore) -> RoutingDecision | None:
    """The plan routing would choose for the order on the stock as it is now, writing nothing;
    None when the stock cannot cover it (backorder release asks before it touches an order)."""
    request = routing_request(order.order_id, order)
    today = request.now.astimezone(CHINA_TIME).date().isoformat()
    decided = plan_order(request, routing_network(inventory.warehouses()), inventory.stock_levels(sku for sku, _ in request.lines), packages_today=inventory.packages_on(today))
    return None if isinstance(decided, Unroutable) else decided


def _route(current: StoredOrder, route_attempt: int, orders: OrderStore, inventory: InventoryStore) -> RouteOutcome:
    if current.status == OrderStatus.BACKORDERED:
        return RouteOutcome(outcome="BACKORDERED")
    if current.status == OrderStatus.ROUTED and route_attempt == 0:
        return RouteOutcome(outcome="ROUTED", plan=current.plan)  # a retried step: same plan
    if current.status not in (OrderStatus.APPROVED, OrderStatus.ROUTED):
        raise OrderMovedOn(current.order_id, current.status, "routing")

    request = routing_request(current.order_id, current.order)
    lines, now = request.lines, request.now
    decided = plan_order(
        request,
        routing_network(inventory.warehouses()),
        inventory.stock_levels(sku for sku, _ in lines),
        packages_today=inventory.packages_on(now.astimezone(CHINA_TIME).date().isoformat()),
    )

    backorder_id, missing = None, {}
    if isinstance(decided, Unroutable) and route_attempt <= MAX_ROUTE_ATTEMPTS and backorder_mode() == MISSING_LINES:
        covered, missing = shippable_now(lines, decided.short_lines)
        if covered:
            partial = plan_order(
                replace(request, lines=covered),
                routing_network(inventory.warehouses()),
                inventory.stock_levels(sku for sku, _ in covered),
                packages_today=inventory.packages_on(now.astimezone(CHINA_TIME).date().isoformat()),
            )
            if not isinstance(partial, Unroutable):
                decided, backorder_id = partial, split_off_backorder(current, missing, orders)

    if isinstance(decided, Unroutable) or route_attempt > MAX_ROUTE_ATTEMPTS:
        details = (
            {"reason": decided.reason, "short_lines": [s.model_dump() for s in decided.short_lines]}
            if isinstance(decided, Unroutable)
            else {"route_attempts": route_attempt, "reason": "stock kept running out while reserving"}
        )
        orders.transition(
            current,
            OrderStatus.BACKORDERED,
            transition_entry(current.status, OrderStatus.BACKORDERED, Actor.system("routing"), **details),
        )
        return RouteOutcome(outcome="BACKORDERED")

    plan = plan_with_carriers(decided, request if backorder_id is None else replace(request, lines=covered), routing_network(inventory.warehouses()))
    orders.transition(
        current,
        OrderStatus.ROUTED,
        transition_entry(
            current.status,
            OrderStatus.ROUTED,
            Actor.system("routing"),
            strategy=plan.strategy,
            warehouses=[s.warehouse_id for s in plan.shipments],
            distance_km=[s.distance_km for s in plan.shipments],
            carriers=[{"warehouse_id": s.warehouse_id, "carrier": s.carrier, "service": s.service, "rule": s.carrier_rule} for s in plan.shipments],
            total_cost=str(plan.total_cost),
            route_attempt=route_attempt,
            decision=decided.model_dump(mode="json"),
            **({"backordered_lines": missing, "backorder_order_id": backorder_id} if backorder_id else {}),
        ),
        set_fields={"plan": plan.model_dump(mode="json")},
    )
    return RouteOutcome(outcome="ROUTED", plan=plan)
