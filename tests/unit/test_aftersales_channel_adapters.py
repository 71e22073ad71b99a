"""Each channel's refund and cancellation, read as the platform sends it: Shopify's published
refund of order 450789469; the hand-built Tmall, JD and Douyin refunds (events/channels/refunds/);
an order delivered with the platform's cancelled status."""

import copy
from decimal import Decimal

import pytest

from shared.aftersales.inbound import after_sales_request, partner_after_sales
from shared.channels import shopify_refunds
from shared.orders import Channel
from shared.problems import InputRejected
from tests.channel_samples import hand_built, real_sample
from tests.conftest import load_event


def test_shopify_published_refund_names_two_line_items_and_its_transaction():
    request = shopify_refunds.parse_refund(real_sample("shopify_refund_python_api_fixture.json"))  # the REST wrapper, unwrapped
    assert (request.channel_order_id, request.refund_id, request.amount, request.currency, request.state) == ("450789469", "509562969", Decimal("209.00"), "USD", "success")
    assert [(line.line_id, line.sku, line.quantity) for line in request.lines] == [("703073504", "IPOD2008BLACK", 1), ("466157049", "IPOD2008GREEN", 1)]
    assert request.restock is True and not request.everything


def test_shopify_refund_topic_and_cancelled_orders_are_after_sales_other_webhooks_are_orders():
    refund = real_sample("shopify_refund_python_api_fixture.json")["refund"]
    assert after_sales_request(Channel.SHOPIFY, "refunds/create", refund).refund_id == "509562969"
    order = real_sample("shopify_orders_create.json")["order"]
    assert after_sales_request(Channel.SHOPIFY, "orders/create", order) is None
    cancelled = after_sales_request(Channel.SHOPIFY, "orders/updated", {**order, "cancelled_at": "2026-11-11T10:00:00-05:00", "cancel_reason": "fraud"})
    assert (cancelled.kind, cancelled.everything, cancelled.reason, cancelled.refund_id) == ("cancel", True, "fraud", "cancel-1073459981")


def test_shopify_refund_without_an_order_id_is_a_400_naming_the_field():
    refund = copy.deepcopy(real_sample("shopify_refund_python_api_fixture.json")["refund"])
    del refund["order_id"]
    with pytest.raises(InputRejected) as refused:
        shopify_refunds.parse_refund(refund)
    assert refused.value.status == 400 and refused.value.problems[0].field == "order_id"


@pytest.mark.parametrize(
    ("channel", "sample", "order_id", "lines", "amount", "state"),
    [
        ("tmall", "tmall_refund_get_response.json", "3912877612093451223", [("3912877612095451223", "TM-CUP6", 1)], "89.00", "requested"),
        ("jd", "jd_refundapply.json", "286403917265", [], "517.00", "requested"),
        ("douyin", "douyin_refund_created.json", "6923041825071238765", [("6923041825071238767", None, None)], "178.00", "requested"),
    ],
)
def test_hand_built_refunds_read_with_the_platforms_field_names(channel, sample, order_id, lines, amount, state):
    request = after_sales_request(Channel(channel), "refund", load_event(f"channels/refunds/{sample}"))
    assert (request.channel_order_id, str(request.amount), request.state.value) == (order_id, amount, state)
    assert [(line.line_id, line.sku, line.quantity) for line in request.lines] == lines
    assert request.everything == (not lines)


@pytest.mark.parametrize(
    ("channel", "cancel"),
    [
        ("tmall", lambda d: d["trade_fullinfo_get_response"]["trade"].update(status="TRADE_CLOSED_BY_TAOBAO")),
        ("jd", lambda d: d.update(orderState="TRADE_CANCELED")),
        ("douyin", lambda d: d["data"]["shop_order_detail"].update(order_status=4)),
    ],
)
def test_an_order_delivered_cancelled_is_a_cancellation_of_it(channel, cancel):
    document = copy.deepcopy(hand_built(channel))
    assert after_sales_request(Channel(channel), None, document) is None  # the order as sold
    cancel(document)  # hand-built: the sample with the platform's cancelled status
    request = after_sales_request(Channel(channel), None, document)
    assert request.kind == "cancel" and request.everything


def test_tmall_seller_refused_refund_is_closed():
    document = copy.deepcopy(load_event("channels/refunds/tmall_refund_get_response.json"))
    document["refund_get_response"]["refund"]["status"] = "SELLER_REFUSE_BUYER"
    assert after_sales_request(Channel.TMALL, "refund", document).state == "closed"


def test_partner_event_refund_fields_are_named_where_they_sit_in_the_event():
    event = load_event("channels/partner/shopify_orders_create_event.json")
    assert partner_after_sales(event) is None  # orders/create: an order
    event["detail"]["metadata"]["X-Shopify-Topic"] = "refunds/create"
    event["detail"]["payload"] = {"id": 1, "refund_line_items": []}
    with pytest.raises(InputRejected) as refused:
        partner_after_sales(event)
    assert refused.value.problems[0].field.startswith("detail.payload.")


# -- JD line-level refunds and exchanges, Douyin exchanges (decisions 136, 137) -------------------
# Hand-built from the documented field names (README of events/channels: JD's after-sales service
# bill serviceId / orderId / skuId / serviceCount / customerExpect; Douyin's aftersale_type 3 换货).


def test_jd_service_bill_names_the_item_and_its_units():
    request = after_sales_request(Channel.JD, "refund", load_event("channels/refunds/jd_asc_service_line.json"))
    assert (request.channel_order_id, request.refund_id, request.kind, str(request.amount)) == ("286403917265", "2391847561", "refund", "399.00")
    assert [(line.line_id, line.sku, line.quantity) for line in request.lines] == [("100012043978", None, 1)]
    assert not request.everything and request.channel_status == "customerExpect 10, serviceStatus 10005"


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({"skuId": "100009871234", "applyCount": "2"}, ("100009871234", 2)),  # a refund apply naming its item (JD sends numbers as text)
        ({"wareId": "100009871234"}, ("100009871234", None)),  # the older afsService message's name; no count: the whole line
    ],
)
def test_jd_refund_apply_naming_an_item_refunds_that_line(fields, line):
    document = copy.deepcopy(load_event("channels/refunds/jd_refundapply.json"))
    document["refundApplyVo"].update(fields)  # hand-built: the sample with the item named
    request = after_sales_request(Channel.JD, "refund", document)
    assert [(l.line_id, l.quantity) for l in request.lines] == [line] and not request.everything
    assert request.state == "requested" and request.channel_status == "0"


def test_jd_exchange_is_its_own_kind_and_a_repair_is_refused_naming_the_field():
    bill = copy.deepcopy(load_event("channels/refunds/jd_asc_service_line.json"))
    bill["customerExpect"] = "20"
    assert after_sales_request(Channel.JD, "refund", bill).kind == "exchange"
    bill["customerExpect"] = "30"
    with pytest.raises(InputRejected) as refused:
        after_sales_request(Channel.JD, "refund", bill)
    assert refused.value.status == 400 and (refused.value.problems[0].field, refused.value.problems[0].rule) == ("customerExpect", "not_a_refund")
    bill["customerExpect"], bill["serviceCount"] = "10", 0
    with pytest.raises(InputRejected) as refused:
        after_sales_request(Channel.JD, "refund", bill)
    assert refused.value.problems[0].field == "serviceCount"


def test_douyin_exchange_is_its_own_kind_not_a_refund():
    request = after_sales_request(Channel.DOUYIN, "refund", load_event("channels/refunds/douyin_exchange_created.json"))
    assert (request.kind, request.refund_id) == ("exchange", "7315800000012349999")
    assert [(line.line_id, line.quantity) for line in request.lines] == [("6923041825071238767", None)]
    refund = after_sales_request(Channel.DOUYIN, "refund", load_event("channels/refunds/douyin_refund_created.json"))
    assert refund.kind == "refund"  # aftersale_type 2 (未发货仅退款)


def test_a_jd_refund_apply_without_its_status_is_a_400_naming_it():
    document = copy.deepcopy(load_event("channels/refunds/jd_refundapply.json"))
    del document["refundApplyVo"]["status"]
    with pytest.raises(InputRejected) as refused:
        after_sales_request(Channel.JD, "refund", document)
    assert refused.value.status == 400 and refused.value.problems[0].field == "status"


@pytest.mark.parametrize(
    ("channel", "change", "field"),
    [
        ("tmall", {"num": -1}, "num"),
        ("tmall", {"num": 200_000}, "num"),
        ("tmall", {"outer_id": "X" * 300}, "outer_id"),
        ("shopify", {"sku": "S" * 300}, "refund_line_items.0.line_item.sku"),
    ],
)
def test_a_refund_line_out_of_bounds_is_a_400_naming_the_platforms_field(channel, change, field):
    """Found on the local runtime: these were 502 (a ValidationError past the reader)."""
    if channel == "tmall":
        document = copy.deepcopy(load_event("channels/refunds/tmall_refund_get_response.json"))
        document["refund_get_response"]["refund"].update(change)
    else:
        document = copy.deepcopy(real_sample("shopify_refund_python_api_fixture.json")["refund"])
        document["refund_line_items"][0]["line_item"]["sku"] = change["sku"]
    with pytest.raises(InputRejected) as refused:
        after_sales_request(Channel(channel), "refunds/create" if channel == "shopify" else "refund", document)
    assert refused.value.status == 400 and refused.value.problems[0].field == field
