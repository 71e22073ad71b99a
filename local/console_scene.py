"""A working day for the console on the local runtime: the sample orders of every channel, with
copies that are held for a person, fail into EXCEPTION (the WMS "down" for a moment), run out of
stock, get rejected and ship. The browser tests and `make screenshots` look at it; nothing here is
shown as a figure the API did not compute."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import moto_patches
from local.demo import SETTLED, http, wait_settled
from local.runtime import LocalRuntime

EVENTS = Path(__file__).resolve().parent.parent / "events"
CHROMIUM = "/usr/bin/chromium"
# Launch flags: no network chatter, no GPU, a fresh profile (the caller gives an empty directory).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Scene:
    by_name: dict[str, str] = field(default_factory=dict)  # what the order is for -> order id
    details: dict[str, dict[str, Any]] = field(default_factory=dict)


def _sample(name: str, serial: str) -> dict[str, Any]:
    order = json.loads((EVENTS / "orders" / name).read_text("utf-8"))
    order["external_id"] = f"{order['external_id']}-{serial}"
    order["buyer"] = {**order["buyer"], "buyer_id": f"{order['buyer']['buyer_id']}-{serial}"}
    if order.get("receiver"):
        order["receiver"] = {**order["receiver"], "detail": f"{order['receiver']['detail']} {serial}"}
    return order


def _post(api: str, order: dict[str, Any]) -> str:
    status, answer = http("POST", f"{api}/orders", json.dumps(order, ensure_ascii=False).encode())
    if status != 202:
        raise RuntimeError(f"the sample order was refused: {status} {answer}")
    return answer["order_id"]


def populate(runtime: LocalRuntime, copies: int = 2) -> Scene:
    """Every sample order `copies` times, plus two held ones and two that fail into EXCEPTION."""
    api, scene = runtime.api_url, Scene()
    stamp = str(time.time_ns())[-8:]
    posted = []
    for copy in range(copies):
        for path in sorted((EVENTS / "orders").glob("*.json")):
            posted.append((f"{path.stem}#{copy}", _post(api, _sample(path.name, f"c{copy}-{stamp}"))))
    posted.append(("held#extra", _post(api, _sample("06_shopify_unknown_province.json", f"h-{stamp}"))))
    for name, order_id in posted:
        scene.by_name[name] = order_id
        scene.details[name] = wait_settled(api, order_id)
    with wms_down(runtime):
        for n in range(2):
            name = f"exception#{n}"
            scene.by_name[name] = _post(api, _sample("01_own_shop_shanghai.json", f"x{n}-{stamp}"))
            scene.details[name] = wait_settled(api, scene.by_name[name], statuses=SETTLED | {"EXCEPTION"})
    runtime.wait_until_idle(timeout=60)
    return scene


def after_sales(runtime: LocalRuntime, scene: Scene, name: str = "01_own_shop_shanghai#1") -> str:
    """One released order through after-sales, as the warehouse and the shop report it: shipped
    (the write-back to the shop follows), a line refunded after shipment (a return expected), the
    return received. Its timeline and after-sales show each step. Returns its order id."""
    api, order_id = runtime.api_url, scene.by_name[name]
    order = scene.details[name]["order"]
    if order["status"] != "RELEASED":
        raise RuntimeError(f"{name} is {order['status']}, not RELEASED: it cannot ship")
    note = scene.details[name]["outbound_notes"][0]
    line = note["lines"][0]
    _wms(runtime, "ParcelShipped", {"order_id": order_id, "warehouse_id": note["warehouse_id"], "carrier": "SF", "tracking_number": "SF1234509876", "occurred_at": order["updated_at"]})
    wait_settled(api, order_id, statuses={"SHIPPED"})
    content = order["order"]
    refund = {"channel": content["channel"], "channel_order_id": content["external_id"], "refund_id": f"RF-{order_id[-6:]}", "amount": "30.00", "currency": content.get("currency", "CNY"), "lines": [{"sku": line["sku"], "quantity": line["quantity"]}]}
    status, answer = http("POST", f"{api}/refunds", json.dumps(refund, ensure_ascii=False).encode())
    if status != 202:
        raise RuntimeError(f"the refund was refused: {status} {answer}")
    wait_settled(api, order_id, statuses={"RETURN_PENDING"})
    _, sales = http("GET", f"{api}/orders/{order_id}/aftersales")
    rma = sales["returns"][0]
    receipt = {"order_id": order_id, "rma_id": rma["rma_id"], "warehouse_id": note["warehouse_id"], "receipt_id": f"RR-{order_id[-6:]}", "lines": [{"sku": line["sku"], "sellable": line["quantity"], "unsellable": 0}]}
    _wms(runtime, "ReturnReceipt", receipt)
    scene.details["after_sales"] = wait_settled(api, order_id, statuses={"RETURNED"})
    scene.by_name["after_sales"] = order_id
    return order_id


def _wms(runtime: LocalRuntime, detail_type: str, detail: dict[str, Any]) -> None:
    answer = runtime.client("events").put_events(
        Entries=[{"Source": "wms.jiading", "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": runtime.resources.env["EVENT_BUS_NAME"]}]
    )
    if answer["FailedEntryCount"]:
        raise RuntimeError(f"the WMS event {detail_type} was not accepted: {answer}")


@contextmanager
def wms_down(runtime: LocalRuntime) -> Iterator[None]:
    """The notification step fails while inside: orders that reach it end in EXCEPTION."""
    name = runtime.resources.function_names["notification"]
    working = moto_patches._handlers[name]

    def unreachable(event: dict[str, Any], context: Any) -> Any:
        raise ConnectionError("WMS gateway unreachable")

    moto_patches._handlers[name] = unreachable
    try:
        yield
    finally:
        moto_patches._handlers[name] = working


@contextmanager
def browser(width: int = 1400, height: int = 1000, timezone_id: str = "Asia/Shanghai") -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a browser download), in an empty profile, on
    the clock of an operations team in China (the console shows times in the browser's zone)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="oms-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, viewport={"width": width, "height": height}, timezone_id=timezone_id
        )
        try:
            yield context
        finally:
            context.close()


def failed_writeback(runtime: LocalRuntime, scene: Scene, name: str = "03_tmall_guangzhou#0", timeout: float = 60.0) -> dict[str, Any]:
    """A platform order shipped whose write-back fails: the local runtime configures no shop for
    the platforms, so the write-back is refused at once (no shop to write back to) and listed in
    the failed write-backs. Returns the failed write-back as GET /operations/writebacks lists it."""
    api, order_id = runtime.api_url, scene.by_name[name]
    details = scene.details[name]
    if details["order"]["status"] != "RELEASED":
        raise RuntimeError(f"{name} is {details['order']['status']}, not RELEASED: it cannot ship")
    note = details["outbound_notes"][0]
    _wms(runtime, "ParcelShipped", {"order_id": order_id, "warehouse_id": note["warehouse_id"], "carrier": note.get("carrier") or "SF", "tracking_number": f"SF{order_id[-8:]}", "occurred_at": details["order"]["updated_at"]})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, listed = http("GET", f"{api}/operations/writebacks?limit=500")
        found = [w for w in listed.get("writebacks", []) if w["order_id"] == order_id]
        if found:
            scene.by_name["failed_writeback"] = order_id
            return found[0]
        time.sleep(0.2)
    raise RuntimeError(f"the write-back of {name} ({order_id}) did not fail within {timeout:.0f} s")


def merged(runtime: LocalRuntime, scene: Scene) -> dict[str, Any]:
    """Two orders of one buyer to one address waiting for stock (backordered), merged by an
    operator through the merging API (合单): one parcel instead of two. Returns the merge record."""
    api, stamp = runtime.api_url, str(time.time_ns())[-8:]
    base = _sample("04_douyin_sold_out.json", f"m-{stamp}")
    members = []
    for n in range(2):
        order = {**base, "external_id": f"{base['external_id'][:10]}{n}", "lines": [{**base["lines"][0], "quantity": 3}]}
        order_id = _post(api, order)
        settled = wait_settled(api, order_id, statuses=SETTLED | {"MERGED"})
        if settled["order"]["status"] == "ON_HOLD":  # review holds the second: "mergeable with ..."; approved, it waits for stock
            decision = {"decision": "approve", "operator": "ops-chen", "note": "合单前放行"}
            http("POST", f"{api}/orders/{order_id}/review", json.dumps(decision, ensure_ascii=False).encode())
            settled = wait_settled(api, order_id, statuses={"BACKORDERED", "MERGED"})
        if settled["order"]["status"] not in ("BACKORDERED", "MERGED"):
            raise RuntimeError(f"merge member {order_id} is {settled['order']['status']}, not waiting for stock")
        scene.details[f"merge_member#{n}"] = settled
        scene.by_name[f"merge_member#{n}"] = order_id
        members.append(order_id)
    decision = {"order_ids": members, "operator": "ops-chen", "reason": "同一买家同一地址，合并发货"}
    status, record = http("POST", f"{api}/merges", json.dumps(decision, ensure_ascii=False).encode())
    if status == 409:  # the automatic rule merged them first
        merge_id = wait_settled(api, members[0], statuses={"MERGED"})["order"]["merge_id"]
        status, record = http("GET", f"{api}/merges/{merge_id}")
    if status not in (200, 201):
        raise RuntimeError(f"the merge was refused: {status} {record}")
    scene.by_name["merge_shipment"] = record["shipment_order_id"]
    wait_settled(api, record["shipment_order_id"], statuses=SETTLED)
    return record


def extra_order(runtime: LocalRuntime, scene: Scene, name: str, sample: str = "01_own_shop_shanghai.json") -> str:
    """One more sample order (its own buyer and address), settled; under `name` in the scene."""
    order_id = _post(runtime.api_url, _sample(sample, f"e-{str(time.time_ns())[-8:]}"))
    scene.by_name[name], scene.details[name] = order_id, wait_settled(runtime.api_url, order_id)
    return order_id
