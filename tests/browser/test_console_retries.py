"""The console asks a read again when API Gateway throttles it or a gateway fails in passing (429,
502, 503, 504), and never repeats a write (console/web/src/api.js). The failures are made by the
browser itself (Playwright's routing answers in the server's place), so the server is untouched."""

from __future__ import annotations

import re
import time

from tests.browser.conftest import sign_in

ORDER_READ = re.compile(r".*/console/orders/[^/?]+$")
AFTERSALES_READ = re.compile(r".*/console/operations/orders/[^/?]+/aftersales$")
CANCEL = re.compile(r".*/console/orders/[^/?]+/cancel$")


def _fail_first(page, pattern, answers: list[tuple[int, dict[str, str]]]) -> list[float]:
    """The first requests matching `pattern` get `answers` (status, headers) in turn; the rest reach
    the server. Returns when each request was seen (monotonic seconds)."""
    seen: list[float] = []

    def handle(route):
        seen.append(time.monotonic())
        if len(seen) <= len(answers):
            status, headers = answers[len(seen) - 1]
            route.fulfill(status=status, headers={"Content-Type": "application/json", **headers}, body='{"message": "Too Many Requests"}')
        else:
            route.continue_()

    page.route(pattern, handle)
    return seen


def test_a_read_that_meets_throttles_and_gateway_failures_is_asked_again(console, page):
    runtime, scene = console
    order_id = scene.by_name["01_own_shop_shanghai#0"]
    sign_in(page, runtime)
    orders = _fail_first(page, ORDER_READ, [(503, {}), (429, {"Retry-After": "1"})])
    sales = _fail_first(page, AFTERSALES_READ, [(502, {}), (504, {}), (429, {})])
    page.goto(f"{runtime.api_url}/#/order/{order_id}")
    page.wait_for_selector("[data-table=timeline]")
    page.wait_for_selector("[data-section=aftersales][data-loaded]")
    assert page.locator(".error").count() == 0
    assert len(orders) == 3 and len(sales) == 4  # every failure asked again once, then the answer
    assert orders[2] - orders[1] >= 0.9  # the server's Retry-After: 1 second is waited for


def test_a_read_that_keeps_failing_shows_its_error(console, page):
    runtime, scene = console
    order_id = scene.by_name["01_own_shop_shanghai#0"]
    sign_in(page, runtime)
    orders = _fail_first(page, ORDER_READ, [(503, {})] * 10)
    page.goto(f"{runtime.api_url}/#/order/{order_id}")
    page.wait_for_selector(".error")
    assert len(orders) == 4  # the first ask and three more, then the page says what failed


def test_a_write_is_never_repeated(console, page):
    runtime, scene = console
    order_id = scene.by_name["01_own_shop_shanghai#0"]
    sign_in(page, runtime)
    cancels = _fail_first(page, CANCEL, [(503, {})] * 10)  # answered here: the order is not cancelled
    page.goto(f"{runtime.api_url}/#/order/{order_id}")
    page.click("[data-action=cancel-order]")
    page.fill("dialog [data-field=reason]", "买家申请取消")
    page.click("dialog [data-action=confirm]")
    page.wait_for_selector("[data-result] .error")
    page.wait_for_timeout(1500)  # past the first retry's delay: a repeat would have been sent by now
    assert len(cancels) == 1
