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
