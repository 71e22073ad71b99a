"""The console's after-sales: an order's refunds, return and notices in their own sections, a
failed write-back shown on its order and redriven from the work queue with a reason, and the open
merges (合单) with their members and saving. Driven through the real system: the warehouse's and
the shop's events, the merging API (local/console_scene.py)."""

from __future__ import annotations

import time

from local.console_scene import after_sales, extra_order, failed_writeback, merged
from tests.browser.conftest import as_user, sign_in


def eventually(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_the_order_page_shows_a_refund_its_return_and_the_notices_in_their_own_sections(console, page):
    runtime, scene = console
    extra_order(runtime, scene, "refunded#0")
    order_id = after_sales(runtime, scene, "refunded#0")  # shipped, a line refunded, the return received

    def settled():  # the customer notices are sent from the order's events, after them
        status, sales = as_user(runtime, "GET", f"/operations/orders/{order_id}/aftersales")
        kinds = {n["kind"] for n in sales["notices"] if n["state"] != "CLAIMED"}
        return sales if status == 200 and {"accepted", "shipped", "refunded"} <= kinds else None

    sales = eventually(settled)
    assert sales and sales["status"] == "RETURNED"
    sign_in(page, runtime)
    page.goto(f"{runtime.api_url}/#/order/{order_id}")
    page.wait_for_selector("[data-section=aftersales][data-loaded] [data-table=refunds]")
    [refund] = sales["refunds"]
    rows = page.locator("[data-table=refunds] tbody tr")
    assert rows.count() == 1 and refund["refund_id"] in rows.first.inner_text()
    assert page.get_attribute("[data-table=refunds] [data-outcome]", "data-outcome") == refund["outcome"] == "returned"
    [rma] = sales["returns"]
    assert page.get_attribute("[data-table=returns] [data-state]", "data-state") == rma["state"] == "received"
    assert refund["rma_id"] == rma["rma_id"] and rma["rma_id"] in rows.first.inner_text()
    assert page.locator("[data-table=notices] tbody tr").count() == len(sales["notices"])
    if page.get_attribute("[data-section=aftersales]", "data-loaded") == "zh":
        assert page.inner_text("[data-section=refunds] h2") == "售后"
        assert "发货后" in rows.first.inner_text() and "已收货" in page.inner_text("[data-table=returns]")
        page.click("[data-action=language]")
        page.wait_for_selector("[data-section=aftersales][data-loaded=en] [data-table=refunds]")
    assert page.inner_text("[data-section=refunds] h2") == "After-sales (售后)"
    assert "after shipment" in page.inner_text("[data-table=refunds] tbody tr")
    assert f"sellable {rma['lines'][0]['sellable']}" in page.inner_text("[data-table=returns]")
    assert "no channel to write back to" in page.inner_text("[data-section=writebacks]")  # oms's own shop
    page.click("[data-action=language]")  # back to Chinese for the next tests
    page.wait_for_selector("[data-section=aftersales][data-loaded=zh]")


def test_a_failed_write_back_shows_on_its_order_and_is_redriven_with_a_reason(console, page):
    runtime, scene = console
    failed = failed_writeback(runtime, scene)
    order_id, writeback_id = failed["order_id"], failed["writeback_id"]
    sign_in(page, runtime)
    page.goto(f"{runtime.api_url}/#/order/{order_id}")
    page.wait_for_selector(f"[data-table=writebacks] [data-for='{writeback_id}']")
    assert page.get_attribute("[data-table=writebacks] [data-state]", "data-state") == "FAILED"
    assert failed["last_error"] in page.inner_text("[data-table=writebacks]")
    assert page.get_attribute("[data-failed-writebacks]", "data-failed-writebacks") == "1"

    # The work queue: the API's list, one redriven with a reason, the result shown.
    page.goto(f"{runtime.api_url}/#/queues/writebacks")
    page.wait_for_selector("[data-table=writebacks] tbody tr")
    _, listed = as_user(runtime, "GET", "/operations/writebacks?limit=200")
    assert page.locator("[data-table=writebacks] tbody tr").count() == len(listed["writebacks"]) >= 1
    page.click(f"[data-table=writebacks] [data-action=redrive][data-for='{writeback_id}']")
    page.fill("dialog [data-field=reason]", "天猫店铺授权已更新")
    page.click("dialog [data-action=confirm]")
    page.wait_for_selector("[data-for-action=redrive] [data-table=results] [data-outcome]")
    assert page.get_attribute("[data-table=results] [data-outcome]", "data-outcome") == "done"
    assert writeback_id in page.inner_text("[data-table=results]")

    # Still no shop configured: it fails again. Redrive every failed tmall write-back.
    assert eventually(lambda: any(w["writeback_id"] == writeback_id for w in as_user(runtime, "GET", "/operations/writebacks?channel=tmall")[1]["writebacks"]))
    page.select_option("[data-field=channel]", "tmall")
    page.wait_for_selector("[data-writebacks=tmall] [data-table=writebacks] tbody tr")
    page.click("[data-action=redrive-all]")
    page.fill("dialog [data-field=reason]", "平台恢复")
    page.click("dialog [data-action=confirm]")
    page.wait_for_selector(f"[data-for-action=redrive-all] [data-table=results] tr:has-text('{writeback_id}') [data-outcome=done]")
    _, details = as_user(runtime, "GET", f"/orders/{order_id}")
    redrives = [e for e in details["timeline"] if e["cause"] == "write-back to tmall redriven"]
    assert sorted(e["details"]["reason"] for e in redrives) == sorted(["天猫店铺授权已更新", "平台恢复"])  # each redrive's reason
    assert {e["actor"]["name"] for e in redrives} == {"ops-chen"}  # the token's user


def test_the_merges_page_shows_the_merge_its_members_and_the_saving(console, page):
    runtime, scene = console
    record = merged(runtime, scene)
    _, answer = as_user(runtime, "GET", "/operations/merges")
    [listed] = [m for m in answer["merges"] if m["merge_id"] == record["merge_id"]]
    sign_in(page, runtime)
    page.click("[data-nav=merges]")
    block = f"[data-merge='{record['merge_id']}']"
    page.wait_for_selector(f"{block} [data-table=members] tbody tr")
    assert page.locator(f"{block} [data-table=members] tbody tr").count() == len(listed["members"]) == 2
    assert page.get_attribute(f"{block} [data-saving]", "data-saving") == listed["plan"]["saving"]
    assert page.inner_text(f"{block} [data-explanation]") == listed["plan"]["explanation"]["zh"]
    assert int(page.inner_text("[data-figure=open_merges] .card-value")) == len(answer["merges"])
    # A member's page links to its merge.
    page.click(f"{block} [data-table=members] [data-order='{listed['members'][0]}']")
    page.wait_for_selector(f"[data-merge='{record['merge_id']}']")
    assert page.inner_text("[data-status]") == "已合单"


def test_the_channel_picked_last_is_the_one_shown_whatever_answer_comes_first(console, page):
    # A redrive reloads the list while an operator may already pick a channel: each load replaced
    # the box it started from, so when the earlier load answered first, the later one replaced a
    # box no longer shown and the channel picked was never listed (a flaky CI run found it).
    runtime, _ = console
    sign_in(page, runtime)
    page.goto(f"{runtime.api_url}/#/queues/writebacks")
    page.wait_for_selector("[data-writebacks=all]")
    # The browser's fetch answers a channel's list late: jd after 0.8 s, tmall after 1.6 s.
    page.evaluate("""() => {
      const real = window.fetch;
      window.fetch = (url, options) => {
        const late = String(url).includes("channel=jd") ? 800 : String(url).includes("channel=tmall") ? 1600 : 0;
        return new Promise((resolve) => setTimeout(resolve, late)).then(() => real(url, options));
      };
    }""")
    page.select_option("[data-field=channel]", "jd")
    page.select_option("[data-field=channel]", "tmall")  # picked while the jd list is on its way
    page.wait_for_timeout(2500)  # both answered by now
    assert page.query_selector("[data-writebacks=tmall]") is not None and page.query_selector("[data-writebacks=jd]") is None
