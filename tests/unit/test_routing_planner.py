"""Strategies and the decisions they explain, on a four-warehouse network (tests/unit/routing_network.py)."""

import copy
import random
from datetime import date
from decimal import Decimal

import pytest

from shared.routing import RoutingDecision, Unroutable, plan_order
from tests.unit.routing_network import POLICY, WAREHOUSES, network, request, stock

NET = network()
EVERYWHERE = [(sku, wh, 50) for sku in ("TEA", "CUP") for wh in ("WH-SH", "WH-HZ", "WH-BJ", "WH-GZ")]


def decide(*lines, to="上海", held=EVERYWHERE, strategy=None, net=NET, **fields) -> RoutingDecision:
    decided = plan_order(request(*lines, to=to, **fields), net, stock(*held), strategy=net.strategies[strategy] if strategy else None)
    assert isinstance(decided, RoutingDecision), decided
    return decided


def shipped(decided: RoutingDecision) -> dict[str, list[tuple[str, int]]]:
    return {s.warehouse_id: [(l.sku, l.quantity) for l in s.lines] for s in decided.plan().shipments}


def test_the_cheapest_warehouse_ships_and_the_decision_itemises_its_cost():
    decided = decide(("TEA", 2), ("CUP", 1))
    assert shipped(decided) == {"WH-SH": [("CUP", 1), ("TEA", 2)]}
    [cost] = decided.chosen.costs
    # 2.4 kg → 3 billed kg, local zone, zto: 2.00 handling + 3.20 + 2 × 1.00
    assert (cost.zone, cost.carrier, cost.billed_kg, cost.total) == ("local", "zto", 3, Decimal("7.20"))
    assert decided.plan().total_cost == Decimal("7.20")


def test_runners_up_are_ranked_and_say_why_they_lost():
    decided = decide(("TEA", 2), ("CUP", 1))
    # Hangzhou alone (7.70); Hangzhou the tea 5.70 + Shanghai the cups 6.20 + 2.00 (13.90); Beijing
    # alone would be 15.00 and ranks fourth.
    assert [r.warehouses for r in decided.runners_up] == [["WH-HZ"], ["WH-HZ", "WH-SH"]]
    assert [r.why_not for r in decided.runners_up] == ["costs 0.50 yuan more", "costs 6.70 yuan more"]
    totals = [decided.chosen.total_cost] + [r.total_cost for r in decided.runners_up]
    assert totals == sorted(totals)


def test_an_order_no_warehouse_holds_whole_is_split_across_warehouses():
    decided = decide(("TEA", 1), ("CUP", 1), held=[("TEA", "WH-BJ", 5), ("CUP", "WH-GZ", 5)])
    assert shipped(decided) == {"WH-BJ": [("TEA", 1)], "WH-GZ": [("CUP", 1)]}
    assert decided.chosen.extra_package_penalty == Decimal("2.00")
    assert decided.chosen.total_cost == sum((c.total for c in decided.chosen.costs), Decimal("2.00"))


def test_one_line_is_split_when_no_warehouse_holds_its_whole_quantity():
    decided = decide(("TEA", 4), held=[("TEA", "WH-SH", 2), ("TEA", "WH-BJ", 2), ("TEA", "WH-GZ", 1)])
    assert shipped(decided) == {"WH-BJ": [("TEA", 2)], "WH-SH": [("TEA", 2)]}


HEAVY = [("IRON", "WH-SH", 5), ("IRON", "WH-GZ", 5), ("TEA", "WH-GZ", 5)]


def test_lowest_cost_splits_a_heavy_order_when_two_packages_cost_less_than_one():
    # GZ alone: 9.3 kg to Shanghai 38.70; SH the iron locally 13.20 + GZ the tea 7.50 + 2.00 = 22.70
    decided = decide(("IRON", 1), ("TEA", 1), held=HEAVY)
    assert shipped(decided) == {"WH-GZ": [("TEA", 1)], "WH-SH": [("IRON", 1)]}
    assert decided.chosen.total_cost == Decimal("22.70")
    assert decided.runners_up[0].warehouses == ["WH-GZ"] and decided.runners_up[0].total_cost == Decimal("38.70")


def test_fewest_packages_keeps_the_heavy_order_in_one_package():
    decided = decide(("IRON", 1), ("TEA", 1), held=HEAVY, strategy="fewest-packages")
    assert shipped(decided) == {"WH-GZ": [("IRON", 1), ("TEA", 1)]}
    assert decided.runners_up[0].why_not == "needs 1 more package"


def test_closest_takes_the_nearest_warehouse_even_when_it_costs_more():
    held = [("TEA", "WH-SH", 5), ("TEA", "WH-HZ", 5)]
    assert list(shipped(decide(("TEA", 1), to="浙江", held=held))) == ["WH-SH"]  # 2.00 handling beats 2.50
    assert list(shipped(decide(("TEA", 1), to="浙江", held=held, strategy="closest"))) == ["WH-HZ"]


def test_location_priority_takes_the_first_listed_warehouse_that_can_ship():
    assert list(shipped(decide(("TEA", 1), strategy="location-priority"))) == ["WH-GZ"]
    held = [("TEA", wh, 5) for wh in ("WH-BJ", "WH-SH", "WH-HZ")]
    assert list(shipped(decide(("TEA", 1), held=held, strategy="location-priority"))) == ["WH-BJ"]


def test_the_channel_chooses_the_strategy():
    assert decide(("TEA", 1), channel="erp").strategy == "fewest-packages"
    assert decide(("TEA", 1), channel="tmall").strategy == "lowest-cost"


def test_a_strategy_limited_to_one_package_backorders_what_only_a_split_can_ship():
    held = [("TEA", "WH-BJ", 5), ("CUP", "WH-GZ", 5)]
    outcome = plan_order(request(("TEA", 1), ("CUP", 1)), NET, stock(*held), strategy=NET.strategies["single-package"])
    assert isinstance(outcome, Unroutable)
    assert outcome.reason == "no plan of at most 1 package ships every line"


def test_a_strategy_that_keeps_lines_whole_does_not_split_a_quantity():
    held = [("TEA", "WH-SH", 2), ("TEA", "WH-BJ", 2)]
    outcome = plan_order(request(("TEA", 4)), NET, stock(*held), strategy=NET.strategies["whole-lines"])
    assert isinstance(outcome, Unroutable)
    assert outcome.reason == "no single warehouse holds a whole line and the strategy does not split quantities"
    assert shipped(decide(("TEA", 4), held=held)) == {"WH-BJ": [("TEA", 2)], "WH-SH": [("TEA", 2)]}


def test_kit_lines_ship_together_even_when_splitting_them_would_be_cheaper():
    held = [("KETTLE", "WH-SH", 5), ("KETTLE", "WH-GZ", 5), ("TRAY", "WH-GZ", 5), ("TRAY", "WH-BJ", 5)]
    decided = decide(("KETTLE", 1), ("TRAY", 1), held=held)
    assert shipped(decided) == {"WH-GZ": [("KETTLE", 1), ("TRAY", 1)]}


def test_a_kit_no_warehouse_holds_whole_is_backordered_by_name():
    held = [("KETTLE", "WH-SH", 5), ("TRAY", "WH-GZ", 5)]
    outcome = plan_order(request(("KETTLE", 1), ("TRAY", 1)), NET, stock(*held))
    assert isinstance(outcome, Unroutable) and outcome.reason == "no warehouse holds every line of kit KIT-SET"
    assert [s.sku for s in outcome.short_lines] == ["KETTLE", "TRAY"]


def test_cold_chain_lines_ship_only_from_warehouses_that_can_keep_them_cold():
    decided = decide(("ICE", 1), to="广东", held=[("ICE", "WH-GZ", 5), ("ICE", "WH-SH", 5)])
    assert list(shipped(decided)) == ["WH-SH"]
    assert {"warehouse_id": "WH-GZ", "reason": "holds stock but lacks cold_chain"} in [e.model_dump() for e in decided.excluded]


def test_no_stock_anywhere_names_each_short_line_with_what_exists():
    outcome = plan_order(request(("TEA", 1), ("CUP", 5)), NET, stock(("TEA", "WH-SH", 9), ("CUP", "WH-GZ", 3), ("CUP", "WH-BJ", 1)))
    assert isinstance(outcome, Unroutable) and outcome.reason == "not enough stock"
    assert [(s.sku, s.requested, s.best_single_warehouse, s.available_in_total) for s in outcome.short_lines] == [("CUP", 5, 3, 4)]


def test_excluded_warehouses_are_left_out_and_say_why():
    policy = copy.deepcopy(POLICY)
    policy["strategies"]["lowest-cost"]["exclude_warehouses"] = ["WH-SH"]
    policy["strategies"]["lowest-cost"]["exclude_routes"] = [{"warehouse_id": "WH-HZ", "provinces": ["上海"]}]
    decided = decide(("TEA", 1), net=network(policy=policy))
    assert list(shipped(decided)) == ["WH-GZ"]
    reasons = {e.warehouse_id: e.reason for e in decided.excluded}
    assert reasons == {"WH-SH": "excluded by strategy lowest-cost", "WH-HZ": "strategy lowest-cost does not ship from here to province 31"}


def test_a_warehouse_at_its_daily_capacity_is_left_out():
    rows = copy.deepcopy(WAREHOUSES)
    rows[0]["daily_capacity"] = 100
    net = network(warehouses=rows)
    decided = plan_order(request(("TEA", 1)), net, stock(*EVERYWHERE), packages_today={"WH-SH": 100})
    assert list(shipped(decided)) == ["WH-HZ"]
    assert {e.warehouse_id: e.reason for e in decided.excluded} == {"WH-SH": "at its daily capacity (100 of 100 packages)"}
    assert list(shipped(plan_order(request(("TEA", 1)), net, stock(*EVERYWHERE), packages_today={"WH-SH": 99}))) == ["WH-SH"]


def test_a_promised_date_the_economy_carrier_would_miss_switches_to_one_that_meets_it():
    # Shanghai → Beijing: zto 3 days for 8.00, sf 2 days for 17.00. Promised in 2 days, zto would
    # pay the 10.00 late penalty (18.00), so sf ships.
    held = [("TEA", "WH-GZ", 5), ("TEA", "WH-SH", 5)]
    relaxed = decide(("TEA", 1), to="北京", held=held)
    urgent = decide(("TEA", 1), to="北京", held=held, promised_delivery_date=date(2026, 11, 13))
    assert (relaxed.chosen.warehouses, relaxed.chosen.costs[0].carrier, relaxed.chosen.total_cost) == (["WH-SH"], "zto", Decimal("8.00"))
    assert (urgent.chosen.warehouses, urgent.chosen.costs[0].carrier, urgent.chosen.total_cost) == (["WH-SH"], "sf", Decimal("17.00"))
    assert urgent.chosen.late_packages == 0


def test_an_sku_the_catalogue_lacks_is_routed_at_the_default_weight_and_said_so():
    decided = decide(("MYSTERY", 1), held=[("MYSTERY", "WH-SH", 1)])
    assert decided.assumptions == ["MYSTERY: weight unknown to the SKU catalogue, 1.000 kg assumed"]


@pytest.mark.parametrize("seed", range(5))
def test_the_same_inputs_in_any_order_give_the_same_decision(seed):
    rng = random.Random(seed)
    held = [(sku, wh, rng.randint(0, 3)) for sku in ("TEA", "CUP", "IRON") for wh in ("WH-SH", "WH-HZ", "WH-BJ", "WH-GZ")]
    lines = [("TEA", 2), ("CUP", 1), ("IRON", 1)]
    first = plan_order(request(*lines, to="四川"), NET, stock(*held))
    rows = copy.deepcopy(WAREHOUSES)
    rng.shuffle(rows)
    rng.shuffle(held)
    rng.shuffle(lines)
    again = plan_order(request(*lines, to="四川"), network(warehouses=rows), stock(*held))
    assert first.model_dump() == again.model_dump()
