"""The routing what-if API on moto: a candidate routing policy replayed on the last stored orders,
against the policy in force, priced in yuan; bad candidates are refused naming the problem."""

import json
from pathlib import Path
from decimal import Decimal

import pytest

from functions.intake.handler import handler as intake
from functions.routing_api.handler import handler as routing_api
from shared.aws.stores import inventory_store
from shared.routing import Warehouse
from tests.integration.conftest import api_request

ORDER = {
    "channel": "own_shop",
    "buyer": {"buyer_id": "C-R"},
    "receiver": {"name": "王小明", "phone": "13800138000", "province": "上海市", "city": "上海市", "district": "浦东新区", "detail": "世纪大道100号"},
    "lines": [{"sku": "TEA-LONGJING-250G", "quantity": 1, "unit_price": "168.00"}],
    "placed_at": "2026-11-11T09:00:05+08:00",
}
BEIJING = {"province": "北京市", "city": "北京市", "district": "朝阳区"}


def accept(external_id: str, **changes) -> str:
    order = {**ORDER, "external_id": external_id, **changes}
    status, answer = api_request(intake, "POST", "/orders", "/orders", json.dumps(order))
    assert status == 202, answer
    return answer["order_id"]


def what_if(body) -> tuple[int, dict]:
    return api_request(routing_api, "POST", "/routing/whatif", "/routing/whatif", json.dumps(body))


def test_a_candidate_strategy_is_priced_against_the_policy_in_force(seeded):
    shanghai = accept("R-1")
    beijing = accept("R-2", receiver={**ORDER["receiver"], **BEIJING})

    status, report = what_if({"candidate": {"strategy": "location-priority"}, "last": 10})
    assert status == 200, report
    assert (report["orders"], report["compared"]) == (2, 2)
    assert report["candidate_description"] == "strategy location-priority"
    # In force (lowest cost) Beijing ships from WH-BJ; location-priority ranks WH-SH first.
    assert report["in_force"]["load"] == {"WH-BJ": 1, "WH-SH": 1} and report["candidate"]["load"] == {"WH-SH": 2}
    [changed] = report["changed"]
    assert changed["order_id"] == beijing and changed != shanghai
    assert (changed["in_force"]["warehouses"], changed["candidate"]["warehouses"]) == (["WH-BJ"], ["WH-SH"])
    assert Decimal(changed["cost_delta"]) == Decimal(changed["candidate"]["total_cost"]) - Decimal(changed["in_force"]["total_cost"]) > 0
    assert "strategy location-priority ranks by packages, priority, cost" in changed["explanation"]
    assert changed["candidate_decision"]["strategy"] == "location-priority"
    assert Decimal(report["cost_delta_total"]) == Decimal(changed["cost_delta"])
    # The policy in force is the exact cost optimum on these orders; the candidate is not.
    assert Decimal(report["in_force"]["gap_to_optimum"]) == 0 < Decimal(report["candidate"]["gap_to_optimum"])


def test_carrier_rules_and_split_limits_are_replayed(seeded):
    accept("R-3", receiver={**ORDER["receiver"], **BEIJING})
    status, report = what_if({"candidate": {"carriers": {"WH-BJ": ["sf"]}, "max_packages": 1}, "last": 5})
    assert status == 200, report
    assert report["candidate_description"] == "at most 1 package(s); carriers of WH-BJ"
    assert Decimal(report["candidate"]["total_cost"]) >= Decimal(report["in_force"]["total_cost"])


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"candidate": {"strategy": "cheapest-ever"}}, "strategy cheapest-ever is not a strategy of the policy"),
        ({"candidate": {"carriers": {"WH-XX": ["sf"]}}}, "unknown warehouse(s) WH-XX"),
        ({"candidate": {"carriers": {"WH-BJ": ["pigeon"]}}}, "unknown carrier(s) pigeon"),
        ({"candidate": {"policy": {"penalties": {}}}}, "routing policy"),
    ],
)
def test_a_bad_candidate_is_refused_by_name(seeded, body, says):
    status, answer = what_if(body)
    assert status == 400
    assert any(says in e["message"] for e in answer["errors"]), answer


@pytest.mark.parametrize("body", [{"candidate": {}, "last": 0}, {"candidate": {"max_packages": 0}}, {"candidate": {"surprise": 1}}])
def test_requests_are_checked(seeded, body):
    status, answer = what_if(body)
    assert status == 400 and answer["errors"], answer


def test_the_policy_in_force_names_what_a_candidate_can_change(seeded):
    """What the console's routing page starts a candidate from: every strategy of the shipped
    policy with its ranking and split limit, the one each channel uses, each warehouse's carriers."""
    inventory_store().put_warehouse(Warehouse(warehouse_id="WH-HZ", name="杭州仓", province="浙江省", city="杭州市", lat=30.27, lon=120.15))
    status, policy = api_request(routing_api, "GET", "/routing/policy", "/routing/policy")
    assert status == 200, policy
    shipped = json.loads((Path(__file__).resolve().parents[2] / "shared" / "data" / "routing_policy.json").read_text("utf-8"))
    assert [s["name"] for s in policy["strategies"]] == list(shipped["strategies"])
    cost = next(s for s in policy["strategies"] if s["name"] == "lowest-cost")
    assert (cost["objective"], cost["max_packages"]) == (shipped["strategies"]["lowest-cost"]["objective"], shipped["strategies"]["lowest-cost"]["max_packages"])
    assert (policy["default_strategy"], policy["strategy_by_channel"]) == (shipped["default_strategy"], shipped["strategy_by_channel"])
    assert {c["carrier_id"] for c in policy["carriers"]} == {"zto", "sf", "deppon"}
    warehouses = {w["warehouse_id"]: w for w in policy["warehouses"]}
    assert {"WH-SH", "WH-BJ", "WH-GZ", "WH-CD", "WH-HZ"} <= set(warehouses)
    assert all(warehouses[w]["own_list"] for w in ("WH-SH", "WH-BJ", "WH-GZ", "WH-CD"))  # the seed names theirs
    # A warehouse that names no carriers uses the policy's default.
    assert (warehouses["WH-HZ"]["own_list"], warehouses["WH-HZ"]["carriers"]) == (False, shipped["warehouse_defaults"]["carriers"])
    assert warehouses["WH-CD"]["carriers"] == ["zto", "deppon"]  # its own list, as stored
    # A candidate built from it is accepted as it is.
    status, report = what_if({"candidate": {"strategy": policy["strategies"][-1]["name"], "carriers": {w: warehouses[w]["carriers"] for w in warehouses}}, "last": 5})
    assert status == 200, report
