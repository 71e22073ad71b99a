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
def browser(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a browser download), in an empty profile."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="oms-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, viewport={"width": width, "height": height}
        )
        try:
            yield context
        finally:
            context.close()
