"""Screenshots of each console page (docs/console/*.png), in both languages for the overview:
the local runtime with a day of sample orders (local/console_scene.py), in Debian's chromium.

    make screenshots"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from local.console_scene import browser, populate
from local.runtime import CONSOLE_DIST, LocalRuntime
from local.seed import load_seed

OUT = Path(__file__).resolve().parent.parent / "docs" / "console"
PAGES = (
    ("overview", "#/overview", "[data-figure=health_index]"),
    ("orders", "#/orders", "[data-table=orders]"),
    ("queues-review", "#/queues/review", "[data-table=review]"),
    ("queues-exceptions", "#/queues/exceptions", "[data-table=exception]"),
    ("queues-stuck", "#/queues/stuck", "main section.panel h2"),
    ("queues-backorders", "#/queues/backorders", "[data-table=backordered]"),
    ("rules", "#/rules", "[data-field=document]"),
)


def main() -> int:
    if not (CONSOLE_DIST / "index.html").is_file():
        print("console/web/dist is missing: make console", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with LocalRuntime(prefix="oms-console") as runtime:
        load_seed()
        scene = populate(runtime, copies=2)
        time.sleep(1.5)  # the minute snapshot has run: the health history has a point
        runtime.wait_until_idle(timeout=30)
        order = scene.details["01_own_shop_shanghai#0"]["order"]
        sku = order["order"]["lines"][0]["sku"]
        pages = (*PAGES, ("order", f"#/order/{order['order_id']}", "[data-table=timeline]"), ("stock", f"#/stock/{sku}", "[data-table=stock]"))
        with browser(width=1440, height=900) as context:
            page = context.new_page()
            page.goto(f"{runtime.api_url}/")
            page.evaluate("localStorage.clear(); localStorage.setItem('oms.language', 'zh')")
            page.goto(f"{runtime.api_url}/")
            page.screenshot(path=str(OUT / "sign-in.png"))
            page.fill("[data-field=username]", "ops-chen")
            page.select_option("[data-field=group]", "supervisor")
            page.click("[data-action=sign-in]")
            for language in ("zh", "en"):
                page.evaluate(f"localStorage.setItem('oms.language', '{language}')")
                for name, hash_, ready in pages:
                    if language == "en" and name not in ("overview", "order", "rules"):
                        continue
                    page.goto(f"{runtime.api_url}/{hash_}")
                    page.reload()
                    page.wait_for_selector(ready, timeout=60_000)  # a loaded machine: the first reads are slow
                    time.sleep(0.6)  # charts draw on the next frame
                    path = OUT / f"{name}{'' if language == 'zh' else '.en'}.png"
                    page.screenshot(path=str(path), full_page=True)
                    print(f"wrote {path.relative_to(OUT.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
