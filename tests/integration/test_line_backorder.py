"""BACKORDER_MODE=lines: an order the stock covers only in part ships what exists; the rest waits
as a child order in BACKORDERED."""

from decimal import Decimal

from functions.inventory_lock.handler import handler as inventory_lock
from functions.notification.handler import handler as notification
from functions.review.handler import handler as review
from functions.routing.handler import handler as routing
from shared.aws.stores import order_store
from shared.ids import order_id_for
from shared.lifecycle import OrderStatus
from tests.integration.conftest import context
from tests.integration.test_workflow_steps import accept, statuses


def mooncake_order(shanghai_order: dict) -> dict:
    lines = [
        {"sku": "TEA-LONGJING-250G", "quantity": 2, "unit_price": "168.00"},
        {"sku": "GIFTBOX-MOONCAKE", "quantity": 5, "unit_price": "258.00", "discount": "50.00"},
    ]
    return {**shanghai_order, "lines": lines}


def test_missing_quantities_become_a_backordered_child_and_the_rest_ships(seeded, shanghai_order, monkeypatch):
    monkeypatch.setenv("BACKORDER_MODE", "lines")
    order = mooncake_order(shanghai_order)
    order_id = accept(order)
    review({"order_id": order_id}, context())
    routed = routing({"order_id": order_id, "route_attempt": 0}, context())
    assert routed["outcome"] == "ROUTED"
    shipped = {(l["sku"], l["quantity"]) for s in routed["plan"]["shipments"] for l in s["lines"]}
    assert shipped == {("TEA-LONGJING-250G", 2), ("GIFTBOX-MOONCAKE", 2)}  # 2 mooncake boxes exist (3 on hand, 1 safety)

    child_id = order_id_for("own_shop", f"{order['external_id']}#backorder")
    entry = order_store().details(order_id).timeline[-1]
    assert entry.details["backordered_lines"] == {"GIFTBOX-MOONCAKE": 3} and entry.details["backorder_order_id"] == child_id
    child = order_store().details(child_id)
    assert child.order.status == OrderStatus.BACKORDERED
    [line] = child.order.order.lines
    assert (line.sku, line.quantity, line.unit_price, line.discount) == ("GIFTBOX-MOONCAKE", 3, Decimal("258.00"), Decimal("0.00"))
    assert child.timeline[0].details["parent_order_id"] == order_id

    assert routing({"order_id": order_id, "route_attempt": 0}, context())["plan"] == routed["plan"]  # a retried step
    inventory_lock({"order_id": order_id}, context())
    notification({"order_id": order_id}, context())
    assert statuses(order_id)[-1] == "RELEASED"


def test_by_default_the_whole_order_waits(seeded, shanghai_order):
    order_id = accept(mooncake_order(shanghai_order))
    review({"order_id": order_id}, context())
    assert routing({"order_id": order_id, "route_attempt": 0}, context())["outcome"] == "BACKORDERED"
