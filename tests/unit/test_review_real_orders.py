"""What real orders carry and what real operations see: gifts, shipping and charges in the total,
foreign currencies and destinations, Hong Kong / Macau / Taiwan phones, full-width forms, province
variants, undeliverable detail lines, placeholder phones and names, customs ID numbers, invoices
whose credit code belongs to another company, business buyers judged by their credit, and the
same order arriving on two channels."""

from datetime import timedelta

import pytest

from local.seed import review_reference
from shared.orders import OrderIn
from shared.recent_orders import RecentOrder, RecentOrders
from shared.reference import FxRate, ReferenceData
from shared.review import Decision, ReviewContext, Severity, review

REFERENCE = review_reference().data()


def order(base: dict, **changes) -> OrderIn:
    return OrderIn.model_validate({**base, **changes})


def reviewed(base: dict, recent: RecentOrders | None = None, reference: ReferenceData = REFERENCE, **changes):
    return review(order(base, **changes), context=ReviewContext(reference, recent or RecentOrders()))


def fired(result) -> dict[str, Severity]:
    return {f.rule_id: f.severity for f in result.findings}


def receiver(base: dict, **changes) -> dict:
    return {**base["receiver"], **changes}


# -- money: gifts, shipping, charges, coupons, currencies ------------------------------------


def test_a_gift_at_price_zero_or_fully_discounted_passes_when_the_platform_marks_it(shanghai_order):
    free = {"sku": "TRAY-BAMBOO-L", "quantity": 1, "unit_price": "0.00", "gift": True}
    discounted = {"sku": "CUP-CELADON-6PK", "quantity": 1, "unit_price": "89.00", "discount": "89.00", "gift": True}
    assert reviewed(shanghai_order, lines=[*shanghai_order["lines"], free, discounted]).findings == []
    unmarked = reviewed(shanghai_order, lines=[*shanghai_order["lines"], {**free, "gift": False}])
    assert (unmarked.decision, fired(unmarked)) == (Decision.REJECTED, {"line.price.positive": Severity.REJECT})


def test_an_order_of_gifts_only_is_held(shanghai_order):
    result = reviewed(shanghai_order, lines=[{"sku": "TRAY-BAMBOO-L", "quantity": 2, "unit_price": "0.00", "gift": True}])
    assert fired(result) == {"price.gift.without_purchase": Severity.HOLD}


def test_the_declared_total_is_lines_plus_shipping_plus_charges_minus_the_order_discount(shanghai_order):
    parts = {"shipping_fee": "12.00", "charges": [{"kind": "insurance", "amount": "3.00"}], "order_discount": "20.00"}
    assert reviewed(shanghai_order, order_total="400.00", **parts).findings == []  # 405 + 12 + 3 − 20
    wrong = reviewed(shanghai_order, order_total="405.00", **parts)
    assert fired(wrong) == {"price.total.consistent": Severity.HOLD}
    assert "lines 405.00 + shipping 12.00 + charges 3.00 − order discount 20.00" in wrong.findings[0].reason_en


def houston(base: dict, **changes) -> dict:
    usd = {
        "channel": "shopify",
        "currency": "USD",
        "receiver": {"name": "Emily Chen", "phone": "+1 713-555-0142", "country": "US", "province": "TX", "city": "Houston", "detail": "1200 Main St", "postal_code": "77002"},
        "lines": [{"sku": "TEA-LONGJING-250G", "quantity": 2, "unit_price": "24.99"}],
        "shipping_fee": "9.90",
        "charges": [{"kind": "tax", "amount": "4.12"}],
        "order_total": "64.00",
    }
    return {**base, **usd, **changes}


def test_a_usd_order_to_houston_is_checked_in_its_currency_and_its_countrys_rules(shanghai_order):
    assert reviewed(houston(shanghai_order)).findings == []
    cheap = reviewed(houston(shanghai_order, lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2, "unit_price": "2.49"}], order_total="18.99"))
    assert fired(cheap) == {"price.below_floor": Severity.HOLD}
    assert "below the floor 18.26" in cheap.findings[0].reason_en  # 130.00 CNY at 7.12


def test_an_overseas_state_or_postal_code_that_does_not_exist_there_is_held(shanghai_order):
    bad_zip = houston(shanghai_order)
    bad_zip["receiver"] = {**bad_zip["receiver"], "postal_code": "7700"}
    assert fired(reviewed(bad_zip)) == {"address.overseas.postal_code": Severity.HOLD}
    bad_state = houston(shanghai_order)
    bad_state["receiver"] = {**bad_state["receiver"], "province": "Texsa"}
    assert fired(reviewed(bad_state)) == {"address.overseas.region": Severity.HOLD}


def test_a_currency_without_a_rate_is_held_and_an_old_rate_is_flagged(shanghai_order):
    assert fired(reviewed(houston(shanghai_order, currency="BRL"))) == {"price.currency.no_rate": Severity.HOLD}
    stale = ReferenceData.of(REFERENCE.prices.values(), fx_rates=[FxRate(currency="USD", rate="7.12", as_of="2026-10-01")])
    assert fired(reviewed(houston(shanghai_order), reference=stale)) == {"price.currency.stale_rate": Severity.FLAG}


# -- address: normalisation before the checks -----------------------------------------------


@pytest.mark.parametrize(
    ("province", "city", "district", "phone"),
    [
        ("香港特别行政区", "九龙", "油尖旺区", "+852 9123 4567"),
        ("香港", "新界", "沙田区", "51234567"),
        ("澳门特别行政区", "澳门半岛", "", "(853) 6612 3456"),
        ("台湾省", "台北市", "大安区", "0912-345-678"),
        ("台湾", "台北市", "信义区", "(02) 2345-6789"),
        ("上海市", "上海市", "浦东新区", "１３８００１３８０００"),
        ("内蒙", "呼和浩特市", "新城区", "13800138000"),
        ("广西省", "南宁市", "青秀区", "0771-5555555转12"),
        ("宁夏回族", "银川", "兴庆区", "0086 138 0013 8000"),
        ("江苏省", "苏州市", "工业园区", "13800138000"),
    ],
)
def test_real_ways_of_writing_a_good_address_pass(shanghai_order, province, city, district, phone):
    result = reviewed(shanghai_order, receiver=receiver(shanghai_order, province=province, city=city, district=district, phone=phone))
    assert result.findings == []


@pytest.mark.parametrize(
    ("detail", "problem"),
    [("门店自提", "pickup"), ("到店自提", "pickup"), ("邮政信箱2048号", "po_box"), ("P.O. Box 1234", "po_box"), ("详见备注", "see_note"), ("地址见留言", "see_note"), ("123", "no_place"), ("８", "no_place")],
)
def test_a_detail_line_nobody_can_deliver_to_is_held(shanghai_order, detail, problem):
    result = reviewed(shanghai_order, receiver=receiver(shanghai_order, detail=detail))
    assert fired(result) == {"address.detail.deliverable": Severity.HOLD}
    assert f"({problem})" in result.findings[0].reason_en


@pytest.mark.parametrize("phone", ["00000000000", "11111111111", "12345678901", "13800000000", "０００００００００００"])
def test_a_placeholder_phone_is_held_as_fake_not_passed_as_a_landline(shanghai_order, phone):
    assert fired(reviewed(shanghai_order, receiver=receiver(shanghai_order, phone=phone))) == {"address.phone.fake": Severity.HOLD}


@pytest.mark.parametrize(("name", "readable"), [("🌸🌸", False), ("😊", False), ("★★", False), ("Tom Li", True), ("欧阳娜娜", True), ("小王😊", True)])
def test_a_receiver_name_without_letters_is_held(shanghai_order, name, readable):
    result = reviewed(shanghai_order, receiver=receiver(shanghai_order, name=name))
    assert fired(result) == ({} if readable else {"address.name.readable": Severity.HOLD})


# -- customs, invoices, business buyers -----------------------------------------------------


def test_a_cross_border_parcel_needs_a_valid_id_number(shanghai_order):
    buyer = {**shanghai_order["buyer"], "id_number": "11010519491231002X"}  # the standard's example
    assert reviewed(shanghai_order, cross_border=True, buyer=buyer).findings == []
    assert fired(reviewed(shanghai_order, cross_border=True)) == {"customs.id_number.required": Severity.HOLD}
    wrong = {**buyer, "id_number": "110105194912310021"}
    assert fired(reviewed(shanghai_order, cross_border=True, buyer=wrong)) == {"customs.id_number.valid": Severity.HOLD}


def test_a_valid_credit_code_with_another_companys_name_is_held(shanghai_order):
    invoice = {"kind": "vat_special", "title": "杭州云和茶业有限公司", "tax_id": "91330100MA27Y8K3XM", "amount": "405.00"}
    assert reviewed(shanghai_order, invoice=invoice).findings == []
    assert reviewed(shanghai_order, invoice={**invoice, "title": "杭州云和茶业有限公司 "}).findings == []
    other = reviewed(shanghai_order, invoice={**invoice, "title": "深圳明德商贸有限公司"})
    assert fired(other) == {"invoice.tax_id.company": Severity.HOLD}


def test_a_distributors_bulk_order_is_judged_by_its_credit_not_a_consumers_quantity(shanghai_order):
    bulk = [{"sku": "TEA-PUER-357G", "quantity": 150, "unit_price": "298.00"}]  # 15× a consumer's usual 10
    distributor = reviewed(shanghai_order, buyer={"buyer_id": "B2B-YUNHE", "customer_type": "B2B"}, payment_status="UNPAID", lines=bulk)
    assert distributor.findings == []
    consumer = reviewed(shanghai_order, buyer={"buyer_id": "C-NEW"}, lines=bulk)
    assert fired(consumer) == {"risk.quantity.sku": Severity.HOLD}
    over = reviewed(shanghai_order, buyer={"buyer_id": "B2B-YUNHE", "customer_type": "B2B"}, payment_status="UNPAID", lines=[{**bulk[0], "quantity": 450}])
    assert fired(over) == {"credit.limit": Severity.HOLD}


# -- the same order on two channels ---------------------------------------------------------


def test_the_same_receiver_and_lines_on_another_channel_hours_later_is_a_duplicate(shanghai_order):
    first = order(shanghai_order, channel="tmall", external_id="3021", buyer={"buyer_id": "tb_0001"})
    rekeyed = order(shanghai_order, channel="erp", external_id="ERP-3021", buyer={"buyer_id": "ERP-C-77"},
                    receiver=receiver(shanghai_order, phone="+86 138-0013-8000", detail=shanghai_order["receiver"]["detail"].replace(" ", "")))  # fmt: skip
    rekeyed = rekeyed.model_copy(update={"placed_at": first.placed_at + timedelta(hours=4)})
    recent = RecentOrders([RecentOrder.of(first.order_id, first, "APPROVED")])
    result = review(rekeyed, context=ReviewContext(REFERENCE, recent))
    assert fired(result) == {"duplicate.same_lines": Severity.HOLD, "merge.candidate": Severity.FLAG}
    assert first.order_id in result.findings[0].reason_en


def test_stored_orders_keep_their_fingerprint_when_the_new_fields_hold_their_defaults(shanghai_order):
    plain = order(shanghai_order)
    assert '"shipping_fee"' not in plain.model_dump_json(exclude=plain._later_fields_at_default())
    assert plain.content_fingerprint() != order(shanghai_order, shipping_fee="1.00").content_fingerprint()
    assert plain.content_fingerprint() == order(shanghai_order, shipping_fee="0.00", charges=[], cross_border=False).content_fingerprint()
