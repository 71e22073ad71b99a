"""合单 and after-sales end to end (decision 122): two orders of one buyer merged into one shipment;
the shipment is released to the warehouse; then one member is refunded in full. The warehouse is
asked to intercept (拦截) that member's units in the merged parcel; it answers intercepted: the
note shrinks to the other member's lines, the member is cancelled and its stock comes back; the
parcel ships with the other member only. Prints both timelines (the report quotes them)."""

import json
import time

from local.demo import http
from shared.aws.stores import inventory_store
from tests.e2e.conftest import post_order, settle
from tests.e2e.test_aftersales_flows import _api, refund, stocked, timeline_of
from tests.e2e.test_backorder_notice_merge_flows import own_order, status_of
from tests.e2e.test_inventory_flows import eventually, publish
from tests.e2e.test_order_flows import wms_messages


def test_a_merged_member_refunded_after_release_is_intercepted_and_the_other_ships_alone(runtime):
    _api(runtime)
    serial = time.time_ns() % 10**9
    a, b = stocked(f"E2E-MRG-A{serial}", 0), stocked(f"E2E-MRG-B{serial}", 0)
    first = own_order(a, 1, "60.00")
    second = {**first, "external_id": first["external_id"] + "-2", "lines": [{"sku": b, "quantity": 2, "unit_price": "45.00"}], "placed_at": "2026-11-11T00:20:05+08:00"}
    ids = [post_order(runtime, first), post_order(runtime, second)]
    for order_id in ids:  # nothing in stock: both wait, as orders that may merge do
        assert settle(runtime, order_id)["order"]["status"] in ("BACKORDERED", "MERGED")
    status, record = http("POST", f"{runtime.api_url}/merges", json.dumps({"order_ids": ids, "operator": "li.lei", "reason": "one parcel"}).encode())
    assert status == 201, record
    shipment_id = record["shipment_order_id"]
    for sku, change in ((a, 1), (b, 2)):
        publish(runtime, "wms.shanghai", "StockMovement", {"delta_id": f"GRN-{sku}", "sku": sku, "warehouse_id": "WH-SH", "change": change, "reason": "goods received"})
    eventually(lambda: status_of(runtime, shipment_id) == "RELEASED", timeout=30)
    [note] = http("GET", f"{runtime.api_url}/orders/{shipment_id}")[1]["outbound_notes"]

    refund(first, "RF-MRG-1", whole_order=True)  # the buyer of the first order gets all money back
    ask = eventually(lambda: next((m for m in wms_messages(runtime) if m["id"] == f"{note['note_id']}:intercept:RF-MRG-1"), None), timeout=20)
    assert ask["detail"]["order_id"] == shipment_id and ask["detail"]["lines"] == [{"line_id": a, "sku": a, "quantity": 1}]
    assert status_of(runtime, ids[0]) == "MERGED"  # nothing is decided before the warehouse answers

    publish(runtime, "wms.shanghai", "InterceptResult", {"order_id": shipment_id, "warehouse_id": note["warehouse_id"], "note_id": note["note_id"], "refund_id": "RF-MRG-1", "outcome": "intercepted"})
    eventually(lambda: status_of(runtime, ids[0]) == "CANCELLED", timeout=20)
    # The member's side is settled first, then the shipment's note shrinks (decision 139: a crash
    # between the two is finished by the redelivered answer): wait for the note, as an operator would.
    note_lines = lambda: [(line["sku"], line["quantity"]) for line in http("GET", f"{runtime.api_url}/orders/{shipment_id}")[1]["outbound_notes"][0]["lines"]]  # noqa: E731
    eventually(lambda: note_lines() == [(b, 2)], timeout=20)
    eventually(lambda: inventory_store().stock_record(a, "WH-SH").available == 1)  # the intercepted unit is back
    _, after_sales = http("GET", f"{runtime.api_url}/orders/{ids[0]}/aftersales")
    assert [(r["outcome"], r["merged_into"]) for r in after_sales["refunds"]] == [("intercepted", shipment_id)]

    publish(runtime, "wms.shanghai", "ParcelShipped", {"order_id": shipment_id, "warehouse_id": note["warehouse_id"], "occurred_at": "2026-11-11T09:00:00Z", "carrier": "SF", "tracking_number": f"SF{serial}"})
    eventually(lambda: status_of(runtime, ids[1]) == "SHIPPED", timeout=30)
    assert status_of(runtime, ids[0]) == "CANCELLED"  # the refunded member never ships
    for order_id in (ids[0], shipment_id):
        timeline_of(order_id)
