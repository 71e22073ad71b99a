import base64
import json

import boto3
import pytest

from functions.intake.handler import handler as intake
from functions.orders_api.handler import handler as orders_api
from local.api_gateway import LocalRoute, proxy_event
from shared.http_api import MAX_BODY_BYTES
from tests.conftest import load_event
from tests.integration.conftest import api_request, context, drain


def post(body):
    return api_request(intake, "POST", "/orders", "/orders", body)


def stored_items(aws) -> list[dict]:
    return boto3.client("dynamodb").scan(TableName=aws.env["ORDERS_TABLE"])["Items"]


def test_valid_order_is_accepted_stored_once_and_queued(aws, shanghai_order):
    status, answer = post(json.dumps(shanghai_order))
    assert status == 202
    assert answer["status"] == "RECEIVED" and answer["duplicate"] is False
    [message] = drain(boto3.client("sqs"), aws.queue_urls["intake"])
    assert json.loads(message["Body"]) == {"order_id": answer["order_id"]}

    status, details = api_request(orders_api, "GET", "/orders/{order_id}", f"/orders/{answer['order_id']}", order_id=answer["order_id"])
    assert status == 200
    assert details["order"]["status"] == "RECEIVED" and details["order"]["version"] == 1
    assert details["order"]["order"]["lines"][0]["unit_price"] == "168.00"  # money stays exact
    assert [(e["from_status"], e["to_status"]) for e in details["timeline"]] == [(None, "RECEIVED")]


def test_same_channel_order_twice_is_one_order(aws, shanghai_order):
    first = post(json.dumps(shanghai_order))[1]
    status, second = post(json.dumps(shanghai_order))
    assert status == 202 and second == {**first, "duplicate": True}
    assert len([i for i in stored_items(aws) if i["sk"]["S"] == "META"]) == 1
    # Still RECEIVED, so the re-delivery queues it again: that is what rescues a lost enqueue.
    assert len(drain(boto3.client("sqs"), aws.queue_urls["intake"])) == 2


def test_redelivery_with_changed_content_before_routing_amends_the_order(aws, shanghai_order):
    order_id = post(json.dumps(shanghai_order))[1]["order_id"]
    changed = {**shanghai_order, "receiver": {**shanghai_order["receiver"], "detail": "世纪大道200号"}}
    status, answer = post(json.dumps(changed))
    assert status == 202 and answer["amendment"] == "applied" and answer["duplicate"] is True
    details = api_request(orders_api, "GET", "/orders/{order_id}", f"/orders/{order_id}", order_id=order_id)[1]
    assert details["order"]["order"]["receiver"]["detail"] == "世纪大道200号"
    assert details["order"]["version"] == 2 and details["order"]["status"] == "RECEIVED"
    note = details["timeline"][-1]
    assert note["kind"] == "note" and note["cause"].endswith("amendment applied")
    assert note["details"]["changed"] == ["receiver"]
    assert len([i for i in stored_items(aws) if i["sk"]["S"] == "META"]) == 1


def test_malformed_order_gets_400_naming_each_field_and_stores_nothing(aws):
    status, answer = post(json.dumps(load_event("invalid/malformed_order.json")))
    assert status == 400
    fields = {e["field"]: e["rule"] for e in answer["errors"]}
    assert fields == {
        "channel": "enum",
        "external_id": "string_too_short",
        "currency": "string_pattern_mismatch",
        "lines.0.quantity": "greater_than_equal",
        "lines.0.unit_price": "decimal_parsing",
        "placed_at": "value_error",
    }
    assert stored_items(aws) == []
    assert drain(boto3.client("sqs"), aws.queue_urls["intake"]) == []


@pytest.mark.parametrize(
    ("body", "status", "rule"),
    [
        ("{not json", 400, "json_invalid"),
        ("", 400, "missing"),
        ("[]", 400, "model_attributes_type"),
        ("x" * (MAX_BODY_BYTES + 1), 413, "max_size"),
    ],
)
def test_unreadable_bodies_are_4xx_and_store_nothing(aws, body, status, rule):
    code, answer = post(body)
    assert code == status
    assert rule in {e["rule"] for e in answer["errors"]}
    assert stored_items(aws) == []


@pytest.mark.parametrize("placed_at", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-12:00"])
def test_a_placed_at_outside_the_years_utc_can_hold_is_400_and_stores_nothing(aws, shanghai_order, placed_at):
    status, answer = post(json.dumps({**shanghai_order, "placed_at": placed_at}))
    assert (status, [(e["field"], e["rule"]) for e in answer["errors"]]) == (400, [("placed_at", "value_error")])
    assert stored_items(aws) == []
    assert drain(boto3.client("sqs"), aws.queue_urls["intake"]) == []


def test_body_that_is_not_utf8_is_400(aws, shanghai_order):
    raw = json.dumps(shanghai_order, ensure_ascii=False).encode("gbk")  # a GBK-encoded Chinese order
    event = proxy_event("POST", LocalRoute("POST", "/orders", "t", intake), "/orders", {}, {}, "", raw)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw
    answer = intake(event, context())
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["errors"][0]["rule"] == "utf8"
    assert stored_items(aws) == []


def test_unknown_order_is_404(aws):
    status, answer = api_request(orders_api, "GET", "/orders/{order_id}", "/orders/OMS-NOPE", order_id="OMS-NOPE")
    assert status == 404 and "OMS-NOPE" in answer["message"]
