import json

from local.demo import http
from shared.aws.stores import order_store
from tests.conftest import load_event
from tests.e2e.conftest import post_order, settle, transitions, unique
from tests.e2e.test_inventory_flows import eventually, publish


def test_a_held_order_approved_through_the_api_reaches_the_outbound_note(runtime):
    order = unique(load_event("orders/06_shopify_unknown_province.json"))
    order_id = post_order(runtime, order)
    assert settle(runtime, order_id)["order"]["status"] == "ON_HOLD"
    status, queue = http("GET", f"{runtime.api_url}/review-queue")
    assert order_id in [h["order_id"] for h in queue["held"]]

    correction = {**order["receiver"], "province": "广东省", "city": "广州市", "district": "天河区", "detail": "天河路385号"}
    body = {"decision": "approve", "operator": "ops-chen", "note": "buyer confirmed the address by phone", "corrections": {"receiver": correction}}
    status, answer = http("POST", f"{runtime.api_url}/orders/{order_id}/review", json.dumps(body).encode())
    assert status == 200 and answer["status"] == "APPROVED"
    details = settle(runtime, order_id)
    assert details["order"]["status"] == "RELEASED"
    assert transitions(details) == [
        (None, "RECEIVED"), ("RECEIVED", "ON_HOLD"), ("ON_HOLD", "APPROVED"), ("APPROVED", "ROUTED"), ("ROUTED", "RESERVED"), ("RESERVED", "RELEASED")
    ]
    assert details["outbound_notes"][0]["warehouse_id"] == "WH-GZ"  # routed to the corrected address


def test_parcel_events_on_the_bus_move_the_order_to_delivered(runtime, shanghai_order):
    order_id = post_order(runtime, unique(shanghai_order))
    assert settle(runtime, order_id)["order"]["status"] == "RELEASED"
    scan = {"order_id": order_id, "warehouse_id": "WH-SH", "carrier": "SF", "tracking_number": "SF9988776655"}
    publish(runtime, "wms.jiading", "ParcelShipped", {**scan, "occurred_at": "2026-11-25T10:00:00Z"})
    eventually(lambda: order_store().load(order_id).status == "SHIPPED")
    publish(runtime, "carrier.sf", "ParcelDelivered", {**scan, "occurred_at": "2026-11-26T09:00:00Z"})
    eventually(lambda: order_store().load(order_id).status == "DELIVERED")
    publish(runtime, "wms.jiading", "ParcelShipped", {**scan, "occurred_at": "2026-11-25T10:00:00Z"})  # a late repeat
    # (any entry: the customer's notices are noted too, and notes of one version sort by content)
    eventually(lambda: any("recorded, not applied" in e.cause for e in order_store().details(order_id).timeline))
    assert order_store().load(order_id).status == "DELIVERED"


def test_cancel_over_http_voids_the_note(runtime, shanghai_order):
    order_id = post_order(runtime, unique(shanghai_order))
    settle(runtime, order_id)
    status, answer = http("POST", f"{runtime.api_url}/orders/{order_id}/cancel", json.dumps({"reason": "duplicate purchase", "operator": "ops-li"}).encode())
    assert status == 200 and answer["cancelled_status"] == "RELEASED" and len(answer["voided_notes"]) == 1
    status, details = http("GET", f"{runtime.api_url}/orders/{order_id}")
    assert details["order"]["status"] == "CANCELLED" and details["outbound_notes"][0]["state"] == "VOIDED"
