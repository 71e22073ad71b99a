"""快递策略 as data: the shipped rules load, each condition decides, a bad rule set is refused with
its reason, and every carrier has each platform's code."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.writeback.carrier_strategy import CarrierStrategy, Package, Quote, choose_carrier, shipped_strategy
from shared.writeback.carriers import UnknownCarrier, carrier_table, codes_of

QUOTES = (Quote("zto", 800, 3), Quote("sf", 1400, 1), Quote("deppon", 2600, 3))


def package(**changes) -> Package:
    values = {"province_code": "31", "weight_kg": Decimal("1.2"), "days_to_promise": None, "channel": "tmall", "quotes": QUOTES}
    return Package(**{**values, **changes})


def test_the_router_s_cheapest_carrier_with_its_default_service_when_nothing_special_holds():
    choice = choose_carrier(package())
    assert (choice.carrier, choice.service, choice.rule_id, choice.fen) == ("zto", "economy", "lowest-cost", 800)


def test_heavy_parcels_go_to_the_heavy_carrier_whatever_it_costs():
    choice = choose_carrier(package(weight_kg=Decimal("25")))
    assert (choice.carrier, choice.service, choice.rule_id) == ("deppon", "heavy", "heavy-parcels")


def test_a_heavy_parcel_from_a_warehouse_without_that_carrier_falls_to_the_next_rule():
    choice = choose_carrier(package(weight_kg=Decimal("25"), quotes=QUOTES[:2]))
    assert choice.rule_id == "lowest-cost" and choice.carrier == "zto"


def test_remote_regions_take_the_cheapest_of_the_rule_s_carriers():
    choice = choose_carrier(package(province_code="65"))
    assert (choice.carrier, choice.rule_id) == ("sf", "remote-regions")


def test_a_promise_at_risk_takes_the_fastest_carrier_and_express_service():
    choice = choose_carrier(package(days_to_promise=1))
    assert (choice.carrier, choice.service, choice.rule_id) == ("sf", "express", "promise-at-risk")
    assert choose_carrier(package(days_to_promise=3)).rule_id == "lowest-cost"


def test_a_rule_naming_an_unknown_carrier_or_without_a_catch_all_is_refused():
    rules = shipped_strategy().model_dump()
    bad = {**rules, "rules": [{**rules["rules"][0], "choose": "ufo"}, *rules["rules"][1:]]}
    with pytest.raises(ValidationError, match="unknown carrier ufo"):
        CarrierStrategy.model_validate(bad)
    with pytest.raises(ValidationError, match="must have no conditions"):
        CarrierStrategy.model_validate({**rules, "rules": rules["rules"][:1]})
    with pytest.raises(ValidationError):
        CarrierStrategy.model_validate({**rules, "rules": [{**rules["rules"][0], "when": {"min_weight_kg": "-1"}}, *rules["rules"][1:]]})


def test_every_routing_carrier_has_a_code_on_every_platform():
    import json
    from pathlib import Path

    rates = json.loads((Path(__file__).resolve().parents[2] / "shared/data/routing_rates.json").read_text("utf-8"))
    for carrier in (c["carrier_id"] for c in rates["carriers"]):
        codes = codes_of(carrier, "any")
        assert codes.tmall and codes.jd.isdigit() and codes.douyin and "{number}" in codes.shopify.url
    assert codes_of("SF", "tmall").tmall == "SF"  # carriers are matched case-insensitively
    with pytest.raises(UnknownCarrier, match="no jd code"):
        codes_of("ufo", "jd")
    assert len(carrier_table().carriers) >= 5


# -- the strategy on a routed plan (the optimiser's decision is the input, not changed) --------------

from shared.routing import RoutingDecision, plan_order  # noqa: E402
from shared.writeback.domain import backoff_seconds  # noqa: E402
from shared.writeback.plan_carriers import plan_with_carriers  # noqa: E402
from tests.unit.routing_network import network, request, stock  # noqa: E402

NET = network()


def test_a_routed_plan_gets_each_package_s_carrier_service_and_rule_and_its_cost_follows():
    light = request(("TEA", 2), to="上海")
    decided = plan_order(light, NET, stock(("TEA", "WH-SH", 10)))
    assert isinstance(decided, RoutingDecision)
    plan = plan_with_carriers(decided, light, NET)
    [shipment] = plan.shipments
    assert (shipment.carrier, shipment.service, shipment.carrier_rule) == (decided.chosen.costs[0].carrier, "economy", "lowest-cost")
    assert plan.total_cost == decided.chosen.total_cost  # the router's choice stands: same cost

    heavy = request(("IRON", 3), to="上海")  # 27 kg: the heavy-parcel rule
    decided = plan_order(heavy, NET, stock(("IRON", "WH-SH", 10)))
    plan = plan_with_carriers(decided, heavy, NET)
    [shipment] = plan.shipments
    assert (shipment.carrier, shipment.service, shipment.carrier_rule) == ("deppon", "heavy", "heavy-parcels")
    router = decided.chosen.costs[0]
    assert plan.total_cost - decided.chosen.total_cost == shipment.cost - decided.plan().shipments[0].cost
    assert (router.carrier == "deppon") == (plan.total_cost == decided.chosen.total_cost)


def test_backoff_doubles_from_the_base_and_honours_the_platform_s_retry_after():
    assert [backoff_seconds(n, 2.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_seconds(3, 2.0, retry_after=7) == 7
    assert backoff_seconds(20, 2.0) == 900.0  # SQS delays a message by at most 15 minutes
