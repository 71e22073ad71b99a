"""After-sales end to end on the embedded runtime, over HTTP and the event bus: a refund before
release cancels or amends the order and gives its stock back; a refund after release asks the
warehouse to intercept and records its answer; a refund after shipment expects a return, whose
receipt restocks. Each test prints the order's timeline (the report quotes them)."""

import json
import threading
import time

from local import moto_patches
from local.demo import http
from shared.aftersales import stock as aftersales_stock
from shared.aws.catalog_store import Product
from shared.aws.stores import catalog_store, inventory_store, order_store
from shared.inventory import StockRecord
from tests.e2e.conftest import post_order, settle, transitions, unique
from tests.e2e.test_inventory_flows import eventually, publish
from tests.e2e.test_order_flows import wms_messages


def stocked(sku: str, on_hand: int) -> str:
    catalog_store().put_product(Product(sku=sku))
    inventory_store().put_stock(StockRecord(sku=sku, warehouse_id="WH-SH", on_hand=on_hand))
    return sku


def two_line_order(shanghai_order: dict, a: str, b: str) -> dict:
    lines = [{"sku": a, "quantity": 2, "unit_price": "50.00"}, {"sku": b, "quantity": 1, "unit_price": "30.00"}]
    return unique({**shanghai_order, "lines": lines})


def refund(order: dict, refund_id: str, **fields) -> dict:
    body = {"channel": order["channel"], "channel_order_id": order["external_id"], "refund_id": refund_id, "amount": "30.00", "currency": "CNY", **fields}
    status, answer = http("POST", f"{runtime_api}/refunds", json.dumps(body).encode())
    assert status == 202, answer
    return answer


def timeline_of(order_id: str) -> list[str]:
    lines = []
    for entry in sorted(order_store().details(order_id).timeline, key=lambda e: e.at):  # notes of one version sort by key
        change = f"{entry.from_status or '·'} → {entry.to_status}" if entry.kind == "transition" else f"[{entry.to_status}] note"
        facts = {k: v for k, v in entry.details.items() if k in ("refund_id", "reason", "rma_id", "receipt_id", "outcome", "lines", "voided_notes")}
        lines.append(f"{entry.at}  {change:28}  {entry.actor.kind.value}:{entry.actor.name}  {entry.cause}  {json.dumps(facts, ensure_ascii=False) if facts else ''}")
    print(f"\n--- timeline of {order_id}\n" + "\n".join(lines))
    return lines


class HeldBeforeRelease:
    """Holds an order's first release (the notification step) until released, as a slow step would."""

    def __init__(self, runtime, monkeypatch):
        self.gate, self.entered = threading.Event(), threading.Event()
        name = runtime.resources.function_names["notification"]
        real, seen = moto_patches._handlers[name], set()

        def slow_notification(event, context):
            if event["order_id"] not in seen:
                seen.add(event["order_id"])
                self.entered.set()
                self.gate.wait(20)
            return real(event, context)

        monkeypatch.setitem(moto_patches._handlers, name, slow_notification)


runtime_api = ""


def _api(runtime) -> None:
    global runtime_api
    runtime_api = runtime.api_url


def test_refund_of_everything_before_release_cancels_the_order_and_gives_the_stock_back(runtime, shanghai_order, monkeypatch):
    _api(runtime)
    a, b = stocked("E2E-AS-A1", 10), stocked("E2E-AS-B1", 10)
    held = HeldBeforeRelease(runtime, monkeypatch)
    order = two_line_order(shanghai_order, a, b)
    order_id = post_order(runtime, order)
    assert held.entered.wait(20)
    assert order_store().load(order_id).status == "RESERVED"
    assert inventory_store().stock_record(a, "WH-SH").reserved == 2
    answer = refund(order, "RF-ALL-1", whole_order=True, reason="buyer changed their mind")
    assert answer["order_id"] == order_id
    eventually(lambda: order_store().load(order_id).status == "CANCELLED")
    held.gate.set()
    refund(order, "RF-ALL-1", whole_order=True, reason="buyer changed their mind")  # the same refund again
    eventually(lambda: execution_done(runtime, order_id))
    details = settle(runtime, order_id)
    assert details["order"]["status"] == "CANCELLED" and details["outbound_notes"] == []
    eventually(lambda: inventory_store().stock_record(a, "WH-SH").reserved == 0 and inventory_store().stock_record(a, "WH-SH").available == 10)
    status, after_sales = http("GET", f"{runtime.api_url}/orders/{order_id}/aftersales")
    assert status == 200 and [(r["refund_id"], r["outcome"], r["stage"]) for r in after_sales["refunds"]] == [("RF-ALL-1", "cancelled", "before_release")]
    time.sleep(1)  # the repeat has been consumed: it changed nothing (customer notices arrive on their own queue)
    own = lambda causes: [c for c in causes if not c.startswith("customer notified")]  # noqa: E731
    assert own([e.cause for e in order_store().details(order_id).timeline]) == own([e["cause"] for e in details["timeline"]])
    timeline_of(order_id)


def test_refund_of_one_line_before_release_amends_the_order_which_is_routed_again(runtime, shanghai_order, monkeypatch):
    _api(runtime)
    a, b = stocked("E2E-AS-A2", 10), stocked("E2E-AS-B2", 10)
    held = HeldBeforeRelease(runtime, monkeypatch)
    order = two_line_order(shanghai_order, a, b)
    order_id = post_order(runtime, order)
    assert held.entered.wait(20)
    refund(order, "RF-LINE-1", lines=[{"sku": b}])
    eventually(lambda: order_store().load(order_id).status == "RELEASED", timeout=30)
    held.gate.set()
    details = settle(runtime, order_id)
    assert [(line["sku"], line["quantity"]) for line in details["order"]["order"]["lines"]] == [(a, 2)]
    assert [(line["sku"], line["quantity"]) for line in details["outbound_notes"][0]["lines"]] == [(a, 2)]
    assert transitions(details)[-5:] == [("RESERVED", "RECEIVED"), ("RECEIVED", "APPROVED"), ("APPROVED", "ROUTED"), ("ROUTED", "RESERVED"), ("RESERVED", "RELEASED")]
    eventually(lambda: inventory_store().stock_record(b, "WH-SH").available == 10)  # the refunded line's stock is back
    assert inventory_store().stock_record(a, "WH-SH").reserved == 2
    timeline_of(order_id)


def test_refund_after_release_asks_the_warehouse_to_intercept_and_records_its_answer(runtime, shanghai_order):
    _api(runtime)
    a, b = stocked("E2E-AS-A3", 10), stocked("E2E-AS-B3", 10)
    order = two_line_order(shanghai_order, a, b)
    order_id = post_order(runtime, order)
    details = settle(runtime, order_id)
    assert details["order"]["status"] == "RELEASED"
    [note] = details["outbound_notes"]
    refund(order, "RF-REL-1", whole_order=True)
    intercept = eventually(lambda: next((m for m in wms_messages(runtime) if m["detail-type"] == "InterceptRequested" and m["detail"]["order_id"] == order_id), None))
    assert intercept["id"] == f"{note['note_id']}:intercept:RF-REL-1" and intercept["detail"]["whole_note"] is True
    answer = {"order_id": order_id, "warehouse_id": "WH-SH", "note_id": note["note_id"], "refund_id": "RF-REL-1", "outcome": "intercepted"}
    publish(runtime, "wms.jiading", "InterceptResult", answer)
    eventually(lambda: order_store().load(order_id).status == "CANCELLED")
    publish(runtime, "wms.jiading", "InterceptResult", answer)  # the WMS answers twice
    details = settle(runtime, order_id)
    assert details["outbound_notes"][0]["state"] == "VOIDED"
    eventually(lambda: inventory_store().stock_record(a, "WH-SH").available == 10)  # given back after the status change
    status, after_sales = http("GET", f"{runtime.api_url}/orders/{order_id}/aftersales")
    [record] = after_sales["refunds"]
    assert (record["outcome"], record["intercept_answers"]) == ("intercepted", {note["note_id"]: "intercepted"})
    timeline_of(order_id)


def shipped_order(runtime, shanghai_order: dict, a: str, b: str, tracking_number: str) -> tuple[str, dict, str]:
    """A two-line order (2 × a, 1 × b, 10 of each in stock) released and shipped: (a, the order, its id)."""
    _api(runtime)
    a, b = stocked(a, 10), stocked(b, 10)
    order = two_line_order(shanghai_order, a, b)
    order_id = post_order(runtime, order)
    assert settle(runtime, order_id)["order"]["status"] == "RELEASED"
    scan = {"order_id": order_id, "warehouse_id": "WH-SH", "carrier": "SF", "tracking_number": tracking_number, "occurred_at": "2026-11-25T10:00:00Z"}
    publish(runtime, "wms.jiading", "ParcelShipped", scan)
    eventually(lambda: order_store().load(order_id).status == "SHIPPED")
    eventually(lambda: inventory_store().stock_record(a, "WH-SH").on_hand == 8)  # committed after the status change
    return a, order, order_id


def test_refund_after_shipment_expects_a_return_whose_receipt_restocks(runtime, shanghai_order):
    a, order, order_id = shipped_order(runtime, shanghai_order, "E2E-AS-A4", "E2E-AS-B4", "SF1234509876")
    refund(order, "RF-SHIP-1", lines=[{"sku": a, "quantity": 2}], amount="100.00")
    eventually(lambda: order_store().load(order_id).status == "RETURN_PENDING")
    status, after_sales = http("GET", f"{runtime.api_url}/orders/{order_id}/aftersales")
    [rma] = after_sales["returns"]
    assert rma["state"] == "expected" and [(l["sku"], l["expected"]) for l in rma["lines"]] == [(a, 2)]
    receipt = {"order_id": order_id, "rma_id": rma["rma_id"], "warehouse_id": "WH-SH", "receipt_id": "RR-1", "lines": [{"sku": a, "sellable": 1, "unsellable": 1}]}
    publish(runtime, "wms.jiading", "ReturnReceipt", receipt)
    eventually(lambda: order_store().load(order_id).status == "RETURNED")
    publish(runtime, "wms.jiading", "ReturnReceipt", receipt)  # the same receipt again restocks nothing
    time.sleep(1)
    stock = inventory_store().stock_record(a, "WH-SH")
    assert (stock.on_hand, stock.available) == (9, 9)
    assert aftersales_stock.damaged(inventory_store(), a, "WH-SH") == 1
    timeline_of(order_id)


def test_a_refund_of_an_unknown_line_ends_in_the_dead_letter_queue_with_its_reason(runtime, shanghai_order):
    _api(runtime)
    order = two_line_order(shanghai_order, stocked("E2E-AS-A5", 10), stocked("E2E-AS-B5", 10))
    settle(runtime, post_order(runtime, order))
    before = runtime.queue_depth("aftersales", dead_letter=True)
    refund(order, "RF-BAD-1", lines=[{"sku": "NOT-IN-THE-ORDER"}])
    eventually(lambda: runtime.queue_depth("aftersales", dead_letter=True) > before)
    messages = runtime.client("sqs").receive_message(QueueUrl=runtime.resources.dead_letter_queue_urls["aftersales"], MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=0)["Messages"]
    reasons = [m["MessageAttributes"]["reason"]["StringValue"] for m in messages]
    assert any("RF-BAD-1" in r and "no line with SKU 'NOT-IN-THE-ORDER'" in r for r in reasons)


def execution_done(runtime, order_id: str) -> bool:
    return all(e["status"] != "RUNNING" for e in runtime.executions() if e["name"].startswith(order_id))
