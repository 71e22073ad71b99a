"""The operations API as the console calls it: UTF-8 JSON, the /console route family with a
user's groups, order search, the stuck list, a SKU across warehouses."""

from __future__ import annotations

import json

from functions.operations_api.handler import handler as operations_api
from functions.orders_api.handler import handler as orders_api
from functions.rules_api.handler import handler as rules_api
from local.api_gateway import LocalRoute, proxy_event
from local.console_auth import claims_of, dev_token
from tests.integration.conftest import context
from tests.integration.test_workflow_steps import accept


def console(handler, method: str, resource: str, path: str, group: str, body=None, query: str = "", **params) -> tuple[int, bytes]:
    groups = ["supervisor", "operator"] if group == "supervisor" else ["operator"]
    claims = claims_of(f"Bearer {dev_token('ops-wang', groups)}")
    raw = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    event = proxy_event(method, LocalRoute(method, "/console" + resource, "test", handler), "/console" + path, params, {"Content-Type": "application/json"}, query, raw, claims)
    answer = handler(event, context())
    return answer["statusCode"], answer["body"].encode()


def test_chinese_comes_back_as_utf8_text_not_escapes(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    status, body = console(orders_api, "GET", "/orders/{order_id}", f"/orders/{order_id}", "operator", order_id=order_id)
    assert status == 200
    assert shanghai_order["receiver"]["city"].encode() in body and b"\\u" not in body


def test_search_by_channel_order_id_and_by_phone_digits(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    other = accept({**shanghai_order, "external_id": "OTHER-1", "receiver": {**shanghai_order["receiver"], "phone": "13900000000"}})
    search = lambda query: console(operations_api, "GET", "/operations/orders", "/operations/orders", "operator", query=query)  # noqa: E731
    status, body = search(f"q={shanghai_order['external_id']}")
    assert status == 200 and [o["order_id"] for o in json.loads(body)["orders"]] == [order_id]
    status, body = search("")
    assert {o["order_id"] for o in json.loads(body)["orders"]} == {order_id, other}  # no filter: the newest
    status, body = search(f"phone_last4={shanghai_order['receiver']['phone'][-4:]}")
    assert [o["order_id"] for o in json.loads(body)["orders"]] == [order_id]
    status, body = search("phone_last4=12")
    assert status == 400 and json.loads(body)["errors"][0]["field"].endswith("phone_last4")


def test_only_a_supervisor_rolls_back_the_rules_in_force(seeded):
    status, body = console(rules_api, "POST", "/rulesets/rollback", "/rulesets/rollback", "operator", {"comment": "no"})
    assert status == 403 and json.loads(body)["errors"] == [{"field": "group", "rule": "supervisor", "message": "rolling back the rules in force needs the supervisor group"}]
    status, _ = console(rules_api, "GET", "/rulesets", "/rulesets", "operator")
    assert status == 200  # reading is for everyone


def test_the_session_names_the_user_and_groups(seeded):
    status, body = console(operations_api, "GET", "/operations/session", "/operations/session", "supervisor")
    assert json.loads(body) == {"name": "ops-wang", "groups": ["operator", "supervisor"], "console": True}


def test_a_search_token_the_api_never_gave_is_a_400_in_the_error_shape(seeded, shanghai_order):
    accept(shanghai_order)
    for query in ("next_token=zzz", "phone_last4=1234&next_token=zzz", "status=ON_HOLD&next_token=eyJ4IjoxfQ"):
        status, body = console(operations_api, "GET", "/operations/orders", "/operations/orders", "operator", query=query)
        answer = json.loads(body)
        assert status == 400, (query, answer)
        assert answer["errors"] == [{"field": "query.next_token", "rule": "query_invalid", "message": "next_token is not a token this API gave out"}]


def test_a_search_date_that_is_no_time_is_a_400_and_one_with_an_offset_is_converted(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    status, body = console(operations_api, "GET", "/operations/orders", "/operations/orders", "operator", query="created_from=yesterday")
    assert status == 400 and [(e["field"], e["rule"]) for e in json.loads(body)["errors"]] == [("query.created_from", "iso_datetime")], body
    status, body = console(operations_api, "GET", "/operations/orders", "/operations/orders", "operator", query="created_from=2000-01-01T08:00:00%2B08:00")
    assert status == 200 and order_id in [o["order_id"] for o in json.loads(body)["orders"]], body


def test_a_phone_search_pages_on_without_skipping_a_match(seeded, shanghai_order):
    phone = shanghai_order["receiver"]["phone"]
    ids = {accept({**shanghai_order, "external_id": f"PHONE-{i}", "buyer": {"buyer_id": f"C-P{i}"}}) for i in range(3)}
    accept({**shanghai_order, "external_id": "PHONE-OTHER", "receiver": {**shanghai_order["receiver"], "phone": "13900000000"}})
    found, token = [], None
    for _ in range(10):
        query = f"phone_last4={phone[-4:]}&limit=1" + (f"&next_token={token}" if token else "")
        status, body = console(operations_api, "GET", "/operations/orders", "/operations/orders", "operator", query=query)
        assert status == 200
        page = json.loads(body)
        found += [o["order_id"] for o in page["orders"]]
        token = page["next_token"]
        if not token:
            break
    assert sorted(found) == sorted(ids)  # each match once, none skipped


def test_a_search_for_a_status_no_order_can_have_is_refused_on_the_field(seeded, shanghai_order):
    accept(shanghai_order)
    for query in ("status=BOGUS", "status=received"):  # as GET /orders: 400, not an empty page that looks like "none"
        status, body = console(operations_api, "GET", "/operations/orders", "/operations/orders", "operator", query=query)
        assert status == 400, (query, body)
        assert json.loads(body)["errors"][0]["field"] == "query.status"
    status, body = console(operations_api, "GET", "/operations/orders", "/operations/orders", "operator", query="status=RECEIVED")
    assert status == 200 and len(json.loads(body)["orders"]) == 1
