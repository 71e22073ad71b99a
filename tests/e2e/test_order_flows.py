import json
import time

from local import moto_patches
from local.demo import http
from shared.aws.catalog_store import Product
from shared.aws.stores import catalog_store, inventory_store
from shared.inventory import StockRecord
from tests.conftest import load_event
from tests.e2e.conftest import execution_status, post_order, settle, transitions, unique

HAPPY_PATH = [(None, "RECEIVED"), ("RECEIVED", "APPROVED"), ("APPROVED", "ROUTED"), ("ROUTED", "RESERVED"), ("RESERVED", "RELEASED")]


def wms_messages(runtime) -> list[dict]:
    sqs = runtime.client("sqs")
    url = runtime.resources.queue_urls["wms_outbound"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_posted_order_reaches_the_outbound_note_with_a_complete_timeline(runtime):
    order_id = post_order(runtime, unique(load_event("orders/02_erp_b2b_beijing.json")))
    details = settle(runtime, order_id)
    assert details["order"]["status"] == "RELEASED"
    assert transitions(details) == HAPPY_PATH
    assert details["order"]["version"] == 5
    # The workflow's own entries are in time order. A customer notice's note is stamped when it is
    # written, under the version it saw: it can commit while a step's transition, stamped when the
    # step computed it, is still on its way, so its time may come after that transition's.
    times = [e["at"] for e in details["timeline"] if e["actor"]["name"] != "customer-notices"]
    assert times == sorted(times)
    # (the customer's "accepted" notice is noted too, when it is sent: asynchronously)
    assert [e["actor"]["name"] for e in details["timeline"] if e["actor"]["name"] != "customer-notices"] == ["erp", "review", "routing", "inventory-lock", "notification"]
    [note] = details["outbound_notes"]
    assert note["warehouse_id"] == "WH-BJ"
    assert execution_status(runtime, order_id) == "SUCCEEDED"
    deadline = time.monotonic() + 5
    while not any(m["detail"]["order_id"] == order_id for m in wms_messages(runtime)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(m["detail"]["note_id"] == note["note_id"] for m in wms_messages(runtime))


def test_out_of_stock_order_ends_backordered_not_in_a_failed_execution(runtime):
    order = unique(load_event("orders/04_douyin_sold_out.json"))
    details = settle(runtime, post_order(runtime, order))
    assert details["order"]["status"] == "BACKORDERED"
    entry = [e for e in details["timeline"] if e["kind"] == "transition"][-1]
    assert entry["details"]["short_lines"] == [{"sku": "GIFTBOX-MOONCAKE", "requested": 5, "best_single_warehouse": 2, "available_in_total": 2}]
    assert execution_status(runtime, details["order"]["order_id"]) == "SUCCEEDED"


def test_stock_taken_between_routing_and_reservation_is_routed_again(runtime, shanghai_order, monkeypatch):
    store = inventory_store()
    catalog_store().put_product(Product(sku="E2E-RACE"))
    for warehouse, on_hand in (("WH-SH", 5), ("WH-BJ", 5)):
        store.put_stock(StockRecord(sku="E2E-RACE", warehouse_id=warehouse, on_hand=on_hand))
    routing_name = runtime.resources.function_names["routing"]
    real_routing = moto_patches._handlers[routing_name]

    def routing_then_flash_sale(event, context):
        answer = real_routing(event, context)
        if event["route_attempt"] == 0:  # another order empties the chosen warehouse meanwhile
            store.put_stock(StockRecord(sku="E2E-RACE", warehouse_id="WH-SH", on_hand=0))
        return answer

    monkeypatch.setitem(moto_patches._handlers, routing_name, routing_then_flash_sale)
    order = unique({**shanghai_order, "lines": [{"sku": "E2E-RACE", "quantity": 2, "unit_price": "10.00"}]})
    details = settle(runtime, post_order(runtime, order))
    assert details["order"]["status"] == "RELEASED"
    assert transitions(details)[2:4] == [("APPROVED", "ROUTED"), ("ROUTED", "ROUTED")]
    assert details["outbound_notes"][0]["warehouse_id"] == "WH-BJ"
    shortage = next(e for e in details["timeline"] if e["kind"] == "note" and e["actor"]["name"] == "inventory-lock")
    assert shortage["details"]["short_lines"][0]["warehouse_id"] == "WH-SH"
    assert store.stock_record("E2E-RACE", "WH-BJ").reserved == 2


def test_a_step_that_keeps_failing_leaves_the_order_in_exception(runtime, shanghai_order, monkeypatch):
    name = runtime.resources.function_names["notification"]

    def wms_down(event, context):
        raise ConnectionError("WMS gateway unreachable")

    monkeypatch.setitem(moto_patches._handlers, name, wms_down)
    details = settle(runtime, post_order(runtime, unique(shanghai_order)))
    assert details["order"]["status"] == "EXCEPTION"
    # The transition into EXCEPTION carries the error; the note after it says the held stock went back (decision 28).
    entry = next(e for e in reversed(details["timeline"]) if e["kind"] == "transition" and e["to_status"] == "EXCEPTION")
    assert (entry["from_status"], entry["details"]["error"]) == ("RESERVED", "ConnectionError")
    assert entry["details"]["cause"] == "WMS gateway unreachable"
    assert execution_status(runtime, details["order"]["order_id"]) == "FAILED"  # and the alarm on it fires


def test_the_same_order_posted_twice_is_one_order_with_one_note(runtime, shanghai_order):
    order = unique(shanghai_order)
    first = post_order(runtime, order)
    assert post_order(runtime, order) == first
    details = settle(runtime, first)
    assert details["order"]["status"] == "RELEASED"
    assert transitions(details) == HAPPY_PATH
    assert len(details["outbound_notes"]) == 1


def test_malformed_order_over_http_is_400_and_unknown_route_404(runtime):
    status, answer = http("POST", f"{runtime.api_url}/orders", json.dumps(load_event("invalid/malformed_order.json")).encode())
    assert status == 400 and len(answer["errors"]) == 6
    assert http("GET", f"{runtime.api_url}/nowhere")[0] == 404


def test_a_poison_message_ends_in_the_dead_letter_queue(runtime):
    sqs = runtime.client("sqs")
    sqs.send_message(QueueUrl=runtime.resources.queue_urls["intake"], MessageBody="this is not an order reference")
    deadline = time.monotonic() + 30
    while runtime.queue_depth("intake", dead_letter=True) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    [message] = sqs.receive_message(QueueUrl=runtime.resources.dead_letter_queue_urls["intake"], AttributeNames=["All"])["Messages"]
    assert message["Body"] == "this is not an order reference"
