"""Write-back and stock push on the embedded runtime, with the fake platform server on 127.0.0.1:
order → released (carrier and service on each note) → ParcelShipped from the warehouse → the
platform's logistics call recorded in its shape, per package of a split order, through a platform
that fails and recovers; a platform that keeps failing ends in the DLQ and the failed list, and
a redrive sends it; stock changes make one push per channel, the channel's buffer applied."""

from __future__ import annotations

import json
import os
import time

import pytest

from local.demo import http, timeline_change
from local.writeback_platforms import FakeChannelApis
from local.writebacks import main as writebacks_cli
from shared.aws import stores
from shared.reconciliation.credentials import PlatformCredentials
from shared.writeback.usecases.stock_push import shipped_stock_config
from tests.e2e.conftest import post_order, settle, unique
from tests.e2e.test_inventory_flows import eventually, publish

SHOP = {"shopify": "oms-demo.myshopify.com", "tmall": "tmall-flagship", "jd": "jd-pop", "douyin": "douyin-store"}


@pytest.fixture(scope="module")
def platforms(runtime):
    saved = dict(os.environ)
    secrets = runtime.client("secretsmanager")
    secret_id = runtime.resources.env["PLATFORM_CREDENTIALS_ARN"]
    previous = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
    with FakeChannelApis() as fake:
        for channel, shop in SHOP.items():
            fake.add_shop(channel, shop)
        os.environ.update(fake.env())
        secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps(fake.credentials()))
        stores._stores.pop(PlatformCredentials, None)  # read the secret just written
        yield fake
        secrets.put_secret_value(SecretId=secret_id, SecretString=previous)  # the schedules reconcile every shop in it
        stores._stores.pop(PlatformCredentials, None)
    for name in fake.env():
        if name in saved:
            os.environ[name] = saved[name]
        else:
            os.environ.pop(name, None)


def digits() -> str:
    return str(time.time_ns())[-15:]


def order(channel: str, lines: list[tuple[str, int, str]], province: str = "北京市", city: str = "北京市", district: str = "朝阳区") -> dict:
    base = {
        "channel": channel, "external_id": "x", "buyer": {"buyer_id": f"{channel}-buyer"},
        "receiver": {"name": "王芳", "phone": "13800138000", "province": province, "city": city, "district": district, "detail": "建国路88号"},
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": price} for sku, quantity, price in lines],
        "payment_status": "PAID", "placed_at": "2026-11-11T00:00:41+08:00",
    }
    return {**unique(base), "external_id": digits()}


def ship(runtime, order_id: str, note: dict, tracking: str) -> None:
    scan = {"order_id": order_id, "warehouse_id": note["warehouse_id"], "carrier": note["carrier"], "tracking_number": tracking, "occurred_at": "2026-11-25T10:00:00Z"}
    publish(runtime, f"wms.{note['warehouse_id'].lower()}", "ParcelShipped", scan)


def timeline(order_id: str, runtime) -> list[str]:
    _, details = http("GET", f"{runtime.api_url}/orders/{order_id}")
    entries = sorted(details["timeline"], key=lambda e: e["at"])
    shown = ("tracking_number", "carrier", "platform_reference", "reason")
    return [
        f"{e['at'][11:23]} {timeline_change(e):<22} {e['cause']}"
        + "".join(f" {k}={e['details'][k]}" for k in shown if e["details"].get(k) and e["actor"]["name"] == "writeback")
        for e in entries
    ]


def test_a_split_tmall_order_is_written_back_per_package_through_a_failing_platform(runtime, platforms):
    for sku, warehouse in (("KETTLE-IRON-1L", "WH-BJ"), ("GIFTBOX-MOONCAKE", "WH-GZ")):
        publish(runtime, "wms.e2e", "StockMovement", {"delta_id": f"GRN-WB-{sku}-{digits()}", "sku": sku, "warehouse_id": warehouse, "change": 5, "reason": "goods received"})
    time.sleep(1.0)
    placed = order("tmall", [("KETTLE-IRON-1L", 1, "399.00"), ("GIFTBOX-MOONCAKE", 1, "258.00")])
    tid = placed["external_id"]
    platforms.add_order("tmall", tid, {"tid": int(tid), "orders": {"order": [{"oid": int(tid) + 1, "outer_sku_id": "KETTLE-IRON-1L"}, {"oid": int(tid) + 2, "outer_sku_id": "GIFTBOX-MOONCAKE"}]}})
    order_id = post_order(runtime, placed)
    details = settle(runtime, order_id)
    assert details["order"]["status"] == "RELEASED", details["timeline"][-1]
    notes = details["outbound_notes"]
    assert len(notes) == 2 and all(n["carrier"] and n["service"] for n in notes)  # 快递策略 on each note

    platforms.fail("tmall", times=1, status=502)
    platforms.throttle("tmall", times=1, retry_after=1)
    for i, note in enumerate(notes):  # one parcel after the other, as the warehouses scan them
        ship(runtime, order_id, note, f"SF10{i}{tid[-6:]}")
        eventually(lambda: sum("write-back to tmall queued" in line for line in timeline(order_id, runtime)) == i + 1, timeout=15)
    sends = lambda: [c for c in platforms.accepted("tmall", "taobao.logistics.offline.send") if c["params"]["tid"] == tid]  # noqa: E731
    eventually(lambda: len(sends()) == 2, timeout=30)
    assert sorted(c["params"]["sub_tid"] for c in sends()) == sorted([str(int(tid) + 1), str(int(tid) + 2)])
    assert all(c["params"]["is_split"] == "1" and c["params"]["out_sid"].startswith("SF10") for c in sends())
    eventually(lambda: sum("shipment written back to tmall" in line for line in timeline(order_id, runtime)) == 2, timeout=15)
    assert any(c["status"] in (502, 429) for c in platforms.calls)  # it failed first, then recovered

    ship(runtime, order_id, notes[0], f"SF100{tid[-6:]}")  # the warehouse repeats itself
    time.sleep(1.5)
    assert len(sends()) == 2
    print("\n" + "\n".join(timeline(order_id, runtime)))
    for call in sends():
        print("recorded by the fake Taobao:", {k: call["params"][k] for k in ("method", "tid", "out_sid", "company_code", "is_split", "sub_tid")})


def test_shopify_gets_a_fulfillment_with_tracking_info(runtime, platforms):
    placed = order("shopify", [("TEA-LONGJING-250G", 2, "168.00")], province="上海市", city="上海市", district="浦东新区")
    ext = placed["external_id"]
    platforms.add_order("shopify", ext, {"id": int(ext), "line_items": [{"id": 7001, "sku": "TEA-LONGJING-250G", "variant_id": 9001, "quantity": 2}]})
    order_id = post_order(runtime, placed)
    details = settle(runtime, order_id)
    assert details["order"]["status"] == "RELEASED", details["order"].get("hold")
    ship(runtime, order_id, details["outbound_notes"][0], "ZT7788990011")
    posted = eventually(lambda: platforms.accepted("shopify", "POST fulfillments"), timeout=20)
    fulfillment = posted[-1]["params"]["fulfillment"]
    assert fulfillment["tracking_info"]["number"] == "ZT7788990011"
    assert fulfillment["line_items_by_fulfillment_order"][0]["fulfillment_order_line_items"] == [{"id": 7002, "quantity": 2}]


def failed_list(capsys) -> list[dict]:
    assert writebacks_cli(["failed"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_platform_that_keeps_failing_ends_in_the_dead_letter_queue_and_the_failed_list(runtime, platforms, capsys):
    placed = order("jd", [("TEA-LONGJING-250G", 1, "168.00")], province="上海市", city="上海市", district="浦东新区")
    order_id = post_order(runtime, placed)
    details = settle(runtime, order_id)
    platforms.fail("jd", times=6, status=500)
    ship(runtime, order_id, details["outbound_notes"][0], "JDV0001")
    failed = eventually(lambda: [w for w in failed_list(capsys) if w["order_id"] == order_id], timeout=30)
    assert failed[0]["attempts"] == 6 and "500" in failed[0]["last_error"]
    eventually(lambda: runtime.queue_depth("writeback_jd", dead_letter=True) >= 1)
    eventually(lambda: any("FAILED after 6 attempt(s)" in line for line in timeline(order_id, runtime)))

    assert writebacks_cli(["redrive", failed[0]["writeback_id"], "--operator", "ops-wang"]) == 0
    assert json.loads(capsys.readouterr().out)["redriven"] is True
    eventually(lambda: [c for c in platforms.accepted("jd") if c["params"]["orderId"] == placed["external_id"]], timeout=20)
    eventually(lambda: any("shipment written back to jd" in line for line in timeline(order_id, runtime)))
    print("\n" + "\n".join(timeline(order_id, runtime)))


def _quiet(platforms, still_for: float = 2.0, timeout: float = 30.0) -> int:
    """The number of platform calls once no new one has come for `still_for` seconds."""
    deadline, seen, since = time.monotonic() + timeout, len(platforms.calls), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if len(platforms.calls) != seen:
            seen, since = len(platforms.calls), time.monotonic()
        elif time.monotonic() - since >= still_for:
            break
    return seen


def test_stock_changes_make_one_push_per_channel_with_its_buffer(runtime, platforms):
    schedule = next(s for s in runtime.schedules if s.rule_name.endswith("push_channel_stock"))
    schedule.stop()  # the test runs the minute's push itself, so the window is known
    from functions.channel_stock_push.handler import handler as push_now
    from local.moto_patches import LocalLambdaContext

    sku = f"E2E-PUSH-{digits()}"
    listings = {"shopify": {"inventory_item_id": "808950810", "location_id": "655441491"}, "tmall": {"num_iid": "600012345678"}, "jd": {"sku_id": "100012043978"}, "douyin": {"product_id": "3600000000000001", "sku_id": "1700000000000001"}}
    for channel, listing in listings.items():
        assert writebacks_cli(["listing", sku, channel, SHOP[channel], *(f"{k}={v}" for k, v in listing.items())]) == 0
    push_now({}, LocalLambdaContext("channel_stock_push"))  # whatever earlier tests left marked
    before = _quiet(platforms)  # ... and its pushes, delivered from the platforms' queues, all made
    from shared.aws.stores import inventory_store

    publish(runtime, "wms.e2e", "StockSnapshot", {"sku": sku, "warehouse_id": "WH-SH", "on_hand": 30, "as_of": "2026-11-25T08:00:00Z"})
    # A count and a movement carry no order between them: the queue is a standard one and two
    # consumers take from it, so a movement could land first and the count would then replace it.
    # The movements follow once the count is in, as a WMS's do.
    eventually(lambda: (r := inventory_store().stock_record(sku, "WH-SH")) is not None and r.on_hand == 30, timeout=15)
    for i in range(4):
        publish(runtime, "wms.e2e", "StockMovement", {"delta_id": f"{sku}-{i}", "sku": sku, "warehouse_id": "WH-SH", "change": 5, "reason": "goods received"})

    eventually(lambda: (r := inventory_store().stock_record(sku, "WH-SH")) is not None and r.on_hand == 50, timeout=15)
    push_now({}, LocalLambdaContext("channel_stock_push"))
    # Only the stock calls: the scheduled reconciliation (every 5 s here) pulls orders meanwhile.
    def stock_calls() -> list[dict]:
        return [c for c in platforms.calls[before:] if {"available", "quantity", "stockNum", "stock_num"} & set(c["params"])]

    eventually(lambda: len(stock_calls()) >= 4, timeout=15)
    time.sleep(0.5)
    calls = stock_calls()
    config = shipped_stock_config()
    assert sorted(c["channel"] for c in calls) == ["douyin", "jd", "shopify", "tmall"]  # one each
    quantities = {c["channel"]: c["params"].get("available", c["params"].get("quantity", c["params"].get("stockNum", c["params"].get("stock_num")))) for c in calls}
    assert {k: int(v) for k, v in quantities.items()} == {ch: config.quantity(ch, 50) for ch in listings}
    print("\nstock pushed for 1 snapshot + 4 movements:", quantities)
