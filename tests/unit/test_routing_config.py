"""An inconsistent network or strategy is refused when it is loaded, with the problem named."""

import copy
import json

import pytest

from local.seed import SEED
from shared.routing import RoutingConfigError, build_network
from shared.routing.config import RATE_CARDS_FILE, parse_warehouse
from tests.unit.routing_network import CATALOGUE, POLICY, WAREHOUSES, config, network


def refused(**kwargs) -> list[str]:
    with pytest.raises(RoutingConfigError) as error:
        network(**kwargs)
    return error.value.problems


def with_warehouse(**changes) -> list[dict]:
    rows = copy.deepcopy(WAREHOUSES)
    rows[0] = {**rows[0], **changes}
    return rows


def test_the_shipped_configuration_and_the_seed_warehouses_load():
    seed = json.loads(SEED.read_text("utf-8"))
    built = build_network(seed["warehouses"])
    assert [s.warehouse_id for s in built.sites] == ["WH-BJ", "WH-CD", "WH-GZ", "WH-SH"]
    assert built.strategy_for("tmall").name == "lowest-cost"


def test_strategy_naming_an_unknown_warehouse_is_refused():
    policy = copy.deepcopy(POLICY)
    policy["strategies"]["location-priority"]["priority"].append("WH-XX")
    policy["strategies"]["lowest-cost"]["exclude_warehouses"] = ["WH-YY"]
    assert refused(policy=policy) == [
        "routing policy: strategy lowest-cost: exclude_warehouses names unknown warehouse WH-YY",
        "routing policy: strategy location-priority: priority names unknown warehouse WH-XX",
    ]


def test_negative_handling_cost_is_refused_naming_the_warehouse():
    assert refused(warehouses=with_warehouse(handling_cost="-1.00")) == [
        "warehouse WH-SH: handling_cost -1.00 must be a non-negative amount in yuan with at most 2 decimals"
    ]


def test_negative_rate_is_refused_naming_carrier_zone_and_field():
    rates = json.loads(RATE_CARDS_FILE.read_text("utf-8"))
    rates["carriers"][1]["rates"]["z2"]["first_kg"] = "-13.00"
    with pytest.raises(RoutingConfigError, match=r"rate cards: carriers\.1\.rates\.z2\.first_kg: Input should be greater than or equal to 0"):
        config(rate_cards=rates)


def test_negative_penalty_is_refused():
    policy = copy.deepcopy(POLICY)
    policy["penalties"]["late_delivery"] = "-5"
    with pytest.raises(RoutingConfigError, match=r"routing policy: penalties\.late_delivery: Input should be greater than or equal to 0"):
        config(policy=policy)


def test_warehouse_without_a_location_is_refused_by_name():
    rows = with_warehouse()
    del rows[0]["lat"]
    assert refused(warehouses=rows) == ["warehouse WH-SH: lat: Field required"]


def test_warehouse_record_from_the_store_without_location_names_the_warehouse():
    with pytest.raises(RoutingConfigError, match="warehouse WH-9: lon: Field required"):
        parse_warehouse({"pk": "WAREHOUSE", "sk": "WH-9", "warehouse_id": "WH-9", "name": "x", "province": "上海", "city": "上海", "lat": 31.0})


def test_unknown_province_carrier_and_cut_off_are_each_named():
    assert refused(warehouses=with_warehouse(province="Atlantis", carriers=["zto", "pigeon"], cut_off="25:00")) == [
        "warehouse WH-SH: cut_off '25:00' is not HH:MM",
        "warehouse WH-SH: unknown carrier(s) pigeon",
        "warehouse WH-SH: unknown province 'Atlantis'",
    ]


def test_duplicate_warehouse_is_refused():
    assert refused(warehouses=WAREHOUSES + [WAREHOUSES[0]]) == ["warehouse WH-SH is listed twice"]


def test_carrier_without_rates_for_a_zone_is_refused():
    rates = json.loads(RATE_CARDS_FILE.read_text("utf-8"))
    del rates["carriers"][0]["rates"]["remote"]
    assert refused(rate_cards=rates) == ["rate cards: carrier zto has no rates for zone(s) remote"]


def test_sku_in_two_kits_and_kit_of_unknown_sku_are_refused():
    catalogue = copy.deepcopy(CATALOGUE)
    catalogue["kits"].append({"kit_id": "KIT-B", "skus": ["TRAY", "GHOST"]})
    assert refused(catalogue=catalogue) == [
        "SKU catalogue: TRAY belongs to kits KIT-SET and KIT-B",
        "SKU catalogue: kit KIT-B names GHOST, which the catalogue does not list",
    ]


def test_default_strategy_and_channel_mapping_must_name_real_things():
    policy = copy.deepcopy(POLICY)
    policy["default_strategy"] = "cheapest"
    policy["strategy_by_channel"] = {"fax": "lowest-cost", "jd": "fastest"}
    assert refused(policy=policy) == [
        "routing policy: default_strategy cheapest is not a strategy",
        "routing policy: strategy_by_channel names unknown channel fax",
        "routing policy: strategy_by_channel jd names unknown strategy fastest",
    ]


def test_priority_strategy_without_a_priority_list_is_refused():
    policy = copy.deepcopy(POLICY)
    policy["strategies"]["location-priority"]["priority"] = []
    assert refused(policy=policy) == ["routing policy: strategy location-priority: ranks by priority but lists no priority"]


def test_unknown_criterion_is_refused():
    policy = copy.deepcopy(POLICY)
    policy["strategies"]["closest"]["objective"] = ["distance", "vibes"]
    with pytest.raises(RoutingConfigError, match=r"strategies\.closest\.objective\.1: Input should be 'cost', 'packages', 'distance' or 'priority'"):
        config(policy=policy)
