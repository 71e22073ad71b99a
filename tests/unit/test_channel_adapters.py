"""Each channel's payload becomes the canonical order: the platforms' published Shopify payloads
as they are, the hand-built Tmall, JD and Douyin samples, and the partner event envelope."""

import copy
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from shared.channels import douyin, jd, partner_events, shopify, tmall
from shared.orders import InvoiceKind, PaymentStatus
from shared.problems import InputRejected
from tests.channel_samples import partner_event, real_sample, webhook_sample


def rejection(parse, document) -> InputRejected:
    with pytest.raises(InputRejected) as refused:
        parse(document)
    return refused.value


# --- Shopify: the published payloads, unchanged ------------------------------------------------


def test_shopify_orders_create_webhook_body_becomes_the_canonical_order():
    channel_order = shopify.parse(webhook_sample("shopify"))
    order = channel_order.order
    assert (order.channel.value, order.external_id, order.currency) == ("shopify", "1073459981", "USD")
    [line] = order.lines
    assert (line.sku, line.quantity, line.unit_price, line.discount) == ("IPOD2009BLACK", 1, Decimal("199.00"), Decimal("17.91"))
    assert order.total == order.order_total == Decimal("181.09")  # the lines add up to Shopify's total
    assert order.placed_at == datetime(2025, 4, 2, 16, 31, 38, tzinfo=timezone.utc)
    assert order.receiver.name == "Jane Smith" and order.receiver.province == "Ontario"
    assert order.buyer.buyer_id == "shopify-1073339475" and order.payment_status == PaymentStatus.PAID
    assert channel_order.sku_fields == ["line_items.0.sku"]


@pytest.mark.parametrize("name", ["shopify_orders_create.json", "shopify_order_get_450789469.json", "shopify_order_python_api_fixture.json"])
def test_shopify_rest_answers_wrapped_in_order_read_the_same_as_webhook_bodies(name):
    wrapped = real_sample(name)
    assert shopify.parse(wrapped) == shopify.parse(wrapped["order"])


def test_shopify_multi_line_order_with_discounts_per_line():
    document = real_sample("shopify_order_get_450789469.json")
    document["order"]["refunds"] = []  # as it was before its refund: three lines
    order = shopify.parse(document).order
    assert [(line.sku, line.discount, line.channel_line_id) for line in order.lines] == [
        ("IPOD2008GREEN", Decimal("3.34"), "466157049"),
        ("IPOD2008RED", Decimal("3.33"), "518995019"),
        ("IPOD2008BLACK", Decimal("3.33"), "703073504"),
    ]
    assert order.total == Decimal("587.00")


def test_shopify_refunded_lines_never_reach_the_order():
    """The published order 450789469: two of its three lines are refunded (its `refunds`)."""
    order = shopify.parse(real_sample("shopify_order_get_450789469.json")).order
    assert [(line.sku, line.quantity, line.discount) for line in order.lines] == [("IPOD2008RED", 1, Decimal("3.33"))]
    # What is left: 199.00 − 3.33 + 3.98 tax = current_total_price, so review sees no gap.
    assert order.order_total == Decimal("199.65") == order.expected_total


def test_shopify_older_order_schema_without_allocations_or_money_sets():
    order = shopify.parse(real_sample("shopify_order_python_api_fixture.json")).order
    assert order.payment_status == PaymentStatus.UNPAID  # financial_status "authorized": not captured
    assert all(line.discount == 0 for line in order.lines)


def test_shopify_line_without_sku_is_identified_by_its_variant():
    body = webhook_sample("shopify")
    body["line_items"][0]["sku"] = ""
    channel_order = shopify.parse(body)
    assert channel_order.order.lines[0].sku == "variant:447654529"
    assert channel_order.sku_fields == ["line_items.0.variant_id"]


def test_shopify_cancelled_or_refunded_orders_are_not_orders_to_fulfil():
    body = webhook_sample("shopify")
    assert rejection(shopify.parse, {**body, "financial_status": "refunded"}).problems[0].field == "financial_status"
    refused = rejection(shopify.parse, {**body, "cancelled_at": "2025-04-02T12:00:00-05:00"})
    assert (refused.status, refused.problems[0].rule) == (422, "status_not_fulfillable")


def test_shopify_errors_name_shopifys_own_fields():
    body = webhook_sample("shopify")
    body["line_items"][0]["quantity"] = -1
    del body["created_at"]
    refused = rejection(shopify.parse, body)
    assert refused.status == 400
    assert {p.field for p in refused.problems} == {"line_items.0.quantity", "created_at"}


# --- Tmall / Taobao -------------------------------------------------------------------------


def test_tmall_trade_in_beijing_time_with_payment_per_sub_order():
    sample = webhook_sample("tmall")
    channel_order = tmall.parse(sample)
    order = channel_order.order
    assert order.external_id == "3912877612093451223"
    assert order.placed_at.isoformat() == "2026-11-11T00:00:21+08:00"
    assert [(l.sku, l.quantity, l.unit_price, l.discount) for l in order.lines] == [
        ("TM-LJ250", 2, Decimal("168.00"), Decimal("33.60")),
        ("TM-CUP6", 1, Decimal("89.00"), Decimal("8.90")),
    ]
    assert order.total == order.order_total == Decimal("382.50")
    assert (order.receiver.province, order.receiver.district, order.receiver.detail) == ("上海", "徐汇区", "漕河泾街道 宜山路700号 B2栋1201")
    assert order.invoice.title == "陈静" and order.invoice.kind == InvoiceKind.NORMAL
    assert channel_order.sku_fields == ["orders.order.0.outer_sku_id", "orders.order.1.outer_sku_id"]
    assert tmall.parse(sample["trade_fullinfo_get_response"]["trade"]) == channel_order  # the bare trade


def test_tmall_unpaid_or_closed_trades_are_refused_by_status():
    trade = webhook_sample("tmall")["trade_fullinfo_get_response"]["trade"]
    for status in ("WAIT_BUYER_PAY", "TRADE_CLOSED", "TRADE_FINISHED"):
        refused = rejection(tmall.parse, {**trade, "status": status})
        assert (refused.status, refused.problems[0].field) == (422, "status")


def test_tmall_sub_order_without_merchant_code_maps_by_platform_ids():
    trade = webhook_sample("tmall")["trade_fullinfo_get_response"]["trade"]
    trade["orders"]["order"][0]["outer_sku_id"] = ""
    channel_order = tmall.parse(trade)
    assert channel_order.order.lines[0].sku == "683104562231:4988123450012"
    assert channel_order.sku_fields[0] == "orders.order.0.sku_id"



def closed_cup(trade: dict, **cup: object) -> dict:
    """The sample trade (2 sub-orders) after its cup's sub-order was refunded before shipment."""
    trade = copy.deepcopy(trade)
    trade["orders"]["order"][1] |= {"status": "TRADE_CLOSED", "refund_id": 83120938472001234} | cup
    return trade


def test_tmall_sub_order_closed_before_shipment_is_left_out_and_its_refund_kept_for_after_sales():
    trade = webhook_sample("tmall")["trade_fullinfo_get_response"]["trade"]
    channel_order = tmall.parse(closed_cup(trade))
    order = channel_order.order
    assert [(l.sku, l.quantity) for l in order.lines] == [("TM-LJ250", 2)]  # the cup never ships
    assert order.order_total == order.expected_total == Decimal("382.50") - Decimal("80.10")  # payment still held the cup's
    assert channel_order.received_via["refunds_at_intake"] == "83120938472001234"
    assert channel_order.received_via["closed_sub_orders"] == str(trade["orders"]["order"][1]["oid"])
    assert channel_order.sku_fields == ["orders.order.0.outer_sku_id"]  # an unknown SKU is named by its own index
    closed_by_taobao = tmall.parse(closed_cup(trade, status="TRADE_CLOSED_BY_TAOBAO", refund_id=None))
    assert len(closed_by_taobao.order.lines) == 1 and "refunds_at_intake" not in closed_by_taobao.received_via


def test_tmall_payment_already_without_the_closed_sub_order_is_taken_as_it_is():
    trade = webhook_sample("tmall")["trade_fullinfo_get_response"]["trade"]
    order = tmall.parse({**closed_cup(trade), "payment": "302.40"}).order
    assert order.order_total == order.expected_total == Decimal("302.40")


def test_tmall_trade_whose_every_sub_order_is_closed_is_refused():
    trade = closed_cup(webhook_sample("tmall")["trade_fullinfo_get_response"]["trade"])
    trade["orders"]["order"][0]["status"] = "TRADE_CLOSED"
    refused = rejection(tmall.parse, trade)
    assert (refused.status, refused.problems[0].field, refused.problems[0].rule) == (422, "orders.order.status", "status_not_fulfillable")


def test_tmall_sub_order_with_a_refund_under_way_is_left_out_and_its_refund_shown_to_after_sales():
    """Decision 266: `refund_status` WAIT_SELLER_AGREE (the buyer asked), the sub-order still open."""
    trade = webhook_sample("tmall")["trade_fullinfo_get_response"]["trade"]
    refunding = closed_cup(trade, status="WAIT_SELLER_SEND_GOODS", refund_status="WAIT_SELLER_AGREE")
    channel_order = tmall.parse(refunding)
    assert [(l.sku, l.quantity) for l in channel_order.order.lines] == [("TM-LJ250", 2)]
    assert channel_order.order.order_total == Decimal("382.50") - Decimal("80.10")
    cup = str(trade["orders"]["order"][1]["oid"])
    assert channel_order.received_via["refunding_sub_orders"] == cup and "closed_sub_orders" not in channel_order.received_via
    assert channel_order.received_via["refunds_at_intake"] == "83120938472001234"
    [shown] = channel_order.refunds_shown
    assert (shown["refund_id"], shown["state"], shown["channel_status"], shown["lines"]) == ("83120938472001234", "requested", "WAIT_SELLER_AGREE", [{"line_id": cup, "sku": "TM-CUP6"}])
    for status in ("NO_REFUND", "SELLER_REFUSE_BUYER", "CLOSED"):  # nothing under way: it ships
        ships = tmall.parse(closed_cup(trade, status="WAIT_SELLER_SEND_GOODS", refund_status=status))
        assert len(ships.order.lines) == 2 and ships.refunds_shown == [] and "refunds_at_intake" not in ships.received_via
    # a refund oms cannot read from the trade (a merchant code too long for a refund's line) does not refuse the order
    odd = tmall.parse(closed_cup(trade, status="WAIT_SELLER_SEND_GOODS", refund_status="WAIT_SELLER_AGREE", outer_sku_id="X" * 300))
    assert len(odd.order.lines) == 1 and odd.refunds_shown == [] and odd.received_via["refunds_at_intake"] == "83120938472001234"
    # every open sub-order refunding: nothing is left out (after-sales cancels the order, or it ships if refused)
    refunding["orders"]["order"][0] |= {"refund_id": 83120938472001235, "refund_status": "WAIT_SELLER_AGREE"}
    whole = tmall.parse(refunding)
    assert len(whole.order.lines) == 2 and len(whole.refunds_shown) == 2 and "refunds_at_intake" not in whole.received_via


# --- JD -------------------------------------------------------------------------------------


def test_jd_order_with_string_numbers_and_a_coupon_on_one_sku():
    channel_order = jd.parse(webhook_sample("jd"))
    order = channel_order.order
    assert [(l.sku, l.quantity, l.unit_price, l.discount) for l in order.lines] == [
        ("JD-KETTLE1L", 1, Decimal("399.00"), Decimal("30.00")),
        ("100009871234", 1, Decimal("148.00"), Decimal("0.00")),
    ]
    assert order.total == order.order_total == Decimal("517.00")
    assert order.invoice.tax_id == "91110105MA01C8XY7H"
    assert channel_order.sku_fields == ["itemInfoList.0.outerSkuId", "itemInfoList.1.skuId"]
    # JD writes a municipality's district as `city` and its street as `county`.
    assert (order.receiver.province, order.receiver.city, order.receiver.district) == ("北京市", "北京市", "朝阳区")


def test_jd_cash_on_delivery_and_unshippable_states():
    sample = webhook_sample("jd")
    assert jd.parse({**sample, "payType": "1-货到付款"}).order.payment_status == PaymentStatus.CASH_ON_DELIVERY
    assert rejection(jd.parse, {**sample, "orderState": "TRADE_CANCELED"}).problems[0].field == "orderState"
    wrapped = {"jingdong_pop_order_get_responce": {"code": "0", "orderDetailInfo": {"orderInfo": sample}}}
    assert jd.parse(wrapped) == jd.parse(sample)


# --- Douyin ---------------------------------------------------------------------------------


def test_douyin_amounts_in_fen_become_yuan_exactly():
    channel_order = douyin.parse(webhook_sample("douyin"))
    order = channel_order.order
    assert [(l.sku, l.quantity, l.unit_price, l.discount) for l in order.lines] == [
        ("DY-LJ250", 1, Decimal("168.00"), Decimal("16.80")),
        ("1768723372738576", 2, Decimal("84.00"), Decimal("9.60")),
    ]
    assert order.total == order.order_total == Decimal("309.60")
    assert order.placed_at == datetime(2026, 11, 10, 16, 1, 30, tzinfo=timezone.utc)  # 00:01:30 in Beijing
    assert (order.receiver.province, order.receiver.city, order.receiver.district) == ("广东省", "深圳市", "南山区")


def test_douyin_amount_that_is_not_whole_fen_is_refused():
    detail = webhook_sample("douyin")["data"]["shop_order_detail"]
    detail["sku_order_list"][0]["origin_amount"] = 168.5
    refused = rejection(douyin.parse, detail)
    assert refused.problems[0].field == "sku_order_list.0.origin_amount"


# --- partner events (EventBridge partner source) ----------------------------------------------


def test_shopify_order_event_from_the_partner_source_is_the_shopify_order():
    event = partner_event(payload=webhook_sample("shopify"))
    channel_order = partner_events.parse(event)
    assert channel_order.order == shopify.parse(webhook_sample("shopify")).order  # same id: one order
    assert channel_order.sku_fields == ["detail.payload.line_items.0.sku"]
    assert channel_order.received_via["shop"] == "oms-demo-tea.myshopify.com"


def test_the_published_partner_envelope_carries_a_product_topic_not_an_order():
    refused = rejection(partner_events.parse, real_sample("eventbridge_partner_event.json"))
    assert (refused.status, refused.problems[0].rule) == (422, "not_an_order_topic")


def test_partner_payload_errors_are_named_inside_the_event():
    body = webhook_sample("shopify")
    body["line_items"][0]["price"] = "abc"
    refused = rejection(partner_events.parse, partner_event(payload=body))
    assert refused.problems[0].field == "detail.payload.line_items.0.price"
    assert rejection(partner_events.parse, {**partner_event(), "source": "aws.partner/zendesk.com/1/x"}).problems[0].rule == "unknown_partner"


# --- what the total holds besides the lines: freight, tax, order-level coupons, the country ---


@pytest.mark.parametrize("name", ["shopify_order_get_450789469.json", "shopify_orders_create.json"])
def test_shopify_published_orders_add_up_with_tax_shipping_and_country(name):
    order = shopify.parse(real_sample(name)).order
    assert order.expected_total == order.order_total  # lines + shipping + tax − unallocated discounts
    assert order.receiver.country in ("US", "CA") and order.currency == "USD"


def test_shopify_shipping_and_sales_tax_outside_the_prices_are_charges():
    sample = webhook_sample("shopify")
    body = sample.get("order", sample)
    money = {"shop_money": {"amount": "9.90", "currency_code": "USD"}}
    order = shopify.parse({**body, "total_shipping_price_set": money, "total_tax": "4.12", "taxes_included": False, "total_price": "195.11"}).order
    assert (order.shipping_fee, [(c.kind, c.amount) for c in order.charges]) == (Decimal("9.90"), [("tax", Decimal("4.12"))])
    assert order.expected_total == order.order_total == Decimal("195.11")
    included = shopify.parse({**body, "total_tax": "4.12", "taxes_included": True}).order
    assert included.charges == []  # the prices already hold the tax


def test_tmall_post_fee_is_shipping_and_leaves_the_only_sub_orders_payment():
    trade = webhook_sample("tmall")["trade_fullinfo_get_response"]["trade"]
    both = tmall.parse({**trade, "post_fee": "12.00", "payment": "394.50"}).order
    assert (both.shipping_fee, both.expected_total, both.order_total) == (Decimal("12.00"), Decimal("394.50"), Decimal("394.50"))
    only = {**trade["orders"]["order"][0], "payment": str(Decimal("302.40") + 10)}  # one sub-order: its payment holds the freight
    single = tmall.parse({**trade, "post_fee": "10.00", "payment": "312.40", "orders": {"order": [only]}}).order
    assert (single.lines[0].discount, single.expected_total) == (Decimal("33.60"), Decimal("312.40"))


def test_jd_freight_and_order_level_coupons():
    sample = webhook_sample("jd")
    order = jd.parse({**sample, "freightPrice": "6.00", "couponDetailList": [*sample["couponDetailList"], {"couponPrice": "20.00"}], "orderPayment": "503.00"}).order
    assert (order.shipping_fee, order.order_discount, order.expected_total) == (Decimal("6.00"), Decimal("20.00"), Decimal("503.00"))


def test_douyin_post_amount_is_shipping_in_fen():
    document = webhook_sample("douyin")
    detail = document["data"]["shop_order_detail"]
    detail.update(post_amount=800, pay_amount=detail["pay_amount"] + 800)
    order = douyin.parse(document).order
    assert (order.shipping_fee, order.expected_total, order.order_total) == (Decimal("8.00"), Decimal("317.60"), Decimal("317.60"))


def test_shopify_keeps_the_buyers_email_for_notices_and_drops_one_that_is_no_address():
    """Decision 126: the published orders' `email` (or `contact_email`) reaches the canonical buyer."""
    assert shopify.parse(real_sample("shopify_orders_create.json")).order.buyer.email == "jane@example.com"
    document = real_sample("shopify_order_get_450789469.json")["order"]
    assert shopify.parse(document).order.buyer.email == "bob.norman@mail.example.com"
    assert shopify.parse({**document, "email": None}).order.buyer.email == "bob.norman@mail.example.com"  # contact_email
    assert shopify.parse({**document, "email": "not an address", "contact_email": None}).order.buyer.email is None


def test_each_webhook_channel_names_its_adapter_with_the_adapter_s_own_channel_and_header():
    """shared/channels lists the webhook channels without importing their adapters (decision 158):
    the list's channel and signature header must be the adapter's."""
    from importlib import import_module

    from shared.channels import WEBHOOK_CHANNELS

    for webhook in WEBHOOK_CHANNELS:
        adapter = import_module(f"shared.channels.{webhook.module}")
        assert (adapter.CHANNEL, adapter.SIGNATURE_HEADER) == (webhook.channel, webhook.signature_header)


def test_listing_the_channels_loads_no_adapter():
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = "import json, sys; import shared.channels, shared.aftersales.inbound; print(json.dumps(sorted(m for m in sys.modules if m.startswith('shared.channels.'))))"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(root)}, cwd=root, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert loaded == []


def test_shopify_receiver_without_a_phone_of_its_own_takes_the_orders_contact_phone():
    """A shipping address's phone is optional at Shopify's checkout: the published order 1073459981
    carries its contact phone on the order (`phone`). Dropped, review rejected the order as
    'receiver address is missing: phone' (address.complete, REJECT)."""
    body = webhook_sample("shopify")
    assert body["phone"] == "+18885551234"
    order = shopify.parse({**body, "shipping_address": {**body["shipping_address"], "phone": None}}).order
    assert order.receiver.phone == "+18885551234"
    assert shopify.parse(body).order.receiver.phone == "777-777-7777"  # the address's own phone first
    nothing = shopify.parse({**body, "phone": None, "shipping_address": {**body["shipping_address"], "phone": None}}).order
    assert nothing.receiver.phone == ""


def test_shopify_tip_inside_total_price_is_a_charge():
    """Shopify's total_price is "the sum of all line item prices, discounts, shipping, taxes, and
    tips" (`total_tip_received`, "0.00" in the published orders). A tip left out made every order
    with one a total mismatch, held by price.total.consistent."""
    body = webhook_sample("shopify")
    assert body["total_tip_received"] == "0.00"
    assert shopify.parse(body).order.charges == []
    order = shopify.parse({**body, "total_tip_received": "5.00", "total_price": "186.09"}).order
    assert [(c.kind, c.amount) for c in order.charges] == [("tip", Decimal("5.00"))]
    assert order.expected_total == order.order_total == Decimal("186.09")
