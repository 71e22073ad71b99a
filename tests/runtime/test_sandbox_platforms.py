"""The platforms' sandbox of `oms serve` and `oms demo` (LocalRuntime(platforms=True),
local/sandbox_platforms.py): a platform's signed webhook that oms took is an order its platform
knows, so the shipment's write-back (发货回传) reaches the sandbox in the platform's shape and is
recorded as written back, the platform's order then shows as shipped to the reconciler, and a
restart from the data folder still knows it. Without the sandbox the same write-back fails."""

from __future__ import annotations

import copy
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

from local.channel_samples import SHOP, hand_built, signed_headers, webhook_path
from local.demo import SETTLED, http
from local.platform_orders import SHIPPED
from local.runtime import LocalRuntime
from local.seed import load_seed
from local.writeback_platforms import FakeChannelApis


def _tmall_trade(serial: str) -> dict[str, Any]:
    document = copy.deepcopy(hand_built("tmall"))
    trade = document["trade_fullinfo_get_response"]["trade"]
    tid = 3912877600000000000 + int(serial[-9:])
    trade["tid"], trade["tid_str"] = tid, str(tid)
    trade["buyer_open_uid"] = f"AAH-sandbox-{serial}"  # review holds a repeat of a buyer's lines as a duplicate
    trade["receiver_address"] = f"{trade.get('receiver_address', '')} {serial}号"
    return document


def _post_webhook(runtime: LocalRuntime, document: dict[str, Any]) -> str:
    body = json.dumps(document, ensure_ascii=False).encode()
    status, answer = http("POST", runtime.api_url + webhook_path("tmall", SHOP["tmall"]), body, signed_headers("tmall", SHOP["tmall"], body))
    assert status == 202, answer
    return answer["order_id"]


def _until(check, timeout: float = 45.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("not within the time")


def _ship(runtime: LocalRuntime, order_id: str) -> dict[str, Any]:
    details = _until(lambda: (d := http("GET", f"{runtime.api_url}/orders/{order_id}")[1])["order"]["status"] in SETTLED and d)
    assert details["order"]["status"] == "RELEASED", details["order"]["status"]
    note = details["outbound_notes"][0]
    scan = {"order_id": order_id, "warehouse_id": note["warehouse_id"], "carrier": note.get("carrier") or "SF", "tracking_number": f"SF{order_id[-10:]}", "occurred_at": "2026-12-04T10:00:00Z"}
    runtime.client("events").put_events(
        Entries=[{"Source": f"wms.{note['warehouse_id'].lower()}", "DetailType": "ParcelShipped", "Detail": json.dumps(scan), "EventBusName": runtime.resources.env["EVENT_BUS_NAME"]}]
    )
    return scan


def _write_back_told(runtime: LocalRuntime, order_id: str) -> dict[str, Any]:
    def told() -> dict[str, Any] | None:
        _, details = http("GET", f"{runtime.api_url}/orders/{order_id}")
        done = [e for e in details["timeline"] if e["actor"]["name"] == "writeback" and "queued" not in e["cause"]]
        return done[-1] if done else None

    return _until(told)


def test_a_platform_order_shipped_locally_is_written_back_to_its_sandbox_and_known_after_a_restart(tmp_path: Path):
    serial = str(time.time_ns())
    document = _tmall_trade(serial)
    tid = document["trade_fullinfo_get_response"]["trade"]["tid_str"]
    with LocalRuntime(platforms=True, data_dir=tmp_path) as runtime:
        load_seed()
        assert runtime.platforms is not None
        order_id = _post_webhook(runtime, document)
        scan = _ship(runtime, order_id)
        entry = _write_back_told(runtime, order_id)
        assert entry["cause"].startswith("shipment written back to tmall"), entry
        sends = [c for c in runtime.platforms.calls if c["api"] == "taobao.logistics.offline.send"]
        assert [(c["status"], c["problems"], c["params"]["tid"], c["params"]["out_sid"]) for c in sends] == [(200, [], tid, scan["tracking_number"])]
        trade = runtime.platforms.fake.orders[("tmall", tid)]
        assert trade["status"] == SHIPPED["tmall"]  # the platform's order list now shows it shipped
    with LocalRuntime(platforms=True, data_dir=tmp_path) as restarted:
        load_seed()
        assert restarted.platforms is not None
        assert restarted.platforms.fake.orders[("tmall", tid)]["tid_str"] == tid  # learnt again from the data folder


def test_without_the_sandbox_the_same_write_back_fails():
    serial = str(time.time_ns())
    with LocalRuntime() as runtime:
        load_seed()
        assert runtime.platforms is None
        order_id = _post_webhook(runtime, _tmall_trade(serial))
        _ship(runtime, order_id)
        entry = _write_back_told(runtime, order_id)
        assert "FAILED" in entry["cause"], entry


def test_shopify_orders_are_shipped_on_the_platform_only_when_every_unit_is_fulfilled():
    order = {"id": 820982911946154508, "line_items": [{"id": 466157049, "quantity": 2, "variant_id": 1}], "updated_at": "2026-11-11T00:00:00+08:00", "financial_status": "paid", "fulfillment_status": None}
    with FakeChannelApis() as fake:
        fake.add_shop("shopify", "s.myshopify.com")
        fake.know_order("shopify", "s.myshopify.com", order)
        for quantity, expected in ((1, "partial"), (1, "fulfilled")):
            body = {"fulfillment": {"line_items_by_fulfillment_order": [{"fulfillment_order_id": order["id"] + 1, "fulfillment_order_line_items": [{"id": 466157049 + 1, "quantity": quantity}]}], "tracking_info": {"company": "SF Express", "number": "SF1", "url": "https://www.sf-express.com/"}}}
            request = urllib.request.Request(
                f"{fake.url}/shopify/s.myshopify.com/admin/api/2025-07/fulfillments.json", data=json.dumps(body).encode(), method="POST",
                headers={"Content-Type": "application/json", "X-Shopify-Access-Token": fake.token("shopify", "s.myshopify.com")},
            )  # fmt: skip
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 201
            assert order["fulfillment_status"] == expected
        assert order["updated_at"] > "2026-11-11T00:00:00+08:00"


def test_the_sandbox_learns_orders_oms_took_not_refunds_nor_refusals():
    from local.sandbox_platforms import SandboxPlatforms

    sandbox = SandboxPlatforms("arn:unused", secrets_client=None)
    order = hand_built("shopify")
    refund = {"id": 509562969, "order_id": order["id"], "refund_line_items": []}
    path = webhook_path("shopify", "oms-demo-tea.myshopify.com")
    taken = {"statusCode": 202, "body": json.dumps({"order_id": "OMS-1", "duplicate": False})}
    sandbox.webhook_answered("POST", path, json.dumps(refund).encode(), {"statusCode": 202, "body": json.dumps({"after_sales": True, "order_id": "OMS-1", "refund_id": "r"})})
    sandbox.webhook_answered("POST", path, json.dumps(order).encode(), {"statusCode": 401, "body": json.dumps({"message": "signature"})})
    assert sandbox.fake.orders == {}
    sandbox.webhook_answered("POST", path, json.dumps(order).encode(), taken)
    assert list(sandbox.fake.orders) == [("shopify", str(order["id"]))]
