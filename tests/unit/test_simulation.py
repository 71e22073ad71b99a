"""The simulated day runs through oms's real channel adapters, review, routing and reservation:
payloads read back as they were written, every order ends in one named state, stock is never
oversold, the policies differ only where they should, and the same seed gives the same day."""

import io
import json
import os
from datetime import datetime
from decimal import Decimal

import pytest

from shared.orders import OrderIn
from shared.review import default_rule_set
from shared.routing_whatif.candidate import CandidatePolicy
from simulation import simulate
from simulation.channels import CHANNELS, SimCatalog, intake, payload_of
from simulation.day import simulate_days, traditional_rules
from simulation.demand import Demand
from simulation.whatif import simulated
from simulation.world import load_assumptions, make_world

ASSUMPTIONS = load_assumptions()


@pytest.fixture(scope="module")
def world():
    return make_world(ASSUMPTIONS, 600, seed=5, warehouses=4)


@pytest.fixture(scope="module")
def day(world):
    return simulate_days(world, ASSUMPTIONS, 600, 1, 5, default_rule_set())


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_each_channel_payload_reads_back_through_its_adapter(world, channel):
    demand = Demand(world, ASSUMPTIONS, seed=3)
    document = next(p.order for p in demand.day(0, 400) if p.order["channel"] == channel and p.label == "clean")
    order = intake(channel, payload_of(document, world), SimCatalog(world))
    assert order.channel.value == ("shopify" if channel == "partner" else channel)  # the partner bus carries Shopify's orders
    assert [(l.sku, l.quantity, l.unit_price, l.discount) for l in order.lines] == [
        (l["sku"], l["quantity"], Decimal(l["unit_price"]), Decimal(l["discount"])) for l in document["lines"]
    ]
    assert order.receiver.province.removesuffix("市") == document["receiver"]["province"].removesuffix("市")
    assert order.placed_at == datetime.fromisoformat(document["placed_at"])


def test_every_order_ends_in_one_state_and_stock_is_never_oversold(day):
    assert day.orders >= 600
    for run in day.runs.values():
        assert len(run.outcomes) == day.orders
        for o in run.outcomes:
            assert [o.released, o.rejected, o.backordered and not o.released].count(True) == 1, o
        for (warehouse, sku), cell in run.stock.cells.items():
            assert cell.reserved + cell.safety <= cell.on_hand and cell.in_transit >= 0, (warehouse, sku, cell)


def test_the_policies_differ_where_they_should(day):
    traditional, oms = day.runs["traditional"], day.runs["oms"]
    assert all(o.person_reviewed for o in traditional.outcomes if o.b2b)  # a person checks every B2B order
    assert not any(o.person_arranged for o in oms.outcomes)  # oms routes split and short orders itself
    assert any(o.person_arranged for o in traditional.outcomes)
    labels = {o.seq: o.label for o in oms.outcomes}
    assert {"wrong_price", "bad_address", "duplicate", "invoice", "credit"} <= set(labels.values())
    # an order review rejects never reaches a person or the warehouse under oms
    assert all(not o.person_reviewed and not o.released for o in oms.outcomes if o.rejected and not o.caught and o.rejected_at is not None and not o.is_error)


def test_traditional_checks_are_the_named_subset_of_the_default_rules(shanghai_order):
    wrong = OrderIn.model_validate({**shanghai_order, "payment_status": "UNPAID", "receiver": {**shanghai_order["receiver"], "phone": "139 0021"}})  # too short to be a number, not a placeholder pattern
    assert {f.rule_id for f in default_rule_set().review(wrong).findings} >= {"payment.unpaid", "address.phone.format"}
    assert {f.rule_id for f in traditional_rules(["address.complete", "payment.unpaid"]).review(wrong).findings} == {"payment.unpaid"}
    with pytest.raises(ValueError, match="address.compleet"):
        traditional_rules(["address.compleet"])


def test_same_seed_same_day_and_the_report_in_every_format(tmp_path):
    fake_echarts = tmp_path / "echarts.min.js"
    fake_echarts.write_text("window.echarts = {init: function () { return {setOption: function () {}}; }};")
    printed = io.StringIO()
    kwargs = dict(orders=300, seed=9, warehouses=4, show_progress=False, out=printed)
    first = simulate(**kwargs, json_path=tmp_path / "day.json")
    os.environ["OMS_ECHARTS"] = str(fake_echarts)
    try:
        second = simulate(**kwargs, html_path=tmp_path / "day.html")
    finally:
        del os.environ["OMS_ECHARTS"]
    assert first["kpis"] == second["kpis"] and first["series"] == second["series"]
    table = printed.getvalue()
    for row in ("processing time", "manual intervention", "order errors reaching the warehouse", "cost per order", "peak orders/s sustained", "automation rate", "inter-warehouse transfers"):
        assert row in table
    saved = json.loads((tmp_path / "day.json").read_text())
    assert saved["kpis"]["oms"]["peak_orders_per_second"] == 1200 and saved["kpis"]["traditional"]["peak_orders_per_second"] == 400
    page = (tmp_path / "day.html").read_text()
    assert "window.echarts = {init" in page and "cdn" not in page.lower() and '"backlog"' in page


def test_the_cpu_seconds_are_each_counted_once():
    """`intake_and_review` is the sum of its three parts; the world's share (everything not
    measured by a step) is what is left of the whole run, so it is never negative."""
    report = simulate(orders=300, seed=9, warehouses=4, show_progress=False, out=io.StringIO())
    cpu = report["cpu_seconds"]
    assert all(seconds >= 0 for seconds in cpu.values()), cpu
    parts = cpu["intake"] + cpu["oms_review"] + cpu["traditional_review"]
    assert abs(cpu["intake_and_review"] - parts) <= 0.05 * cpu["intake_and_review"] + 0.01


def test_routing_what_if_on_a_simulated_day_never_split():
    report = simulated(CandidatePolicy(max_packages=1), orders=300, seed=4, warehouses=4)
    assert report.candidate.packages == report.compared  # one package per order
    assert report.candidate.total_cost >= report.candidate.optimum_total_cost
    assert report.in_force.gap_to_optimum == 0  # lowest cost within 3 packages is the reference itself
    assert report.candidate.backordered >= report.in_force.backordered
    assert all(c.explanation for c in report.changed)
