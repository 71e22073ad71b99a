"""Screenshots of each console page (docs/console/*.png, `.en.png` in English), in Chinese and
English: the local runtime with a day of sample orders (local/console_scene.py), including one
that shipped, was refunded after shipment and returned (its order page), a tmall parcel whose
write-back failed (the failed write-backs queue) and two backordered orders merged into one
shipment (the merges page), in Debian's chromium.

Each shot waits for its page's data (the page's table or figure, and every chart drawn), never
a fixed time; a page that does not show its data in time stops the run with the page's name.

    make screenshots"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from local.console_scene import after_sales, browser, failed_writeback, merged, populate
from local.demo import http
from local.runtime import CONSOLE_DIST, LocalRuntime
from local.seed import load_seed

OUT = Path(__file__).resolve().parent.parent / "docs" / "console"
PAGES = (
    ("overview", "#/overview", "[data-figure=health_index]"),
    ("orders", "#/orders", "[data-table=orders] tbody tr"),
    ("queues-review", "#/queues/review", "[data-table=review] tbody tr"),
    ("queues-exceptions", "#/queues/exceptions", "[data-table=exception] tbody tr"),
    ("queues-stuck", "#/queues/stuck", "[data-table=stuck], section.panel [data-empty]"),
    ("queues-backorders", "#/queues/backorders", "[data-table=backordered], section.panel [data-empty]"),
    ("queues-writebacks", "#/queues/writebacks", "[data-table=writebacks] tbody tr"),
    ("merges", "#/merges", "[data-merge] [data-table=members] tbody tr"),
    ("rules", "#/rules", "[data-field=document]"),
)
PAGE_TIMEOUT_MS = 90_000  # a loaded machine: the first reads are slow
# Every chart of the page has drawn its canvas (charts draw on the frame after the page shows).
CHARTS_DRAWN = "() => [...document.querySelectorAll('[data-chart]')].every((box) => box.querySelector('canvas'))"


class PageNotReady(RuntimeError):
    pass


def shoot(page, url: str, name: str, language: str, ready: str, path: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url)
    page.reload()
    try:
        page.wait_for_selector(ready, timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(CHARTS_DRAWN, timeout=PAGE_TIMEOUT_MS)
        page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
    except PlaywrightTimeout as error:
        raise PageNotReady(f"page {name!r} ({language}, {url}) did not show {ready!r} with its charts within {PAGE_TIMEOUT_MS // 1000} s") from error
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.screenshot(path=str(path), full_page=True)


def wait_for_health_history(api: str, timeout: float = 120.0) -> None:
    """Until the health snapshot (every 10 s locally) has written a point of the history."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, overview = http("GET", f"{api}/operations/overview")
        if status == 200 and overview["health_history"]["minutes"]:
            return
        time.sleep(1)
    raise PageNotReady(f"the overview's health history has no point after {timeout:.0f} s (is snapshot_order_health scheduled?)")


def main() -> int:
    if not (CONSOLE_DIST / "index.html").is_file():
        print("console/web/dist is missing: make console", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with LocalRuntime(prefix="oms-console", schedules="scaled") as runtime:
        load_seed()
        scene = populate(runtime, copies=2)
        returned = after_sales(runtime, scene)
        failed = failed_writeback(runtime, scene)
        merged(runtime, scene)
        runtime.wait_until_idle(timeout=60)
        wait_for_health_history(runtime.api_url)
        order = scene.details["01_own_shop_shanghai#0"]["order"]
        sku = order["order"]["lines"][0]["sku"]
        pages = (
            *PAGES,
            ("order", f"#/order/{returned}", "[data-section=aftersales][data-loaded] [data-table=refunds] tbody tr"),
            ("order-writeback", f"#/order/{failed['order_id']}", "[data-table=writebacks] [data-state=FAILED]"),
            ("stock", f"#/stock/{sku}", "[data-table=stock] tbody tr"),
        )
        with browser(width=1440, height=900) as context:
            page = context.new_page()
            page.goto(f"{runtime.api_url}/")
            page.evaluate("localStorage.clear(); localStorage.setItem('oms.language', 'zh')")
            page.goto(f"{runtime.api_url}/")
            page.wait_for_selector("[data-field=username]", timeout=PAGE_TIMEOUT_MS)
            page.screenshot(path=str(OUT / "sign-in.png"))
            page.fill("[data-field=username]", "ops-chen")
            page.select_option("[data-field=group]", "supervisor")
            page.click("[data-action=sign-in]")
            for language in ("zh", "en"):
                page.evaluate(f"localStorage.setItem('oms.language', '{language}')")
                for name, hash_, ready in pages:
                    path = OUT / f"{name}{'' if language == 'zh' else '.en'}.png"
                    shoot(page, f"{runtime.api_url}/{hash_}", name, language, ready, path)
                    print(f"wrote {path.relative_to(OUT.parent.parent)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
