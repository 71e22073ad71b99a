"""The console's routing page (路由模拟): a candidate routing policy built in the form from the
policy in force, replayed on the last stored orders; the page shows what the API answers."""

from __future__ import annotations

from decimal import Decimal

from tests.browser.conftest import as_user, sign_in


def test_an_operator_prices_a_candidate_routing_policy_on_the_last_orders(console, page):
    runtime, _ = console
    runtime.wait_until_idle(timeout=30)  # the replay reads the stored orders and the stock there is now
    status, policy = as_user(runtime, "GET", "/routing/policy", group="operator")
    assert status == 200, policy
    warehouse = next(w for w in policy["warehouses"] if len(w["carriers"]) >= 2)
    dropped = warehouse["carriers"][0]
    sign_in(page, runtime, group="operator", language="en")  # read only: an operator may run it
    page.click("[data-nav=routing]")
    page.wait_for_selector("[data-field=strategy]")
    # The form starts from the policy in force: every strategy offered, each warehouse's carriers ticked.
    offered = page.eval_on_selector_all("[data-field=strategy] option", "options => options.map(o => o.value)")
    assert offered == [""] + [s["name"] for s in policy["strategies"]]
    for w in policy["warehouses"]:
        for c in policy["carriers"]:
            assert page.is_checked(f"[data-carrier='{w['warehouse_id']}:{c['carrier_id']}']") == (c["carrier_id"] in w["carriers"])

    # A warehouse left without any carrier is stopped on the page, before the API is asked.
    for c in policy["carriers"]:
        page.uncheck(f"[data-carrier='{warehouse['warehouse_id']}:{c['carrier_id']}']")
    page.click("[data-action=routing-whatif]")
    assert warehouse["warehouse_id"] in page.inner_text("[data-result] .message.error")
    for c in warehouse["carriers"]:
        page.check(f"[data-carrier='{warehouse['warehouse_id']}:{c}']")

    page.select_option("[data-field=strategy]", "location-priority")
    page.select_option("[data-field=max-packages]", "1")
    page.uncheck(f"[data-carrier='{warehouse['warehouse_id']}:{dropped}']")
    page.fill("[data-field=routing-last]", "50")
    with page.expect_request(lambda r: r.url.endswith("/console/routing/whatif") and r.method == "POST") as sent:
        page.click("[data-action=routing-whatif]")
    page.wait_for_selector("[data-routing-whatif]")

    # Only what differs from the policy in force is sent: the one warehouse whose carriers changed.
    candidate = {"strategy": "location-priority", "max_packages": 1, "carriers": {warehouse["warehouse_id"]: warehouse["carriers"][1:]}}
    assert sent.value.post_data_json == {"candidate": candidate, "last": 50}
    status, report = as_user(runtime, "POST", "/routing/whatif", {"candidate": candidate, "last": 50}, group="operator")
    assert status == 200, report
    assert report["orders"] >= 1 and report["changed_count"] >= 1  # location-priority ranks WH-SH first
    assert f": {report['candidate_description']} ·" in page.inner_text("[data-whatif=summary]")
    assert int(page.get_attribute("[data-routing-whatif]", "data-routing-whatif")) == report["changed_count"]
    assert page.inner_text("[data-figure=orders_changed] .card-value") == str(report["changed_count"])
    shown_delta = page.inner_text("[data-figure=cost_delta_total] .card-value").replace("¥", "").replace("+", "").strip()
    assert Decimal(shown_delta) == Decimal(report["cost_delta_total"]).quantize(Decimal("0.01"))
    for side, column in (("in_force", 2), ("candidate", 3)):
        assert page.inner_text(f"[data-table=sides] [data-side=packages] td:nth-child({column})") == str(report[side]["packages"])
        assert page.inner_text(f"[data-table=sides] [data-side=routed] td:nth-child({column})") == str(report[side]["routed"])
    for w, packages in report["candidate"]["load"].items():
        assert page.inner_text(f"[data-table=load] [data-warehouse='{w}'] td:nth-child(3)") == str(packages)
    assert page.locator("[data-table=changed] [data-changed]").count() == len(report["changed"])
    for changed in report["changed"][:3]:
        row = page.inner_text(f"[data-table=changed] [data-changed='{changed['order_id']}']")
        assert changed["explanation"] in row
