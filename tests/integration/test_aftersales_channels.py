"""Refunds and cancellations per channel, on moto: the platforms' published payloads where they
exist (Shopify's refund of order 450789469), hand-built ones from the documented field names
elsewhere (events/channels/refunds/, marked hand-built), through the real handlers: the channel's
signed order route (a topic header, or a cancelled status) → the after-sales queue → its consumer."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import boto3
import pytest

from functions.aftersales.handler import handler as aftersales
from functions.intake.handler import handler as intake
from functions.partner_intake.handler import handler as partner_intake
from local.sqs_poller import lambda_record
from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases.waiting import LAST_DELIVERY
from shared.aws.catalog_store import Product, SkuMapping
from shared.aws.stores import catalog_store, order_store
from shared.ids import order_id_for
from shared.sqs_batch import BatchFailed
from tests.channel_samples import SHOP, hand_built, real_sample, signed_headers, webhook_event
from tests.conftest import load_event
from tests.integration.conftest import context, drain


def post(channel: str, document: dict, topic: str | None = None) -> tuple[int, dict]:
    body = json.dumps(document, ensure_ascii=False).encode()
    headers = signed_headers(channel, SHOP[channel], body)
    if topic:
        headers["X-Shopify-Topic" if channel == "shopify" else "X-Oms-Topic"] = topic
    answer = intake(webhook_event(intake, channel, SHOP[channel], body, headers), context())
    return answer["statusCode"], json.loads(answer["body"])


def consume(resources) -> list[str]:
    """Runs the after-sales consumer on what its queue holds; returns the DLQ's reasons."""
    sqs = boto3.client("sqs")
    messages = drain(sqs, resources.queue_urls["aftersales"])
    if messages:
        answer = aftersales({"Records": [lambda_record(m, resources.queue_arns["aftersales"], "us-east-1") for m in messages]}, context())
        assert answer["batchItemFailures"] == []
    return [m["MessageAttributes"]["reason"]["StringValue"] for m in drain(sqs, resources.dead_letter_queue_urls["aftersales"], attributes=True)]


def lines_of(order_id: str) -> list[tuple[str, int]]:
    return [(line.sku, line.quantity) for line in order_store().load(order_id).order.lines]


@pytest.fixture
def ipods(seeded):
    for colour in ("GREEN", "RED", "BLACK"):
        catalog_store().put_product(Product(sku=f"IPOD-NANO-{colour}"))
        catalog_store().put_mapping(SkuMapping(channel="shopify", channel_sku=f"IPOD2008{colour}", sku=f"IPOD-NANO-{colour}"))
    return seeded


def order_450789469_before_its_refund() -> dict:
    """The published order as it was before its refund: the same order without `refunds`."""
    order = copy.deepcopy(real_sample("shopify_order_get_450789469.json")["order"])
    order["refunds"], order["financial_status"] = [], "paid"
    return order


def test_shopify_published_refund_takes_two_of_three_lines_out_of_order_450789469(ipods):
    status, answer = post("shopify", order_450789469_before_its_refund())
    assert status == 202 and answer["order_id"] == order_id_for("shopify", "450789469")
    assert len(lines_of(answer["order_id"])) == 3
    refund = real_sample("shopify_refund_python_api_fixture.json")["refund"]  # the refunds/create body
    status, queued = post("shopify", refund, topic="refunds/create")
    assert status == 202 and queued == {"after_sales": True, "order_id": answer["order_id"], "refund_id": "509562969", "kind": "refund"}
    assert consume(ipods) == []
    assert lines_of(answer["order_id"]) == [("IPOD-NANO-RED", 1)]  # RECEIVED: amended in place
    [record] = AfterSalesStore().refunds(answer["order_id"])
    assert (record.outcome, record.stage, record.amount, record.currency) == ("amended", "before_release", "209.00", "USD")
    assert [(line.line_id, line.sku) for line in record.lines] == [("466157049", "IPOD-NANO-GREEN"), ("703073504", "IPOD-NANO-BLACK")]
    timeline = len(order_store().details(answer["order_id"]).timeline)
    post("shopify", refund, topic="refunds/create")  # Shopify delivers at least once
    assert consume(ipods) == []
    assert len(order_store().details(answer["order_id"]).timeline) == timeline and lines_of(answer["order_id"]) == [("IPOD-NANO-RED", 1)]


def test_shopify_order_arriving_with_its_refund_has_the_refunded_lines_left_out_and_the_webhook_only_recorded(ipods):
    status, answer = post("shopify", real_sample("shopify_order_get_450789469.json")["order"])
    assert status == 202 and lines_of(answer["order_id"]) == [("IPOD-NANO-RED", 1)]
    post("shopify", real_sample("shopify_refund_python_api_fixture.json")["refund"], topic="refunds/create")
    assert consume(ipods) == []  # not a dead letter: the refund is known, its lines never entered the order
    [record] = AfterSalesStore().refunds(answer["order_id"])
    assert record.outcome == "recorded"
    assert any("left out when the order was received" in e.cause for e in order_store().details(answer["order_id"]).timeline)


def test_shopify_cancelled_order_webhook_is_a_cancellation_not_a_422(seeded):
    order = real_sample("shopify_orders_create.json")["order"]
    status, answer = post("shopify", order)
    assert status == 202
    cancelled = {**order, "cancelled_at": "2026-11-11T10:00:00-05:00", "cancel_reason": "customer"}  # hand-built: the published order, cancelled
    status, queued = post("shopify", cancelled, topic="orders/cancelled")
    assert status == 202 and queued["kind"] == "cancel"
    assert consume(seeded) == []
    assert order_store().load(answer["order_id"]).status == "CANCELLED"


@pytest.mark.parametrize(
    ("channel", "sample", "left"),
    [
        ("tmall", "tmall_refund_get_response.json", 1),  # one sub-order (oid) of two
        ("douyin", "douyin_refund_created.json", 1),  # one sku order (s_id) of two
        ("jd", "jd_refundapply.json", 0),  # JD's pre-shipment refund is the whole order
        ("jd", "jd_asc_service_line.json", 1),  # JD's service bill names one item (skuId, serviceCount; decision 136)
    ],
)
def test_hand_built_refunds_of_tmall_douyin_and_jd_apply_to_their_orders(seeded, channel, sample, left):
    status, answer = post(channel, hand_built(channel))
    assert status == 202, answer
    status, queued = post(channel, load_event(f"channels/refunds/{sample}"), topic="refund")
    assert status == 202 and queued["order_id"] == answer["order_id"]
    assert consume(seeded) == []
    stored = order_store().load(answer["order_id"])
    if left:
        assert stored.status == "RECEIVED" and len(stored.order.lines) == left
        assert stored.order.order_total < Decimal(str(hand_built_total(channel)))
    else:
        assert stored.status == "CANCELLED"


def hand_built_total(channel: str) -> str:
    document = hand_built(channel)
    if channel == "tmall":
        return document["trade_fullinfo_get_response"]["trade"]["payment"]
    if channel == "jd":
        return document["orderPayment"]
    return str(Decimal(document["data"]["shop_order_detail"]["pay_amount"]) / 100)


def test_a_closed_tmall_trade_delivered_as_an_order_cancels_it(seeded):
    status, answer = post("tmall", hand_built("tmall"))
    closed = copy.deepcopy(hand_built("tmall"))
    closed["trade_fullinfo_get_response"]["trade"]["status"] = "TRADE_CLOSED"  # hand-built: the sample, closed
    status, queued = post("tmall", closed)
    assert status == 202 and queued["kind"] == "cancel"
    assert consume(seeded) == []
    assert order_store().load(answer["order_id"]).status == "CANCELLED"



def test_a_tmall_sub_order_refunded_before_the_trade_arrived_never_ships_and_its_refund_is_recorded(seeded):
    trade = copy.deepcopy(hand_built("tmall"))
    cup = trade["trade_fullinfo_get_response"]["trade"]["orders"]["order"][1]
    cup |= {"status": "TRADE_CLOSED", "refund_id": 83120938472001234}  # hand-built: the sample after its refund
    status, answer = post("tmall", trade)
    assert status == 202 and [sku for sku, _ in lines_of(answer["order_id"])] == ["TEA-LONGJING-250G"]
    refund = copy.deepcopy(load_event("channels/refunds/tmall_refund_get_response.json"))
    refund["refund_get_response"]["refund"] |= {"status": "SUCCESS", "order_status": "TRADE_CLOSED"}
    status, queued = post("tmall", refund, topic="refund")
    assert status == 202 and queued["order_id"] == answer["order_id"]
    assert consume(seeded) == []  # not a dead letter for a line the order does not have
    [record] = AfterSalesStore().refunds(answer["order_id"])
    assert record.outcome == "recorded"
    assert lines_of(answer["order_id"]) == [("TEA-LONGJING-250G", 2)]



def test_a_tmall_trade_re_delivered_with_a_closed_sub_order_is_amended_and_the_refund_then_only_recorded(seeded):
    status, answer = post("tmall", hand_built("tmall"))
    assert status == 202 and len(lines_of(answer["order_id"])) == 2
    trade = copy.deepcopy(hand_built("tmall"))
    trade["trade_fullinfo_get_response"]["trade"]["orders"]["order"][1] |= {"status": "TRADE_CLOSED", "refund_id": 83120938472001234}
    trade["trade_fullinfo_get_response"]["trade"]["modified"] = "2026-11-11 00:10:00"  # hand-built: the trade after the cup's refund
    status, amended = post("tmall", trade)
    assert status == 202 and amended["amendment"] == "applied"
    assert lines_of(answer["order_id"]) == [("TEA-LONGJING-250G", 2)]
    refund = copy.deepcopy(load_event("channels/refunds/tmall_refund_get_response.json"))
    refund["refund_get_response"]["refund"] |= {"status": "SUCCESS", "order_status": "TRADE_CLOSED"}
    post("tmall", refund, topic="refund")
    assert consume(seeded) == []  # before: a dead letter, "no line with line id" (the amendment had taken it out)
    [record] = AfterSalesStore().refunds(answer["order_id"])
    assert record.outcome == "recorded"
    assert order_store().load(answer["order_id"]).order.order_total == Decimal("302.40")


def trade_showing_the_cups_refund(status: str = "WAIT_SELLER_AGREE") -> dict:
    trade = copy.deepcopy(hand_built("tmall"))
    trade["trade_fullinfo_get_response"]["trade"]["orders"]["order"][1] |= {"refund_id": 83120938472001234, "refund_status": status}  # hand-built: the buyer asked
    return trade


def test_a_tmall_trade_showing_a_refund_asked_for_leaves_its_line_out_though_the_refunds_message_never_comes(seeded):
    """Decision 266: the sub-order's refund_status says the buyer asked for the cup's money back;
    its refund message is late or lost. The cup must not ship, and a copy of the trade delivered
    again while the refund is under way must not bring it back."""
    status, answer = post("tmall", trade_showing_the_cups_refund())
    assert status == 202 and lines_of(answer["order_id"]) == [("TEA-LONGJING-250G", 2)]
    assert consume(seeded) == []
    [record] = AfterSalesStore().refunds(answer["order_id"])
    assert (record.refund_id, record.outcome, record.state, record.channel_status) == ("83120938472001234", "recorded", "requested", "WAIT_SELLER_AGREE")
    # the refund's own message, then its success: one refund, its statuses recorded
    refund = copy.deepcopy(load_event("channels/refunds/tmall_refund_get_response.json"))
    post("tmall", refund, topic="refund")
    refund["refund_get_response"]["refund"]["status"] = "SUCCESS"
    post("tmall", refund, topic="refund")
    assert consume(seeded) == []
    # a copy of the trade that still shows the request comes late: it moves nothing back
    status, again = post("tmall", trade_showing_the_cups_refund())
    assert status == 202 and again["duplicate"] is True
    assert consume(seeded) == []
    [record] = AfterSalesStore().refunds(answer["order_id"])
    assert (record.outcome, record.state, record.channel_status) == ("recorded", "success", "SUCCESS")
    assert lines_of(answer["order_id"]) == [("TEA-LONGJING-250G", 2)]


def test_a_tmall_trade_re_delivered_while_a_refund_is_asked_for_takes_the_line_out_before_routing(seeded):
    status, answer = post("tmall", hand_built("tmall"))
    assert len(lines_of(answer["order_id"])) == 2
    trade = trade_showing_the_cups_refund()
    trade["trade_fullinfo_get_response"]["trade"]["modified"] = "2026-11-11 00:05:12"  # TMC: the trade changed, because of the refund
    status, again = post("tmall", trade)
    assert status == 202 and again["amendment"] == "applied" and lines_of(answer["order_id"]) == [("TEA-LONGJING-250G", 2)]
    assert consume(seeded) == []
    [record] = AfterSalesStore().refunds(answer["order_id"])
    assert record.outcome == "recorded"  # the amendment took the line out: nothing more to do


def test_a_tmall_trade_whose_every_sub_order_is_refunding_is_received_and_cancelled_by_its_refunds(seeded):
    trade = trade_showing_the_cups_refund()
    trade["trade_fullinfo_get_response"]["trade"]["orders"]["order"][0] |= {"refund_id": 83120938472001235, "refund_status": "WAIT_SELLER_AGREE"}
    status, answer = post("tmall", trade)  # kept whole: a refused refund would leave the order to ship
    assert status == 202 and len(lines_of(answer["order_id"])) == 2
    assert consume(seeded) == []
    assert order_store().load(answer["order_id"]).status == "CANCELLED"
    assert sorted(r.outcome for r in AfterSalesStore().refunds(answer["order_id"])) == ["amended", "cancelled"]


@pytest.mark.parametrize("status", ["NO_REFUND", "SELLER_REFUSE_BUYER", "CLOSED"])
def test_a_tmall_sub_order_whose_refund_is_refused_or_none_ships(seeded, status):
    status_code, answer = post("tmall", trade_showing_the_cups_refund(status))
    assert status_code == 202 and consume(seeded) == []
    assert len(lines_of(answer["order_id"])) == 2 and AfterSalesStore().refunds(answer["order_id"]) == []


def test_a_tmall_trade_re_delivered_with_a_refund_asked_for_after_release_asks_the_warehouse_to_stop_that_line(seeded):
    from functions.inventory_lock.handler import handler as inventory_lock
    from functions.notification.handler import handler as notification
    from functions.review.handler import handler as review
    from functions.routing.handler import handler as routing

    status, answer = post("tmall", hand_built("tmall"))
    order_id = answer["order_id"]
    review({"order_id": order_id}, context())
    plan = routing({"order_id": order_id, "route_attempt": 0}, context())["plan"]
    inventory_lock({"order_id": order_id, "plan": plan}, context())
    notification({"order_id": order_id}, context())
    assert order_store().load(order_id).status == "RELEASED"
    trade = trade_showing_the_cups_refund()
    trade["trade_fullinfo_get_response"]["trade"]["modified"] = "2026-11-11 00:05:12"
    status, again = post("tmall", trade)  # past routing: the amendment is only a note
    assert status == 202 and again["amendment"] == "not_applied"
    assert consume(seeded) == []
    [record] = AfterSalesStore().refunds(order_id)
    assert (record.refund_id, record.outcome) == ("83120938472001234", "intercept_requested")


def deliver(resources, messages: list[dict], delivery: int) -> tuple[list[str], list[str]]:
    """Runs the after-sales consumer on these messages as SQS's `delivery`-th delivery of each;
    returns the ids it asked to have delivered again, and the reasons now in the DLQ."""
    records = [lambda_record(m, resources.queue_arns["aftersales"], "us-east-1") | {"attributes": {"ApproximateReceiveCount": str(delivery)}} for m in messages]
    try:
        failed = [f["itemIdentifier"] for f in aftersales({"Records": records}, context())["batchItemFailures"]]
    except BatchFailed as every:  # every record failed: the invocation fails, as the batch contract says
        failed = [message_id for message_id, _ in every.errors]
    dead = drain(boto3.client("sqs"), resources.dead_letter_queue_urls["aftersales"], attributes=True)
    return failed, [m["MessageAttributes"]["reason"]["StringValue"] for m in dead]


def test_a_cancellation_before_its_order_is_kept_and_cancels_the_order_when_it_comes(seeded):
    order = real_sample("shopify_orders_create.json")["order"]
    cancelled = {**order, "cancelled_at": "2026-11-11T10:00:00-05:00", "cancel_reason": "customer"}  # hand-built: the published order, cancelled
    status, queued = post("shopify", cancelled, topic="orders/cancelled")  # its orders/create is late
    assert status == 202 and queued["kind"] == "cancel"
    [message] = drain(boto3.client("sqs"), seeded.queue_urls["aftersales"])
    assert deliver(seeded, [message], 1) == ([message["MessageId"]], [])  # kept; SQS delivers it again
    assert deliver(seeded, [message], 2) == ([message["MessageId"]], [])
    status, answer = post("shopify", order)  # the order comes: what waited for it is queued again
    assert status == 202 and answer["duplicate"] is False
    assert consume(seeded) == []
    assert order_store().load(answer["order_id"]).status == "CANCELLED"  # before the workflow routed it
    assert deliver(seeded, [message], 3) == ([], [])  # the original's next delivery: a duplicate, done
    items = order_store().db.query(TableName=order_store().table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": f"ORDER#{answer['order_id']}"}})["Items"]
    assert not [i for i in items if i["sk"]["S"].startswith("AFTERSALES_WAITING#")]


def waiting_items(order_id: str) -> list[dict]:
    items = order_store().db.query(TableName=order_store().table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": f"ORDER#{order_id}"}})["Items"]
    return [i for i in items if i["sk"]["S"].startswith("AFTERSALES_WAITING#")]


def test_a_kept_cancellation_its_own_next_delivery_applies_is_no_longer_kept(seeded, monkeypatch):
    """Intake looked for kept requests just before the first delivery kept this one (so it sent
    nothing): the message's next delivery cancels the order, and what was kept goes with it."""
    order = real_sample("shopify_orders_create.json")["order"]
    post("shopify", {**order, "cancelled_at": "2026-11-11T10:00:00-05:00", "cancel_reason": "customer"}, topic="orders/cancelled")
    [message] = drain(boto3.client("sqs"), seeded.queue_urls["aftersales"])
    answers, keep = [], AfterSalesStore.keep_waiting

    def keep_while_the_order_comes(self, *args) -> None:
        keep(self, *args)
        answers.append(post("shopify", order))  # stored between the keep and the consumer's second look

    monkeypatch.setattr(AfterSalesStore, "keep_waiting", keep_while_the_order_comes)
    monkeypatch.setattr("functions.intake.handler.send_again", lambda order_id: 0)  # intake's look came just before the keep
    assert deliver(seeded, [message], 1) == ([], [])  # kept, then found on the second look: applied
    [(status, answer)] = answers
    assert status == 202 and answer["duplicate"] is False
    assert order_store().load(answer["order_id"]).status == "CANCELLED" and waiting_items(answer["order_id"]) == []


def test_a_kept_cancellation_applied_on_a_later_delivery_is_no_longer_kept_unless_a_newer_message_was_kept_over_it(seeded, monkeypatch):
    order = real_sample("shopify_orders_create.json")["order"]
    post("shopify", {**order, "cancelled_at": "2026-11-11T10:00:00-05:00", "cancel_reason": "customer"}, topic="orders/cancelled")
    [message] = drain(boto3.client("sqs"), seeded.queue_urls["aftersales"])
    assert deliver(seeded, [message], 1) == ([message["MessageId"]], [])  # kept
    with monkeypatch.context() as patched:
        patched.setattr("functions.intake.handler.send_again", lambda order_id: 0)  # intake's look missed it
        status, answer = post("shopify", order)
    [kept] = waiting_items(answer["order_id"])
    AfterSalesStore().keep_waiting(answer["order_id"], kept["sk"]["S"].removeprefix("AFTERSALES_WAITING#"), kept["body"]["S"] + " ", "2026-11-11T15:00:01.000Z")
    assert deliver(seeded, [message], 2) == ([], [])  # applied; what is kept now is another message
    assert order_store().load(answer["order_id"]).status == "CANCELLED" and len(waiting_items(answer["order_id"])) == 1
    AfterSalesStore().keep_waiting(answer["order_id"], kept["sk"]["S"].removeprefix("AFTERSALES_WAITING#"), kept["body"]["S"], "2026-11-11T15:00:02.000Z")
    assert deliver(seeded, [message], 3) == ([], [])  # a duplicate now, and what was kept of it goes
    assert waiting_items(answer["order_id"]) == []


def test_a_refund_whose_order_never_came_is_dead_lettered_at_the_last_delivery_and_still_applies_when_it_comes(ipods):
    refund = real_sample("shopify_refund_python_api_fixture.json")["refund"]
    post("shopify", refund, topic="refunds/create")  # order 450789469 was never received
    [message] = drain(boto3.client("sqs"), ipods.queue_urls["aftersales"])
    assert deliver(ipods, [message], 3)[1] == []
    failed, [reason] = deliver(ipods, [message], LAST_DELIVERY)
    assert failed == [] and "order 450789469 is not in oms" in reason and "kept: it applies when the order comes" in reason
    status, answer = post("shopify", order_450789469_before_its_refund())  # found by reconciliation, say
    assert consume(ipods) == []
    assert lines_of(answer["order_id"]) == [("IPOD-NANO-RED", 1)]
    [record] = AfterSalesStore().refunds(answer["order_id"])
    assert record.refund_id == "509562969" and record.outcome == "amended"



def test_an_erp_cancellation_posted_before_its_file_is_imported_cancels_the_order_the_file_brings(seeded):
    from local.api_gateway import LocalRoute, proxy_event
    from tests.integration.test_channel_intake import post_csv
    from tests.channel_samples import csv_sample

    body = json.dumps({"channel": "erp", "channel_order_id": "SO-2026-005001", "refund_id": "ERP-CANCEL-5001", "kind": "cancel", "whole_order": True}).encode()
    event = proxy_event("POST", LocalRoute("POST", "/refunds", "intake", intake), "/refunds", {}, {"Content-Type": "application/json"}, "", body)
    assert intake(event, context())["statusCode"] == 202  # the ERP cancels at once; its hourly file comes later
    [message] = drain(boto3.client("sqs"), seeded.queue_urls["aftersales"])
    assert deliver(seeded, [message], 1) == ([message["MessageId"]], [])  # kept
    status, report = post_csv(csv_sample())
    assert status == 202 and "SO-2026-005001" in {a["order_no"] for a in report["accepted"]}
    assert consume(seeded) == []
    assert order_store().load(order_id_for("erp", "SO-2026-005001")).status == "CANCELLED"


def test_refunds_that_make_no_sense_go_to_the_dead_letter_queue_with_the_reason(ipods):
    refund = real_sample("shopify_refund_python_api_fixture.json")["refund"]
    post("shopify", order_450789469_before_its_refund())
    too_many = copy.deepcopy(refund)
    too_many["id"], too_many["refund_line_items"][0]["quantity"] = 509562970, 3
    post("shopify", too_many, topic="refunds/create")
    [reason] = consume(ipods)
    assert "3 units of IPOD-NANO-BLACK refunded, the order has 1" in reason
    unknown = copy.deepcopy(refund)
    unknown["id"], unknown["refund_line_items"] = 509562971, [{**refund["refund_line_items"][0], "line_item_id": 1, "line_item": {"sku": "NOPE"}}]
    post("shopify", unknown, topic="refunds/create")
    [reason] = consume(ipods)
    assert "no line with line id '1'" in reason


def test_partner_source_refund_reaches_the_after_sales_queue(ipods):
    post("shopify", order_450789469_before_its_refund())
    event = load_event("channels/partner/shopify_orders_create_event.json")
    event["detail"]["metadata"]["X-Shopify-Topic"] = "refunds/create"
    event["detail"]["payload"] = real_sample("shopify_refund_python_api_fixture.json")["refund"]
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=ipods.queue_urls["partner_orders"], MessageBody=json.dumps(event))
    messages = drain(sqs, ipods.queue_urls["partner_orders"])
    partner_intake({"Records": [lambda_record(m, ipods.queue_arns["partner_orders"], "us-east-1") for m in messages]}, context())
    assert consume(ipods) == []
    assert lines_of(order_id_for("shopify", "450789469")) == [("IPOD-NANO-RED", 1)]


def test_a_kept_cancellation_is_sent_again_when_intake_is_retried_after_sending_it_failed(seeded, monkeypatch):
    order = real_sample("shopify_orders_create.json")["order"]
    cancelled = {**order, "cancelled_at": "2026-11-11T10:00:00-05:00", "cancel_reason": "customer"}
    post("shopify", cancelled, topic="orders/cancelled")
    [message] = drain(boto3.client("sqs"), seeded.queue_urls["aftersales"])
    assert deliver(seeded, [message], LAST_DELIVERY)[0] == []  # dead-lettered; kept for the order
    real_query = AfterSalesStore.waiting
    monkeypatch.setattr(AfterSalesStore, "waiting", lambda self, order_id: (_ for _ in ()).throw(RuntimeError("throttled")))
    with pytest.raises(RuntimeError):  # stored, then the look for what waits fails: the webhook is retried
        post("shopify", order)
    monkeypatch.setattr(AfterSalesStore, "waiting", real_query)
    status, answer = post("shopify", order)  # the platform's retry: a duplicate of the stored order
    assert status == 202 and answer["duplicate"] is True
    assert consume(seeded) == []
    assert order_store().load(answer["order_id"]).status == "CANCELLED"
