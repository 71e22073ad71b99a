"""An exchange (换货, decision 137) end to end on the embedded runtime: order → shipped → the
exchange (POST /refunds, kind exchange) → the original waits in RETURN_PENDING for the item and a
replacement order runs through the real workflow (review, routing, reservation) to its own
outbound note at the warehouse; the return's receipt restocks and closes the original. The test
prints both timelines."""

from local.demo import http
from shared.aws.stores import order_store
from tests.e2e.conftest import settle
from tests.e2e.test_aftersales_flows import refund, shipped_order, timeline_of
from tests.e2e.test_inventory_flows import eventually, publish


def test_an_exchange_after_shipment_ships_a_replacement_and_expects_the_item_back(runtime, shanghai_order):
    a, order, order_id = shipped_order(runtime, shanghai_order, "E2E-EX-A1", "E2E-EX-B1", "SF1234500001")

    answer = refund(order, "EX-1", kind="exchange", lines=[{"sku": a, "quantity": 1}], amount="0.00")
    assert answer["kind"] == "exchange"
    eventually(lambda: order_store().load(order_id).status == "RETURN_PENDING")
    _, after_sales = http("GET", f"{runtime.api_url}/orders/{order_id}/aftersales")
    [rma] = after_sales["returns"]
    replacement_id = rma["replacement_order_id"]
    assert [(line["sku"], line["expected"]) for line in rma["lines"]] == [(a, 1)]
    replacement = settle(runtime, replacement_id)
    assert replacement["order"]["status"] == "RELEASED", replacement["order"]["status"]
    assert [(line["sku"], line["quantity"]) for line in replacement["outbound_notes"][0]["lines"]] == [(a, 1)]
    assert any(e["details"].get("exchange_of") == order_id for e in replacement["timeline"])

    publish(runtime, "wms.jiading", "ReturnReceipt", {"order_id": order_id, "rma_id": rma["rma_id"], "warehouse_id": "WH-SH", "receipt_id": "RR-EX-1", "lines": [{"sku": a, "sellable": 1}]})
    eventually(lambda: order_store().load(order_id).status == "RETURNED")
    timeline_of(order_id)
    timeline_of(replacement_id)
