"""Customer notices: the events that ask for them reach the notices queue through the bus rules,
each notice is sent once by SMS in the order's language, recorded and noted on the timeline."""

import json

import boto3
import pytest

from functions.customer_notices.handler import handler as customer_notices
from functions.review.handler import handler as review
from functions.routing.handler import handler as routing
from shared.aws.stores import inventory_store, order_store
from shared.inventory import StockRecord
from shared.lifecycle import Actor, OrderStatus
from shared.notices.compose import NoticeRequest, language_for, render, request_for
from shared.notices.records import NoticeRecords
from shared.notices.send import NotYetRecorded, send_notice
from shared.orders import OrderIn
from tests.integration.conftest import context, drain
from tests.integration.test_workflow_steps import accept


def notices_queue(aws) -> list[dict]:
    return drain(boto3.client("sqs"), aws.env["CUSTOMER_NOTICES_QUEUE_URL"])


def deliver(messages: list[dict]) -> dict:
    records = [{"messageId": str(i), "body": m["Body"], "receiptHandle": "r", "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn", "awsRegion": "us-east-1"} for i, m in enumerate(messages)]
    return customer_notices({"Records": records}, context())


def texts_sent() -> list[str]:
    from moto.backends import get_backend

    return [message for _, message, *_ in get_backend("sns")["123456789012"]["us-east-1"].sms_messages.values()]


def test_review_approval_sends_the_accepted_notice_once_in_chinese(seeded, shanghai_order, aws):
    order_id = accept(shanghai_order)
    review({"order_id": order_id}, context())
    review({"order_id": order_id}, context())  # a retried step publishes the same fact again
    messages = notices_queue(aws)
    assert [json.loads(m["Body"])["detail-type"] for m in messages] == ["OrderAccepted", "OrderAccepted"]
    assert deliver(messages) == {"batchItemFailures": []}

    [record] = NoticeRecords(order_store()).of_order(order_id)
    assert (record.kind, record.language, record.state, record.to) == ("accepted", "zh", "SENT", "+86138****8000")
    assert record.text == "【官方商城】王小明您好，您的订单SHOP-20261111-000001（共3件）已确认，我们将尽快为您发货。"
    assert texts_sent() == [record.text]
    notes = [e for e in order_store().details(order_id).timeline if e.cause == "customer notified: accepted"]
    assert len(notes) == 1 and notes[0].details["language"] == "zh"


def test_a_backordered_order_gets_one_delay_notice_even_when_it_is_later_escalated(seeded, shanghai_order, aws):
    inventory_store().put_stock(StockRecord(sku="GIFTBOX-MOONCAKE", warehouse_id="WH-GZ", on_hand=0))
    order_id = accept({**shanghai_order, "lines": [{"sku": "GIFTBOX-MOONCAKE", "quantity": 1, "unit_price": "258.00"}]})
    review({"order_id": order_id}, context())
    assert routing({"order_id": order_id, "route_attempt": 0}, context())["outcome"] == "BACKORDERED"
    messages = notices_queue(aws)
    escalated = {"detail-type": "StuckOrderEscalated", "source": "oms.orders", "detail": {"order_id": order_id, "status": "BACKORDERED"}}
    deliver([*messages, {"Body": json.dumps(escalated)}])
    delayed = [r for r in NoticeRecords(order_store()).of_order(order_id) if r.kind == "delayed"]
    assert len(delayed) == 1 and "商品补货中" in delayed[0].text


def test_shipped_waits_until_oms_recorded_the_parcel_and_carries_the_tracking_number(seeded, shanghai_order):
    from functions.inventory_lock.handler import handler as inventory_lock
    from functions.notification.handler import handler as notification
    from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update

    order_id = accept(shanghai_order)
    review({"order_id": order_id}, context())
    routing({"order_id": order_id, "route_attempt": 0}, context())
    inventory_lock({"order_id": order_id}, context())
    notification({"order_id": order_id}, context())
    warehouse = order_store().details(order_id).outbound_notes[0].warehouse_id
    request = request_for("ParcelShipped", {"order_id": order_id, "warehouse_id": warehouse, "carrier": "SF", "tracking_number": "SF1234567890"})
    with pytest.raises(NotYetRecorded):
        send_notice(request, order_store(), lambda phone, text: "never")
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id=warehouse, occurred_at="2026-11-11T10:00:00Z", carrier="SF", tracking_number="SF1234567890"), "wms.test", order_store(), inventory_store())
    sent: list = []
    assert send_notice(request, order_store(), lambda phone, text: sent.append((phone, text)) or "m-1") == "sent"
    assert send_notice(request, order_store(), lambda phone, text: sent.append((phone, text)) or "m-2") == "duplicate"
    assert len(sent) == 1 and "SF1234567890" in sent[0][1] and warehouse in sent[0][1]


def test_english_for_the_overseas_store_and_a_cancellation_with_its_reason(seeded, shanghai_order):
    order = OrderIn.model_validate({**shanghai_order, "channel": "shopify", "external_id": "#1001"})
    assert language_for(order) == "en"
    text = render(request_for("OrderCancelled", {"order_id": "x", "reason": "buyer changed their mind"}), order, "en")
    assert text == "our online store: your order #1001 has been cancelled. Reason: buyer changed their mind. Contact us with any question."
    refunded = request_for("OrderRefunded", {"order_id": "x", "refund_id": "R-1", "amount": "89.00", "currency": "CNY", "stage": "before_release"})
    assert refunded.notice_id == "refunded#R-1" and "89.00 CNY" in render(refunded, order, "en")
    assert request_for("OrderStuck", {"order_id": "x", "status": "ON_HOLD"}) is None  # review's wait is not announced


def test_an_order_without_a_reachable_phone_is_recorded_not_sent_and_an_unknown_order_is_dead_lettered(seeded, shanghai_order, aws):
    order_id = accept({**shanghai_order, "receiver": {**shanghai_order["receiver"], "phone": ""}})
    assert send_notice(NoticeRequest(order_id=order_id, kind="accepted"), order_store(), lambda *a: pytest.fail("sent")) == "not_sent"
    [record] = NoticeRecords(order_store()).of_order(order_id)
    assert record.state == "NOT_SENT" and record.why_not_sent
    deliver([{"Body": json.dumps({"detail-type": "OrderAccepted", "detail": {"order_id": "OMS-NOBODY"}})}])
    [dead] = drain(boto3.client("sqs"), aws.env["CUSTOMER_NOTICES_DEAD_LETTER_QUEUE_URL"], attributes=True)
    assert "OMS-NOBODY" in dead["MessageAttributes"]["reason"]["StringValue"]


def emails_sent() -> list[dict]:
    from moto.backends import get_backend

    return [{"to": m.destinations["ToAddresses"], "subject": m.subject, "body": m.body, "source": m.source} for m in get_backend("ses")["123456789012"]["us-east-1"].sent_messages]


def test_a_buyer_with_an_email_is_told_by_email_and_the_address_is_masked_in_the_record(seeded, shanghai_order, aws, monkeypatch):
    """Decision 126: SES when the channel gave the buyer's email, SMS otherwise."""
    from shared.notices.email import send_email

    monkeypatch.setenv("NOTICE_EMAIL_FROM", "notices@oms.example.cn")  # the function's setting (infra/topology.py)
    order = {**shanghai_order, "external_id": "SHOP-MAIL-1", "buyer": {**shanghai_order["buyer"], "buyer_id": "C-MAIL-1", "email": "wang.xiaoming@example.com"}}
    order_id = accept(order)
    texts_before, emails_before = len(texts_sent()), len(emails_sent())
    request = NoticeRequest(order_id=order_id, kind="accepted")
    assert send_notice(request, order_store(), lambda phone, text: "sms-id", send_email) == "sent"
    assert send_notice(request, order_store(), lambda phone, text: "sms-id", send_email) == "duplicate"
    [sent] = emails_sent()[emails_before:]
    assert sent["to"] == ["wang.xiaoming@example.com"] and sent["subject"] == "您的订单 SHOP-MAIL-1" and sent["source"] == "notices@oms.example.cn"
    assert len(texts_sent()) == texts_before
    [record] = NoticeRecords(order_store()).of_order(order_id)
    assert (record.channel, record.to, record.state) == ("email", "w***@example.com", "SENT")
    note = order_store().details(order_id).timeline[-1]
    assert note.details["channel"] == "email" and note.details["to"] == "w***@example.com"
    assert "wang.xiaoming" not in json.dumps(note.details)
