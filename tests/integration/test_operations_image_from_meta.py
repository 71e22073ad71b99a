"""The operations aggregates read the orders table's change stream of META items only. Since the
content and plan moved to their own items (decision 90), META must still tell the aggregator the
order's channel, warehouses, packages and cost, or per-channel and per-warehouse figures go blank."""

from __future__ import annotations

from decimal import Decimal

from shared.aws.dynamo import from_item
from shared.aws.stores import order_store
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry, transition_entry
from shared.operations.domain import OrderImage
from shared.orders import OrderIn
from shared.routing import PlannedLine
from shared.routing.model import RoutingPlan, Shipment


def test_the_meta_item_carries_what_the_aggregates_need(aws):
    orders = order_store()
    actor = Actor(kind=ActorKind.SYSTEM, name="test")
    order = OrderIn.model_validate(
        {"channel": "tmall", "external_id": "AGG-1", "buyer": {"buyer_id": "u-agg"}, "lines": [{"sku": "TEA-LONGJING-250G", "quantity": 2, "unit_price": "89.00"}], "placed_at": "2026-11-11T00:00:41+08:00"}
    )
    stored, _ = orders.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="order received", actor=actor))
    stored = orders.transition(stored, OrderStatus.APPROVED, transition_entry(stored.status, OrderStatus.APPROVED, actor))
    plan = RoutingPlan(
        strategy="lowest_cost",
        shipments=[
            Shipment(warehouse_id="WH-SH", distance_km=10.0, lines=[PlannedLine(sku="TEA-LONGJING-250G", quantity=1)], cost=Decimal("6.40")),
            Shipment(warehouse_id="WH-GZ", distance_km=1200.0, lines=[PlannedLine(sku="TEA-LONGJING-250G", quantity=1)], cost=Decimal("9.10")),
        ],
        total_cost=Decimal("17.50"),
    )
    orders.transition(stored, OrderStatus.ROUTED, transition_entry(stored.status, OrderStatus.ROUTED, actor), set_fields={"plan": plan.model_dump(mode="json")})

    raw = orders.db.get_item(TableName=orders.table, Key={"pk": {"S": f"ORDER#{stored.order_id}"}, "sk": {"S": "META"}})["Item"]
    meta = from_item(raw)
    assert "plan" not in meta and "order" not in meta  # the layout of decision 90
    image = OrderImage.of(meta)
    assert image.channel == "tmall"
    assert image.warehouses == ["WH-GZ", "WH-SH"] and image.packages == 2
    assert image.shipment_costs == {"WH-SH": Decimal("6.40"), "WH-GZ": Decimal("9.10")}
    assert image.total_cost == Decimal("17.50") and image.strategy == "lowest_cost"
    assert orders.load(stored.order_id).plan.total_cost == Decimal("17.50")  # the plan itself is read whole
