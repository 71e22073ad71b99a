"""What every route answers to bodies nobody should send, over HTTP on the local runtime: the same
limits as intake everywhere (size, media type, JSON depth), the one error shape for every 4xx,
quantities of at least 1 and the declared totals the platforms always send."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from local.channel_samples import SHOP, hand_built, signed_headers, webhook_path
from tests.e2e.conftest import unique

DEEP = b"[" * 10_000 + b"]" * 10_000
BODY_ROUTES = [
    "/orders",
    "/orders/OMS-NONE/cancel",
    "/orders/OMS-NONE/review",
    "/rulesets",
    "/rulesets/validate",
    "/rulesets/whatif",
    "/rulesets/rollback",
    "/rulesets/0/activate",
    "/stock/TEA-LONGJING-250G/WH-SH/buckets",
]


def call(url: str, body: bytes | None, headers: dict[str, str] | None = None, method: str = "POST") -> tuple[int, Any, str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode("utf-8")
            return response.status, json.loads(text), text
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8")
        return error.code, json.loads(text), text


def assert_shape(answer: dict[str, Any]) -> None:
    assert set(answer) >= {"message", "errors"} and answer["errors"], answer
    assert all(set(e) >= {"field", "rule", "message"} for e in answer["errors"]), answer


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_json_nested_10000_deep_is_a_400_on_every_body_route(runtime, route):
    status, answer, _ = call(runtime.api_url + route, DEEP)
    assert status == 400, (route, answer)
    assert_shape(answer)
    assert answer["errors"][0]["rule"] == "json_too_deep"


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_a_body_declared_as_something_else_than_json_is_a_415_in_the_shape(runtime, route):
    status, answer, _ = call(runtime.api_url + route, b"reason=x", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415, (route, answer)
    assert_shape(answer)
    assert (answer["errors"][0]["field"], answer["errors"][0]["rule"]) == ("Content-Type", "media_type")


def test_a_6_mb_cancel_is_a_413(runtime):
    body = json.dumps({"reason": "x" * (6 * 1024 * 1024), "operator": "ops"}).encode()
    status, answer, _ = call(f"{runtime.api_url}/orders/OMS-NONE/cancel", body)
    assert status == 413 and answer["errors"][0]["rule"] == "max_size"


@pytest.mark.parametrize(
    ("method", "path", "status", "rule"),
    [
        ("GET", "/orders/OMS-NONE", 404, "not_found"),
        ("GET", "/stock/NO-SKU/WH-NONE", 404, "not_found"),
        ("GET", "/rulesets/999", 404, "not_found"),
        ("GET", "/no-such-route", 404, "no_route"),
        ("PATCH", "/orders", 405, "method_not_allowed"),
        ("POST", "/rulesets/0/activate", 409, "revision_conflict"),
    ],
)
def test_404_405_409_have_the_one_shape(runtime, method, path, status, rule):
    body = json.dumps({"comment": "try", "expected_revision": 999_999}).encode() if method == "POST" else None
    got, answer, _ = call(runtime.api_url + path, body, method=method)
    assert got == status, answer
    assert_shape(answer)
    assert answer["errors"][0]["rule"] == rule


def test_a_line_of_quantity_0_is_a_400_and_nothing_is_stored(runtime, shanghai_order):
    order = unique(shanghai_order)
    order["lines"][0]["quantity"] = 0
    status, answer, _ = call(f"{runtime.api_url}/orders", json.dumps(order).encode())
    assert status == 400 and answer["errors"][0]["field"] == "lines.0.quantity", answer
    status, page, _ = call(f"{runtime.api_url}/orders?customer={order['buyer']['buyer_id']}", None, method="GET")
    assert status == 200 and page["orders"] == []


@pytest.mark.parametrize(
    ("channel", "path", "field"),
    [
        ("shopify", ("total_price",), "total_price"),
        ("tmall", ("trade_fullinfo_get_response", "trade", "payment"), "payment"),
        ("douyin", ("data", "shop_order_detail", "pay_amount"), "pay_amount"),
    ],
)
def test_a_null_declared_total_is_a_400_naming_the_field(runtime, channel, path, field):
    payload = hand_built(channel)
    holder = payload
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = None
    body = json.dumps(payload).encode()
    status, answer, _ = call(runtime.api_url + webhook_path(channel, SHOP[channel]), body, signed_headers(channel, SHOP[channel], body))
    assert status == 400, answer
    assert [e["field"] for e in answer["errors"]] == [field]


def test_answers_carry_chinese_as_utf8_not_escapes(runtime):
    status, answer, text = call(f"{runtime.api_url}/rulesets/validate", json.dumps({"description": "规则", "rules": [{"id": "价格"}]}).encode())
    assert status == 400 and "价格" in text and "\\u" not in text


@pytest.mark.parametrize("query", ["/orders?", "/orders?status=RELEASED&", "/orders?channel=tmall&", "/reconciliation/runs?", "/returns?"])
# not base64; cut short; {"pk":{"S":"x"}}; {"tmall#0":{"bogus":{"S":"1"}}} (a channel shard's cursor with a wrong key)
@pytest.mark.parametrize("token", ["garbage!", "e30", "eyJwayI6eyJTIjoieCJ9fQ==", "eyJ0bWFsbCMwIjp7ImJvZ3VzIjp7IlMiOiIxIn19fQ=="])
def test_a_next_token_the_api_never_gave_is_a_400_in_the_shape(runtime, query, token):
    status, answer, _ = call(f"{runtime.api_url}{query}next_token={token}", None, method="GET")
    assert status == 400, (query, token, answer)
    assert_shape(answer)
    assert [(e["field"], "token" in e["message"], "padding" in e["message"]) for e in answer["errors"]] in ([("next_token", True, False)], [("query", True, False)]), answer


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_a_json_body_with_a_utf8_byte_order_mark_is_read_as_json_on_every_body_route(runtime, route):
    # RFC 8259 lets a parser ignore the mark, and the door's check and the webhooks' parsers do:
    # the resolver's routes answered 400 json_invalid at field "0" for a body POST /orders reads.
    status, answer, _ = call(runtime.api_url + route, b"\xef\xbb\xbf{}")
    assert status in (400, 404, 409, 422), (route, status, answer)
    assert_shape(answer)
    assert all(e["rule"] != "json_invalid" and e["field"] != "0" for e in answer["errors"]), (route, answer)
    status, answer, _ = call(runtime.api_url + "/orders/OMS-NONE/cancel", b'\xef\xbb\xbf{"reason": "buyer asked", "operator": "ops-li"}')
    assert (status, answer["errors"][0]["rule"]) == (404, "not_found"), answer
