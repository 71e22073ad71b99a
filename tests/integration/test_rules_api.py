"""The rules API on moto: business users change the review rules at run time; every change is
validated, audited and can be rolled back, and the review step uses the set in force."""

import copy
import json
from typing import Any

import pytest

from functions.intake.handler import handler as intake
from functions.review.handler import handler as review
from functions.rules_api.handler import handler as rules_api
from local.api_gateway import LocalRoute, proxy_event
from shared.aws.stores import order_store
from shared.review import default_document
from tests.integration.conftest import api_request, context

CLEAN_DISCOUNT = {"sku": "GIFTBOX-TEA-DELUXE", "quantity": 1, "unit_price": "700.00", "discount": "196.00"}  # 28% off, net 504 above the 468 floor


def call(method: str, path: str, body: Any = None, operator: str = "li.na@example.com", identity: dict | None = None) -> tuple[int, Any]:
    resource = "/rulesets/{version}" if path.split("/")[2:3] and path.split("/")[2].isdigit() else path
    if path.endswith("/activate"):
        resource = "/rulesets/{version}/activate"
    params = {"version": path.split("/")[2]} if "{version}" in resource else {}
    raw = (body if isinstance(body, str) else json.dumps(body)).encode() if body is not None else b""
    event = proxy_event(method, LocalRoute(method, resource, "rules-api", rules_api), path, params, {"Content-Type": "application/json", "X-Operator": operator}, "", raw)
    if identity:
        event["requestContext"]["identity"].update(identity)
    answer = rules_api(event, context())
    return answer["statusCode"], json.loads(answer["body"] or "null")


def tighter_discount(rate: str = "25%") -> dict:
    document = copy.deepcopy(default_document())
    next(r for r in document["rules"] if r["id"] == "price.discount.limit")["params"]["max_discount_rate"] = rate
    return document


def accept(order: dict) -> str:
    status, answer = api_request(intake, "POST", "/orders", "/orders", json.dumps(order))
    assert status == 202, answer
    return answer["order_id"]


def own_phone(order: dict, external_id: str) -> dict:
    # and a door of its own: several accounts buying the same lines to one door is a scalper's burst
    n = sum(map(ord, external_id))
    return {**order["receiver"], "phone": f"139{n % 10**8:08d}", "detail": f"世纪大道{n}号"}


def reviewed(order: dict, external_id: str) -> tuple[str, dict]:
    # A buyer of its own: the same buyer's same lines minutes apart would be held as a duplicate.
    # (and a phone of its own: the same receiver's same lines are a duplicate across buyer ids too)
    order_id = accept({**order, "external_id": external_id, "buyer": {"buyer_id": f"C-{external_id}"}, "receiver": own_phone(order, external_id), "lines": [CLEAN_DISCOUNT]})
    decision = review({"order_id": order_id}, context())["decision"]
    return decision, order_store().details(order_id).timeline[-1].details


def test_a_rule_change_is_stored_audited_activated_used_by_review_and_rolled_back(seeded, shanghai_order):
    assert reviewed(shanghai_order, "R-1")[0] == "APPROVED"  # 28% is within the shipped 30%

    status, created = call("POST", "/rulesets", {"document": tighter_discount(), "comment": "Double 11: discounts above 25% need a look"})
    assert status == 201 and created["version"]["version"] == 1 and created["active"] is None
    assert reviewed(shanghai_order, "R-2")[0] == "APPROVED"  # stored is not in force

    status, active = call("POST", "/rulesets/1/activate", {"comment": "go", "expected_revision": 0}, operator="wang.fang@example.com")
    assert status == 200 and (active["version"], active["revision"], active["previous_version"]) == (1, 1, 0)
    decision, details = reviewed(shanghai_order, "R-3")
    assert decision == "ON_HOLD" and details["rule_set_version"] == 1
    [finding] = details["findings"]
    assert finding["rule_id"] == "price.discount.limit" and "above the limit of 25%" in finding["reason_en"]

    status, rolled = call("POST", "/rulesets/rollback", {"comment": "too many holds"}, operator="zhao.lei@example.com")
    assert status == 200 and (rolled["version"], rolled["previous_version"]) == (0, 1)
    assert reviewed(shanghai_order, "R-4") == ("APPROVED", {"findings": [], "rule_set_version": 0})

    status, audit = call("GET", "/rulesets/audit")
    assert [(e["action"], e["version"], e["from_version"], e["actor"]) for e in audit] == [
        ("rolled_back", 0, 1, "zhao.lei@example.com"),
        ("activated", 1, 0, "wang.fang@example.com"),
        ("created", 1, 0, "li.na@example.com"),
    ]
    assert audit[2]["comment"] == "Double 11: discounts above 25% need a look"
    assert audit[1]["diff"] == [{"path": "rules[price.discount.limit].params.max_discount_rate", "change": "changed", "before": "30%", "after": "25%"}]
    assert audit[0]["diff"][0]["before"] == "25%"
    assert all(e["at"].endswith("Z") for e in audit)


def test_a_bad_rule_set_is_refused_with_locations_and_nothing_changes(seeded):
    document = tighter_discount()
    document["rules"][3]["when"]["all"][1]["field"] = "line.net_unit_prce"
    document["rules"][5]["severity"] = "BLOCK"
    status, answer = call("POST", "/rulesets", {"document": document, "comment": "typo", "activate": True})
    assert status == 400
    assert {(e["location"], e["rule_id"]) for e in answer["errors"]} == {("rules[5].severity", "price.discount.limit")}  # the schema first
    document["rules"][5]["severity"] = "HOLD"
    status, answer = call("POST", "/rulesets", {"document": document, "comment": "typo", "activate": True})
    assert status == 400
    assert answer["errors"] == [
        {"field": "rules[3].when.all[1].field", "rule": "rule_language", "location": "rules[3].when.all[1].field", "rule_id": "price.below_floor", "message": "unknown field 'line.net_unit_prce'; did you mean 'line.net_unit_price'?"}
    ]
    assert call("GET", "/rulesets") == (200, {"active": {"version": 0, "revision": 0, "previous_version": None, "activated_at": None, "activated_by": None}, "versions": []})
    assert call("GET", "/rulesets/audit") == (200, [])


def test_validate_names_a_json_syntax_error_by_line_and_column(seeded):
    status, answer = call("POST", "/rulesets/validate", '{\n  "rules": [\n    {"id": "x",}\n  ]\n}')
    assert status == 400 and "line 3, column 16" in answer["errors"][0]["message"] and answer["errors"][0]["rule"] == "json_invalid"
    assert call("POST", "/rulesets/validate", default_document())[1] == {"valid": True, "rules": 40, "enabled_rules": 40, "lookback_minutes": 1440}


def test_a_rollback_with_nothing_before_it_names_the_version_not_the_revision(seeded):
    status, answer = call("POST", "/rulesets/rollback", {"comment": "undo"}, operator="zhao.lei@example.com")
    assert status == 409, answer
    assert [(e["field"], e["rule"]) for e in answer["errors"]] == [("to", "nothing_to_roll_back")]  # before: expected_revision, revision_conflict


def test_two_operators_cannot_both_win_and_unknown_versions_are_404(seeded):
    call("POST", "/rulesets", {"document": tighter_discount("25%"), "comment": "a"})
    call("POST", "/rulesets", {"document": tighter_discount("20%"), "comment": "b"})
    assert call("POST", "/rulesets/1/activate", {"comment": "first", "expected_revision": 0})[0] == 200
    status, answer = call("POST", "/rulesets/2/activate", {"comment": "second, on a stale view", "expected_revision": 0})
    assert status == 409 and "revision 1" in answer["message"]
    assert call("GET", "/rulesets/active")[1]["active"]["version"] == 1
    assert call("POST", "/rulesets/7/activate", {"comment": "x"})[0] == 404
    assert call("GET", "/rulesets/7")[0] == 404


def test_the_signed_iam_identity_is_the_actor_not_a_header(seeded):
    arn = "arn:aws:sts::123456789012:assumed-role/ops/li.na"
    call("POST", "/rulesets", {"document": tighter_discount(), "comment": "x"}, operator="someone-else", identity={"userArn": arn})
    assert call("GET", "/rulesets/audit")[1][0]["actor"] == arn


def test_stored_versions_keep_their_documents_and_the_api_documents_itself(seeded):
    call("POST", "/rulesets", {"document": tighter_discount(), "comment": "x", "activate": True})
    status, stored = call("GET", "/rulesets/1")
    assert status == 200 and stored["created_by"] == "li.na@example.com" and stored["based_on"] == 0
    assert next(r for r in stored["document"]["rules"] if r["id"] == "price.discount.limit")["params"] == {"max_discount_rate": "25%"}
    assert call("GET", "/rulesets/active")[1]["rule_set"]["version"] == 1
    assert call("GET", "/rulesets/schema")[1]["title"] == "oms review rule set"
    paths = call("GET", "/rulesets/openapi")[1]["paths"]
    assert {"/rulesets", "/rulesets/{version}/activate", "/rulesets/whatif", "/rulesets/rollback"} <= set(paths)


@pytest.mark.parametrize("body", [{"candidate_version": 1, "candidate": {"rules": []}}, {"last": 0, "candidate_version": 0}])
def test_what_if_requests_are_checked(seeded, body):
    assert call("POST", "/rulesets/whatif", body)[0] == 400


def test_what_if_replays_a_candidate_on_the_last_stored_orders(seeded, shanghai_order):
    discounted = accept({**shanghai_order, "external_id": "W-1", "buyer": {"buyer_id": "C-W1"}, "receiver": own_phone(shanghai_order, "W-1"), "lines": [CLEAN_DISCOUNT]})
    plain = [accept({**shanghai_order, "external_id": f"W-{i}", "buyer": {"buyer_id": f"C-W{i}"}, "receiver": own_phone(shanghai_order, f"W-{i}")}) for i in range(2, 5)]
    zero = accept({**shanghai_order, "external_id": "W-5", "buyer": {"buyer_id": "C-W5"}, "lines": [{"sku": "CUP-CELADON-6PK", "quantity": 1, "unit_price": "0.00"}]})

    status, report = call("POST", "/rulesets/whatif", {"candidate": tighter_discount(), "last": 10})
    assert status == 200
    assert report["orders"] == 5 and (report["in_force_version"], report["candidate_version"]) == (0, None)
    assert report["in_force"] == {"APPROVED": 4, "ON_HOLD": 0, "REJECTED": 1}
    assert report["candidate"] == {"APPROVED": 3, "ON_HOLD": 1, "REJECTED": 1}
    [changed] = report["changed"]
    assert (changed["order_id"], changed["in_force"], changed["candidate"]) == (discounted, "APPROVED", "ON_HOLD")
    assert changed["candidate_findings"] == ["price.discount.limit (HOLD)"]
    assert report["rules"]["price.discount.limit"] == {"in_force": 0, "candidate": 1}
    # The last N are the newest: the two most recent are the zero-priced and the last plain one.
    status, newest = call("POST", "/rulesets/whatif", {"candidate_version": 0, "last": 2})
    assert newest["orders"] == 2 and newest["in_force"]["REJECTED"] == 1 and newest["changed_count"] == 0
    assert call("GET", "/rulesets/audit")[1] == [] and zero and plain  # a replay changes nothing


def test_what_if_command_prints_the_comparison(seeded, shanghai_order, tmp_path, capsys):
    from local.whatif import main

    accept({**shanghai_order, "external_id": "C-1", "buyer": {"buyer_id": "C-C1"}, "lines": [CLEAN_DISCOUNT]})
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps(tighter_discount()))
    assert main([str(candidate), "--last", "50"]) == 0
    printed = capsys.readouterr().out
    assert "replayed 1 stored orders: rule set in force (version 0)" in printed
    assert "APPROVED → ON_HOLD: price.discount.limit (HOLD)" in printed
    bad = tighter_discount()
    bad["rules"][0]["when"] = {"field": "line.quantity", "op": "between", "value": 1}
    candidate.write_text(json.dumps(bad))
    assert main([str(candidate)]) == 2
    assert "rules[0].when.op" in capsys.readouterr().err
