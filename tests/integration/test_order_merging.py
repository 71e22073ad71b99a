"""合单: two orders of one buyer to one address merge into one shipment when it costs less, on an
operator's decision (API) or by the rule; members keep their ids and lines; a cancelled member
unmerges the group before release; members follow their shipment when it ships."""

import json

from functions.inventory_lock.handler import handler as inventory_lock
from functions.merging_api.handler import handler as merging_api
from functions.notification.handler import handler as notification
from functions.review.handler import handler as review
from functions.routing.handler import handler as routing
from shared.aws.stores import inventory_store, order_store, outbox_publisher
from shared.inventory import StockRecord
from shared.lifecycle import Actor, OrderStatus
from shared.merging.aftermath import follow_shipment, unmerge
from shared.merging.store import MergeStore
from shared.merging.sweep import sweep
from shared.usecases.cancel_order import cancel_order
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from tests.integration.conftest import api_request, context
from tests.integration.test_workflow_steps import accept

OPERATOR = Actor.system("test")


def approved(base: dict, n: int, sku: str = "TEA-LONGJING-250G", minute: int = 0, quantity: int = 1, **changes) -> str:
    price = {"TEA-LONGJING-250G": "168.00", "CUP-CELADON-6PK": "89.00", "GIFTBOX-MOONCAKE": "258.00"}[sku]
    order = {**base, "external_id": f"M-{n}", "placed_at": f"2026-11-11T00:{minute:02d}:05+08:00", "lines": [{"sku": sku, "quantity": quantity, "unit_price": price}], **changes}
    order_id = accept(order)
    review({"order_id": order_id}, context())
    return order_id


def test_an_operator_previews_and_merges_two_orders_and_the_saving_is_explained(seeded, shanghai_order):
    first, second = approved(shanghai_order, 1), approved(shanghai_order, 2, sku="CUP-CELADON-6PK", minute=30)
    assert {order_store().load(o).status for o in (first, second)} == {OrderStatus.APPROVED}

    status, plan = api_request(merging_api, "POST", "/merges/preview", "/merges/preview", json.dumps({"order_ids": [second, first]}))
    assert status == 200, plan
    assert [m["order_id"] for m in plan["members"]] == [first, second]  # the host: placed first
    assert plan["separate_packages"] == 2 and plan["merged_packages"] == 1 and plan["basis"] == "stock now"
    assert float(plan["saving"]) > 0 and "saves" in plan["explanation"]["en"] and "节省" in plan["explanation"]["zh"]

    status, record = api_request(merging_api, "POST", "/merges", "/merges", json.dumps({"order_ids": [first, second], "operator": "li.lei", "reason": "same parcel"}))
    assert status == 201, record
    for member in (first, second):
        stored = order_store().load(member)
        assert (stored.status, stored.merge_id) == (OrderStatus.MERGED, record["merge_id"])
    shipment = order_store().details(record["shipment_order_id"])
    assert shipment.order.status == OrderStatus.APPROVED
    assert [(l.sku, l.quantity) for l in shipment.order.order.lines] == [("TEA-LONGJING-250G", 1), ("CUP-CELADON-6PK", 1)]
    assert shipment.order.order.external_id.startswith("M-1+M-2#")
    assert shipment.timeline[0].details["lines_by_order"] == {first: [{"sku": "TEA-LONGJING-250G", "quantity": 1}], second: [{"sku": "CUP-CELADON-6PK", "quantity": 1}]}
    assert [(m["channel"], m["external_id"]) for m in record["plan"]["members"]] == [("own_shop", "M-1"), ("own_shop", "M-2")]

    again = api_request(merging_api, "POST", "/merges", "/merges", json.dumps({"order_ids": [first, second], "operator": "li.lei", "reason": "same parcel"}))
    assert again[0] == 201 and again[1]["merge_id"] == record["merge_id"]  # a repeated decision: the same merge
    assert api_request(merging_api, "GET", "/merges/{merge_id}", f"/merges/{record['merge_id']}", merge_id=record["merge_id"])[1]["state"] == "MERGED"

    # The shipment goes through the workflow's steps; when it ships, the members follow.
    shipment_id = record["shipment_order_id"]
    routing({"order_id": shipment_id, "route_attempt": 0}, context())
    inventory_lock({"order_id": shipment_id}, context())
    notification({"order_id": shipment_id}, context())
    [note] = order_store().details(shipment_id).outbound_notes
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=shipment_id, warehouse_id=note.warehouse_id, occurred_at="2026-11-11T09:00:00Z", carrier="SF", tracking_number="SF99"), "wms.test", order_store(), inventory_store())
    assert follow_shipment(shipment_id, order_store()) == "followed"
    for member in (first, second):
        details = order_store().details(member)
        assert details.order.status == OrderStatus.SHIPPED
        assert details.timeline[-1].details["parcels"][0]["tracking_number"] == "SF99"
    assert MergeStore(order_store()).load(record["merge_id"]).state == "SHIPPED"


def test_orders_to_another_address_are_refused_by_name(seeded, shanghai_order):
    first = approved(shanghai_order, 3)
    other = approved(shanghai_order, 4, sku="CUP-CELADON-6PK", receiver={**shanghai_order["receiver"], "detail": "人民广场1号"})
    status, answer = api_request(merging_api, "POST", "/merges", "/merges", json.dumps({"order_ids": [first, other], "operator": "li.lei", "reason": "x"}))
    assert status == 409 and answer["errors"][0]["rule"] == "not_same_receiver"


def test_a_member_cancelled_before_release_unmerges_and_the_other_routes_alone(seeded, shanghai_order):
    first, second = approved(shanghai_order, 5), approved(shanghai_order, 6, sku="CUP-CELADON-6PK")
    status, record = api_request(merging_api, "POST", "/merges", "/merges", json.dumps({"order_ids": [first, second], "operator": "li.lei", "reason": "same parcel"}))
    shipment_id = record["shipment_order_id"]
    routing({"order_id": shipment_id, "route_attempt": 0}, context())
    inventory_lock({"order_id": shipment_id}, context())
    tea_before = inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH").available

    publish_log, runs = [], []
    cancel_order(second, "buyer cancelled", OPERATOR, order_store(), inventory_store(), publish_log.extend, outbox_publisher())
    cancel = lambda order_id, reason: cancel_order(order_id, reason, OPERATOR, order_store(), inventory_store(), publish_log.extend, outbox_publisher())
    assert unmerge(second, "order cancelled", order_store(), lambda *r: runs.append(r), cancel) == "unmerged"
    assert unmerge(second, "order cancelled", order_store(), lambda *r: runs.append(r), cancel) == "not_merged"  # a repeat

    assert order_store().load(shipment_id).status == OrderStatus.CANCELLED
    assert inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH").available == tea_before + 1  # the shipment's hold came back
    assert order_store().load(second).status == OrderStatus.CANCELLED
    moved = order_store().load(first)
    assert moved.status == OrderStatus.APPROVED and moved.merge_id is None
    assert runs == [(first, "Route", f"{first}-unmerged-v{moved.version}")]
    assert MergeStore(order_store()).load(record["merge_id"]).state == "UNMERGED"


def test_the_rule_merges_waiting_backorders_of_one_buyer_and_leaves_a_single_order_alone(seeded, shanghai_order):
    for sku in ("GIFTBOX-MOONCAKE",):
        inventory_store().put_stock(StockRecord(sku=sku, warehouse_id="WH-GZ", on_hand=0))
    ids = []
    for n, minute in ((7, 0), (8, 40)):  # different quantities: the same lines twice would be held as a duplicate
        order_id = approved(shanghai_order, n, sku="GIFTBOX-MOONCAKE", minute=minute, quantity=n - 6)
        routing({"order_id": order_id, "route_attempt": 0}, context())
        ids.append(order_id)
    loner = approved(shanghai_order, 9, sku="GIFTBOX-MOONCAKE", buyer={"buyer_id": "C-ALONE"}, receiver={**shanghai_order["receiver"], "phone": "13900139000", "detail": "别处1号"})
    routing({"order_id": loner, "route_attempt": 0}, context())
    assert {order_store().load(o).status for o in (*ids, loner)} == {OrderStatus.BACKORDERED}

    runs, events = [], []
    report = sweep(order_store(), inventory_store(), lambda *r: runs.append(r), events.extend)
    assert report.groups == 1 and report.candidates == 2 and len(report.merged) == 1
    record = MergeStore(order_store()).load(report.merged[0])
    assert record.members == ids and record.plan.basis == "as if every warehouse held the lines"
    assert record.decided_by == "system:merge-rule" and record.reason.startswith("automatic rule: shipped apart")
    assert order_store().load(loner).status == OrderStatus.BACKORDERED
    assert [e.detail_type for e in events] == ["OrdersMerged"] and runs[0][1] == "Route"
