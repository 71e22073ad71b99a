"""After the note and back: backorders released on restock, customer notices, order merging (合单),
on the embedded runtime over HTTP and the bus, as operations would see them."""

import json
import time

from local.demo import http
from shared.aws.stores import order_store
from shared.notices.records import NoticeRecords
from tests.channel_samples import DEMO_SHOPIFY_SHOP, hand_built
from tests.e2e.conftest import post_order, settle, unique
from tests.e2e.test_channel_flows import fresh_id, post_signed
from tests.e2e.test_inventory_flows import eventually, publish
from tests.e2e.test_order_flows import load_event


def status_of(runtime, order_id: str) -> str:
    return http("GET", f"{runtime.api_url}/orders/{order_id}")[1]["order"]["status"]


def own_order(sku: str, quantity: int, price: str) -> dict:
    return unique({**load_event("orders/01_own_shop_shanghai.json"), "lines": [{"sku": sku, "quantity": quantity, "unit_price": price}]})


def test_a_receipt_releases_the_oldest_backorder_and_the_other_keeps_waiting(runtime):
    older = post_order(runtime, own_order("TEA-PUER-357G", 1, "298.00"))
    assert settle(runtime, older)["order"]["status"] == "BACKORDERED"
    younger = post_order(runtime, own_order("TEA-PUER-357G", 1, "298.00"))
    assert settle(runtime, younger)["order"]["status"] == "BACKORDERED"
    waiting_since = http("GET", f"{runtime.api_url}/orders/{younger}")[1]["order"]["updated_at"]

    publish(runtime, "wms.shanghai", "StockMovement", {"delta_id": f"GRN-PUER-{time.time_ns()}", "sku": "TEA-PUER-357G", "warehouse_id": "WH-SH", "change": 1, "reason": "goods received"})
    eventually(lambda: status_of(runtime, older) == "RELEASED", timeout=30)
    time.sleep(1.0)
    details = http("GET", f"{runtime.api_url}/orders/{younger}")[1]
    assert details["order"]["status"] == "BACKORDERED" and details["order"]["updated_at"] == waiting_since  # its place kept

    released = http("GET", f"{runtime.api_url}/orders/{older}")[1]
    steps = [(e["from_status"], e["to_status"]) for e in released["timeline"] if e["kind"] == "transition"]
    assert steps[-4:] == [("BACKORDERED", "APPROVED"), ("APPROVED", "ROUTED"), ("ROUTED", "RESERVED"), ("RESERVED", "RELEASED")]
    release = next(e for e in released["timeline"] if e["from_status"] == "BACKORDERED" and e["to_status"] == "APPROVED")
    assert release["details"]["place_in_line"] == 1 and release["details"]["sku"] == "TEA-PUER-357G"
    print("\nbackorder released on restock:", json.dumps(steps, ensure_ascii=False))


def notices_of(order_id: str, kinds: set[str]) -> dict[str, object]:
    def found():
        records = {r.kind: r for r in NoticeRecords(order_store()).of_order(order_id) if r.state == "SENT"}
        return records if kinds <= set(records) else None

    return eventually(found, timeout=30)


def test_customers_are_told_accepted_shipped_and_cancelled_in_chinese_and_in_english(runtime):
    zh_shipped = post_order(runtime, own_order("TEA-LONGJING-250G", 1, "168.00"))
    zh_cancelled = post_order(runtime, own_order("CUP-CELADON-6PK", 1, "89.00"))
    en_orders = []
    buyer = fresh_id()  # a buyer and an address of this test's own: other tests post the same sample
    for _ in range(2):  # one after the other: the second (the same lines) is held as a likely duplicate
        order = hand_built("shopify")
        order["id"] = fresh_id()
        order["customer"]["id"] = buyer
        order["shipping_address"]["address2"] = f"{buyer}室"
        status, answer = post_signed(runtime, "shopify", order, DEMO_SHOPIFY_SHOP)
        assert status == 202, answer
        en_orders.append(answer["order_id"])
        settle(runtime, answer["order_id"])
    en_shipped, en_cancelled = en_orders
    for order_id in (zh_shipped, en_shipped):
        settled = settle(runtime, order_id)
        assert settled["order"]["status"] == "RELEASED", settled["timeline"][-1]["details"]
    for order_id in (zh_cancelled, en_cancelled):  # held or released: cancelled all the same
        assert settle(runtime, order_id)["order"]["status"] in ("RELEASED", "ON_HOLD")
    for order_id, number in ((zh_shipped, "SF100"), (en_shipped, "SF200")):
        [note] = http("GET", f"{runtime.api_url}/orders/{order_id}")[1]["outbound_notes"]
        publish(runtime, "wms.test", "ParcelShipped", {"order_id": order_id, "warehouse_id": note["warehouse_id"], "occurred_at": "2026-11-11T09:00:00Z", "carrier": "SF", "tracking_number": number})
    for order_id in (zh_cancelled, en_cancelled):
        status, answer = http("POST", f"{runtime.api_url}/orders/{order_id}/cancel", json.dumps({"reason": "buyer changed their mind", "operator": "li.lei"}).encode())
        assert status == 200, answer

    zh = {**notices_of(zh_shipped, {"accepted", "shipped"}), **notices_of(zh_cancelled, {"cancelled"})}
    en = {**notices_of(en_shipped, {"accepted", "shipped"}), **notices_of(en_cancelled, {"cancelled"})}
    assert {r.language for r in zh.values()} == {"zh"} and {r.language for r in en.values()} == {"en"}
    assert "SF100" in zh["shipped"].text and "发货" in zh["shipped"].text and "已取消" in zh["cancelled"].text
    assert "SF200" in en["shipped"].text and "has shipped" in en["shipped"].text and "cancelled" in en["cancelled"].text
    timeline = http("GET", f"{runtime.api_url}/orders/{zh_shipped}")[1]["timeline"]
    assert {"customer notified: accepted", "customer notified: shipped"} <= {e["cause"] for e in timeline}
    for kind, record in (*zh.items(), *en.items()):
        print(f"\n{record.language} {kind}: {record.text}")


def test_two_orders_of_one_buyer_merge_into_one_shipment_with_the_saving_explained(runtime):
    first = own_order("TRAY-BAMBOO-L", 1, "159.00")
    second = {**first, "external_id": first["external_id"] + "-2", "lines": [{"sku": "TEA-TIEGUANYIN-500G", "quantity": 2, "unit_price": "226.00"}], "placed_at": "2026-11-11T00:20:05+08:00"}
    ids = [post_order(runtime, first), post_order(runtime, second)]
    for order_id in ids:  # neither is in stock: both wait, as orders that may merge do
        assert settle(runtime, order_id)["order"]["status"] in ("BACKORDERED", "MERGED")

    # The operator's decision (the automatic rule may have merged them a moment before: then the
    # same merge comes back).
    status, record = http("POST", f"{runtime.api_url}/merges", json.dumps({"order_ids": ids, "operator": "li.lei", "reason": "one parcel"}).encode())
    assert status == 201, record
    plan = record["plan"]
    assert float(plan["saving"]) > 0 and plan["merged_packages"] < plan["separate_packages"]
    assert [m["external_id"] for m in plan["members"]] == [first["external_id"], second["external_id"]]
    for order_id in ids:
        assert status_of(runtime, order_id) == "MERGED"
    shipment = settle(runtime, record["shipment_order_id"])
    lines = shipment["timeline"][0]["details"]["lines_by_order"]
    assert lines == {ids[0]: [{"sku": "TRAY-BAMBOO-L", "quantity": 1}], ids[1]: [{"sku": "TEA-TIEGUANYIN-500G", "quantity": 2}]}
    assert shipment["order"]["status"] == "BACKORDERED"

    # Stock arrives for both SKUs: the merged shipment is released as one parcel plan.
    for sku, change in (("TRAY-BAMBOO-L", 1), ("TEA-TIEGUANYIN-500G", 2)):
        publish(runtime, "wms.shanghai", "StockMovement", {"delta_id": f"GRN-{sku}-{time.time_ns()}", "sku": sku, "warehouse_id": "WH-SH", "change": change, "reason": "goods received"})
    eventually(lambda: status_of(runtime, record["shipment_order_id"]) == "RELEASED", timeout=30)
    notes = http("GET", f"{runtime.api_url}/orders/{record['shipment_order_id']}")[1]["outbound_notes"]
    assert len(notes) == plan["merged_packages"]
    print("\nmerge:", plan["explanation"]["en"], "\n      ", plan["explanation"]["zh"])
