"""What an operations user does in the console, in chromium, against the local runtime."""

from __future__ import annotations

import copy
import json

import pytest

from shared.review import default_document
from tests.browser.conftest import as_user, sign_in


def test_sign_in_and_the_overview_shows_the_api_figures(console, page):
    runtime, _ = console
    runtime.wait_until_idle(timeout=30)
    sign_in(page, runtime)
    status, overview = as_user(runtime, "GET", "/operations/overview")
    assert status == 200
    shown = {name: page.inner_text(f"[data-figure={name}]") for name in ("health_index", "open_orders", "stuck_orders", "exceptions", "backorders", "received_today")}
    assert float(shown["health_index"]) == float(overview["health"]["index"])
    assert int(shown["open_orders"]) == sum(overview["open_by_status"].values())
    assert int(shown["stuck_orders"]) == sum(overview["stuck_by_status"].values())
    assert (int(shown["exceptions"]), int(shown["backorders"])) == (overview["exceptions"], overview["backorders"])
    assert int(shown["received_today"]) == overview["today"]["received"]
    assert "今日接单（北京时间）" in page.inner_text("body")  # whose day "today" is: China's (decision 265)
    assert page.locator("[data-chart=orders-per-hour] canvas").count() == 1
    kpi = page.inner_text("[data-kpi=cost_per_order]")
    assert kpi == f"{float(overview['today']['all']['cost_per_order']):.2f}"


def test_find_an_order_by_its_channel_order_id_and_read_its_timeline(console, page):
    runtime, scene = console
    details = scene.details["01_own_shop_shanghai#0"]
    sign_in(page, runtime)
    page.click("[data-nav=orders]")
    page.fill("[data-field=q]", details["order"]["order"]["external_id"])
    page.click("[data-action=search]")
    page.click(f"[data-results] [data-order='{details['order']['order_id']}']")
    page.wait_for_selector("[data-table=timeline]")
    status, fresh = as_user(runtime, "GET", f"/orders/{details['order']['order_id']}")
    rows = page.locator("[data-table=timeline] tbody tr")
    assert rows.count() == len(fresh["timeline"])
    assert "outbound note sent to the warehouse" in page.inner_text("[data-table=timeline]")
    assert page.locator("[data-table=plan] tbody tr").count() == len(fresh["order"]["plan"]["shipments"])


def test_times_are_shown_and_days_searched_in_the_browsers_time_zone(console, page):
    """A team in Beijing reads 10:00 +08 for 02:00 UTC, and the day it picks is its own day: an
    order of 00:30 Beijing time is found on that day, not on the UTC day before (decision 265)."""
    from datetime import datetime, timedelta, timezone
    from urllib.parse import parse_qs, urlparse

    runtime, scene = console
    details = scene.details["01_own_shop_shanghai#0"]
    created = datetime.fromisoformat(details["order"]["created_at"].replace("Z", "+00:00"))
    beijing = created.astimezone(timezone(timedelta(hours=8)))
    page.context.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Shanghai"})
    sign_in(page, runtime)
    page.click("[data-nav=orders]")
    page.fill("[data-field=q]", details["order"]["order"]["external_id"])
    page.fill("[data-field=created_from]", beijing.strftime("%Y-%m-%d"))
    page.fill("[data-field=created_to]", beijing.strftime("%Y-%m-%d"))
    with page.expect_request(lambda r: "created_from" in r.url) as asked:
        page.click("[data-action=search]")
    query = parse_qs(urlparse(asked.value.url).query)
    midnight = datetime.combine(beijing.date(), datetime.min.time(), tzinfo=beijing.tzinfo)
    assert query["created_from"] == [(midnight.astimezone(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.000Z")]
    assert query["created_to"] == [(midnight + timedelta(days=1, milliseconds=-1)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace("000Z", "Z")]
    row = page.locator(f"[data-results] tr:has([data-order='{details['order']['order_id']}'])")
    assert beijing.strftime("%Y-%m-%d %H:%M:%S\u00a0+08") in row.inner_text()


def test_the_search_asked_last_is_the_one_shown_whatever_answer_comes_first(console, page):
    runtime, scene = console
    first, last = scene.details["01_own_shop_shanghai#0"], scene.details["03_tmall_guangzhou#0"]
    sign_in(page, runtime)
    page.click("[data-nav=orders]")
    page.wait_for_selector("[data-field=q]")
    # The browser's fetch answers the first search late (1.5 s): it must not replace the second's results.
    page.evaluate("""(slow) => {
      const real = window.fetch;
      window.fetch = (url, options) => new Promise((resolve) => setTimeout(resolve, String(url).includes(slow) ? 1500 : 0)).then(() => real(url, options));
    }""", first["order"]["order"]["external_id"])
    for details in (first, last):
        page.fill("[data-field=q]", details["order"]["order"]["external_id"])
        page.click("[data-action=search]")
    page.wait_for_selector(f"[data-results] [data-order='{last['order']['order_id']}']")
    page.wait_for_timeout(2500)  # the first search has answered by now
    assert page.query_selector(f"[data-results] [data-order='{first['order']['order_id']}']") is None
    assert page.query_selector(f"[data-results] [data-order='{last['order']['order_id']}']") is not None


def test_approve_a_held_order_with_a_reason(console, page):
    runtime, scene = console
    order_id = scene.by_name["held#extra"]
    sign_in(page, runtime, group="operator")
    page.goto(f"{runtime.api_url}/#/queues/review")
    # Held for an unknown province: approving it takes a corrected address (an approval as it is is refused).
    page.click(f"[data-action=approve-corrections][data-for='{order_id}']")
    for field, value in (("province", "浙江省"), ("city", "杭州市"), ("district", "西湖区"), ("detail", "文三路90号")):
        page.fill(f"dialog [data-field={field}]", value)
    page.fill("dialog [data-field=reason]", "买家电话确认地址")
    page.click("dialog [data-action=confirm]")
    page.wait_for_selector("[data-table=results] [data-outcome]")
    assert page.get_attribute("[data-table=results] [data-outcome]", "data-outcome") == "done"
    _, details = as_user(runtime, "GET", f"/orders/{order_id}")
    decision = next(e for e in details["timeline"] if e["from_status"] == "ON_HOLD" and e["kind"] == "transition")
    assert decision["actor"] == {"kind": "operator", "name": "ops-chen"}  # the token's user, not the page's say-so


def test_retry_an_exception(console, page):
    runtime, scene = console
    order_id = scene.by_name["exception#0"]
    status, answer = as_user(runtime, "POST", f"/orders/{order_id}/retry", {"reason": "probe", "operator": "ops-test"})
    if status == 404 and answer.get("message") == "no such route":
        pytest.skip("POST /orders/{id}/retry is not on this branch (the reliability issue adds it); the page shows 'not available'")
    sign_in(page, runtime)
    page.goto(f"{runtime.api_url}/#/queues/exceptions")
    other = scene.by_name["exception#1"]
    page.click(f"[data-action=retry][data-for='{other}']")
    page.fill("dialog [data-field=reason]", "WMS is back")
    page.click("dialog [data-action=confirm]")
    page.wait_for_selector("[data-table=results] [data-outcome]")
    assert page.get_attribute("[data-table=results] [data-outcome]", "data-outcome") == "done"


def test_change_a_rule_with_what_if_then_put_it_in_force(console, page):
    runtime, _ = console
    candidate = copy.deepcopy(default_document())
    rule = next(r for r in candidate["rules"] if r["id"] == "line.price.positive")
    rule["enabled"] = False  # the zero-price JD order would pass
    sign_in(page, runtime)
    page.click("[data-nav=rules]")
    page.wait_for_selector("[data-field=document]")

    broken = copy.deepcopy(candidate)
    next(r for r in broken["rules"] if r["id"] == "address.remote")["when"]["op"] = "near"
    page.fill("[data-field=document]", json.dumps(broken, ensure_ascii=False, indent=2))
    page.click("[data-action=validate]")
    page.wait_for_selector("[data-problem]")
    assert "address.remote" in page.inner_text("[data-section=problems] .bad-line")

    page.fill("[data-field=document]", json.dumps(candidate, ensure_ascii=False, indent=2))
    page.fill("[data-field=whatif-last]", "50")
    page.click("[data-action=whatif]")
    shown = int(page.inner_text("[data-whatif=changed]"))
    _, report = as_user(runtime, "POST", "/rulesets/whatif", {"candidate": candidate, "last": 50})
    assert shown == report["changed_count"] >= 1

    status, refused = as_user(runtime, "POST", "/rulesets", {"document": candidate, "comment": "try", "activate": True}, group="operator")
    assert status == 403 and refused["errors"][0]["rule"] == "supervisor"  # enforced by the server
    page.click("[data-action=save-activate]")
    page.fill("dialog [data-field=reason]", "零价订单改为人工处理前先放行（演示）")
    page.click("dialog [data-action=confirm]")
    page.wait_for_selector("[data-feedback] .message.good")
    _, active = as_user(runtime, "GET", "/rulesets/active")
    assert active["rule_set"]["created_by"] == "ops-chen" and active["active"]["activated_by"] == "ops-chen"
    _, rollback = as_user(runtime, "POST", "/rulesets/rollback", {"comment": "back to the shipped rules"})
    assert rollback["version"] == active["active"]["previous_version"]


def test_switch_language(console, page):
    runtime, _ = console
    sign_in(page, runtime, language="zh")
    assert page.inner_text("[data-nav=overview]") == "总览"
    page.click("[data-action=language]")
    page.wait_for_selector("[data-nav=overview]:has-text('Overview')")
    assert page.inner_text("[data-nav=queues]") == "Work queues"
    page.click("[data-action=language]")
    page.wait_for_selector("[data-nav=overview]:has-text('总览')")


def test_a_sku_across_warehouses(console, page):
    runtime, scene = console
    sku = scene.details["01_own_shop_shanghai#0"]["order"]["order"]["lines"][0]["sku"]
    sign_in(page, runtime)
    page.goto(f"{runtime.api_url}/#/stock/{sku}")
    page.wait_for_selector("[data-table=stock] tbody tr")
    _, stock = as_user(runtime, "GET", f"/operations/stock/{sku}")
    assert page.locator("[data-table=stock] tbody tr").count() == len(stock["warehouses"]) >= 1


def test_a_queue_longer_than_its_page_says_more_are_waiting(console, page):
    runtime, _ = console
    sign_in(page, runtime, group="operator")

    def one_more_page(route):  # the API's answer when more holds wait than the page holds
        answer = route.fetch()
        route.fulfill(response=answer, json={**answer.json(), "next_token": "more"})

    page.goto(f"{runtime.api_url}/#/queues/review")
    page.wait_for_selector("[data-table=review]")
    assert page.query_selector("[data-more-waiting]") is None  # the whole queue fits: nothing said
    page.route("**/review-queue?*", one_more_page)
    page.reload()
    page.wait_for_selector("[data-more-waiting]")
    held = len(page.query_selector_all("[data-table=review] [data-select]:not([data-select=all])"))
    assert f"first {held} are shown" in page.inner_text("[data-more-waiting]") or f"前 {held} 条" in page.inner_text("[data-more-waiting]")
