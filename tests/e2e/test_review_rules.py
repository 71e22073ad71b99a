"""A business user changes a review rule over HTTP on the running system, sees it decide the next
order, and rolls it back."""

import copy
import json
import urllib.request

from shared.review import default_document
from tests.e2e.conftest import post_order, settle, unique


def rules(runtime, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{runtime.api_url}{path}", data=json.dumps(body).encode() if body is not None else None, method=method,
        headers={"Content-Type": "application/json", "X-Operator": "ops.li@example.com"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_rule_activated_over_http_decides_the_next_order_until_rolled_back(runtime, shanghai_order):
    document = copy.deepcopy(default_document())
    next(r for r in document["rules"] if r["id"] == "price.discount.limit")["params"]["max_discount_rate"] = "5%"
    status, created = rules(runtime, "POST", "/rulesets", {"document": document, "comment": "e2e: 5% discount limit", "activate": True})
    assert status == 201, created
    try:
        held = settle(runtime, post_order(runtime, unique(shanghai_order)))  # line 1: 20 off 336 is 6%
        assert held["order"]["status"] == "ON_HOLD"
        review = held["timeline"][1]["details"]
        assert review["rule_set_version"] == created["version"]["version"]
        assert [f["rule_id"] for f in review["findings"]] == ["price.discount.limit"]
    finally:
        status, rolled = rules(runtime, "POST", "/rulesets/rollback", {"comment": "e2e: back"})
        assert status == 200, rolled
    assert settle(runtime, post_order(runtime, unique(shanghai_order)))["order"]["status"] == "RELEASED"
    status, audit = rules(runtime, "GET", "/rulesets/audit")
    assert [e["action"] for e in audit[:3]] == ["rolled_back", "activated", "created"]
    assert {e["actor"] for e in audit[:3]} == {"ops.li@example.com"}
