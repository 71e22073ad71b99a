"""The default rule set over single orders: each check, with the reference data of the seed."""

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from local.seed import review_reference
from shared.orders import OrderIn
from shared.recent_orders import RecentOrder, RecentOrders
from shared.review import Decision, ReviewContext, Severity, review

REFERENCE = review_reference().data()
VALID_TAX_ID = "91350100M000100Y43"  # the example code of GB 32100-2015


def order(base: dict, **changes) -> OrderIn:
    return OrderIn.model_validate({**base, **changes})


def reviewed(base: dict, recent: RecentOrders | None = None, **changes):
    return review(order(base, **changes), context=ReviewContext(REFERENCE, recent or RecentOrders()))


def fired(result) -> dict[str, Severity]:
    return {f.rule_id: f.severity for f in result.findings}


def with_line(base: dict, **line) -> list[dict]:
    return [{**base["lines"][0], **line}]


def test_clean_order_is_approved_without_findings(shanghai_order):
    result = reviewed(shanghai_order)
    assert (result.decision, result.findings, result.rule_set_version) == (Decision.APPROVED, [], 0)


# -- price ---------------------------------------------------------------------------------


def test_zero_price_is_rejected_with_reasons_in_both_languages(shanghai_order):
    result = reviewed(shanghai_order, lines=with_line(shanghai_order, unit_price="0.00", discount="0.00"))
    assert result.decision == Decision.REJECTED
    [finding] = [f for f in result.findings if f.rule_id == "line.price.positive"]
    assert finding.reason_en == "line 1 (TEA-LONGJING-250G): unit price 0.00 CNY is not positive"
    assert finding.reason_zh == "第1行（TEA-LONGJING-250G）：单价 0.00 不是正数"


def test_zero_quantity_is_refused_at_the_door_and_rejected_if_stored_before(shanghai_order):
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        order(shanghai_order, lines=[{**shanghai_order["lines"][1], "quantity": 0}])
    stored_before = order(shanghai_order, lines=[shanghai_order["lines"][1]])
    stored_before.lines[0] = stored_before.lines[0].model_copy(update={"quantity": 0})  # stored when the door let 0 in
    result = review(stored_before, context=ReviewContext(REFERENCE, RecentOrders()))
    assert result.decision == Decision.REJECTED
    assert fired(result) == {"line.quantity.positive": Severity.REJECT}


def test_net_price_below_the_floor_is_held_naming_line_and_floor(shanghai_order):
    lines = [shanghai_order["lines"][1], {"sku": "TEA-LONGJING-250G", "quantity": 1, "unit_price": "120.00"}]
    result = reviewed(shanghai_order, lines=lines)
    assert result.decision == Decision.ON_HOLD
    [finding] = result.findings
    assert finding.rule_id == "price.below_floor"
    assert finding.reason_en == "line 2 (TEA-LONGJING-250G): net unit price 120.00 is below the floor 130.00"


def test_a_discount_can_push_the_net_price_below_the_floor(shanghai_order):
    # 2 × 168 − 80 = 256, so 128 a unit: under the 130 floor although the unit price is listed.
    result = reviewed(shanghai_order, lines=with_line(shanghai_order, quantity=2, unit_price="168.00", discount="80.00"))
    assert "price.below_floor" in fired(result)


def test_price_above_the_ceiling_is_held(shanghai_order):
    assert fired(reviewed(shanghai_order, lines=with_line(shanghai_order, unit_price="268.00", discount="0")))["price.above_ceiling"] == Severity.HOLD


def test_discount_above_the_general_limit_and_above_the_skus_own_limit(shanghai_order):
    general = reviewed(shanghai_order, lines=with_line(shanghai_order, sku="TEA-LONGJING-250G", quantity=10, unit_price="200.00", discount="700.00"))
    assert "price.discount.limit" in fired(general)  # 35% > 30%
    assert "discount 35% is above the limit of 30%" in general.findings[0].reason_en
    kettle = reviewed(shanghai_order, lines=with_line(shanghai_order, sku="KETTLE-IRON-1L", quantity=1, unit_price="480.00", discount="96.00"))
    assert fired(kettle) == {"price.discount.sku_limit": Severity.HOLD}  # 20% > the kettle's 15%


def test_declared_total_must_match_the_lines(shanghai_order):
    assert "price.total.consistent" not in fired(reviewed(shanghai_order, order_total="405.00"))  # 2×168−20+89
    result = reviewed(shanghai_order, order_total="395.00")
    assert fired(result) == {"price.total.consistent": Severity.HOLD}
    assert result.findings[0].reason_zh == "订单总额 395.00 与应付 405.00（明细 405.00 + 运费 0.00 + 其他费用 0.00 − 订单优惠 0.00）不一致"


def test_an_sku_missing_from_the_price_list_is_only_flagged(shanghai_order):
    result = reviewed(shanghai_order, lines=with_line(shanghai_order, sku="NEW-SKU-2027"))
    assert (result.decision, fired(result)) == (Decision.APPROVED, {"price.unlisted_sku": Severity.FLAG})


# -- credit and payment --------------------------------------------------------------------


def b2b(base: dict, buyer_id: str, quantity: int, payment: str = "UNPAID") -> dict:
    return {
        "buyer": {"buyer_id": buyer_id, "customer_type": "B2B"},
        "payment_status": payment,
        "lines": [{"sku": "TEA-PUER-357G", "quantity": quantity, "unit_price": "298.00"}],
    }


def test_b2b_order_on_credit_over_the_limit_is_held(shanghai_order):
    within = reviewed(shanghai_order, **b2b(shanghai_order, "B2B-MINGDE", 5))  # 47,800 + 1,490 ≤ 50,000
    assert within.decision == Decision.APPROVED
    over = reviewed(shanghai_order, **b2b(shanghai_order, "B2B-MINGDE", 10))  # 47,800 + 2,980 > 50,000
    assert fired(over) == {"credit.limit": Severity.HOLD}
    assert over.findings[0].reason_en == "credit limit exceeded: outstanding 47800.00 plus this order 2980.00 is above the limit 50000.00"


def test_b2b_order_paid_upfront_does_not_use_credit(shanghai_order):
    assert reviewed(shanghai_order, **b2b(shanghai_order, "B2B-MINGDE", 10, payment="PAID")).decision == Decision.APPROVED


def test_b2b_buyer_without_a_credit_account_is_held_when_unpaid(shanghai_order):
    assert fired(reviewed(shanghai_order, **b2b(shanghai_order, "B2B-UNKNOWN", 10))) == {"credit.no_account": Severity.HOLD}


@pytest.mark.parametrize(("payment", "decision"), [("UNPAID", Decision.ON_HOLD), ("COD", Decision.APPROVED), ("PAID", Decision.APPROVED)])
def test_unpaid_consumer_orders_are_not_released_unless_cash_on_delivery(shanghai_order, payment, decision):
    assert reviewed(shanghai_order, payment_status=payment).decision == decision


# -- invoice -------------------------------------------------------------------------------


def test_valid_vat_invoice_passes(shanghai_order):
    invoice = {"kind": "vat_special", "title": "上海某某贸易有限公司", "tax_id": VALID_TAX_ID, "amount": "405.00"}
    assert reviewed(shanghai_order, invoice=invoice).findings == []


def test_invoice_without_title_with_a_bad_checksum_and_a_wrong_amount(shanghai_order):
    bad_check = VALID_TAX_ID[:-1] + "4"
    result = reviewed(shanghai_order, invoice={"kind": "vat_special", "title": " ", "tax_id": bad_check, "amount": "500.00"})
    assert fired(result) == {"invoice.title.present": Severity.HOLD, "invoice.tax_id.valid": Severity.HOLD, "invoice.amount.matches": Severity.HOLD}
    assert f"unified social credit code {bad_check} is invalid" in result.findings[1].reason_en


def test_vat_special_invoice_needs_a_tax_id(shanghai_order):
    assert fired(reviewed(shanghai_order, invoice={"kind": "vat_special", "title": "某公司"})) == {"invoice.tax_id.required": Severity.HOLD}


# -- address -------------------------------------------------------------------------------


def test_missing_address_is_rejected_naming_what_is_missing(shanghai_order):
    result = reviewed(shanghai_order, receiver=None)
    assert result.decision == Decision.REJECTED
    assert result.findings[0].reason_en == "receiver address is missing: name, phone, province, city, detail"
    partial = {**shanghai_order["receiver"], "phone": " ", "detail": ""}
    finding = reviewed(shanghai_order, receiver=partial).findings[0]
    assert finding.reason_en.endswith("phone, detail") and finding.reason_zh == "收货地址缺少：电话、详细地址"


def test_unknown_province_is_held_for_a_person(shanghai_order):
    result = reviewed(shanghai_order, receiver={**shanghai_order["receiver"], "province": "Ontario"})
    assert result.decision == Decision.ON_HOLD
    assert result.findings[0].rule_id == "address.province.known"


@pytest.mark.parametrize(
    ("province", "city", "district", "rule"),
    [("浙江省", "广州市", "天河区", "address.city.in_province"), ("广东", "广州", "西湖区", "address.district.in_city")],
)
def test_city_and_district_must_belong_to_the_province_and_city(shanghai_order, province, city, district, rule):
    receiver = {**shanghai_order["receiver"], "province": province, "city": city, "district": district}
    assert fired(reviewed(shanghai_order, receiver=receiver)) == {rule: Severity.HOLD}


@pytest.mark.parametrize("phone", ["1380013800", "+1 123 555 0142", "0755-123"])
def test_phone_must_be_a_chinese_mobile_or_landline(shanghai_order, phone):
    assert fired(reviewed(shanghai_order, receiver={**shanghai_order["receiver"], "phone": phone})) == {"address.phone.format": Severity.HOLD}


def test_remote_area_is_flagged_and_still_approved(shanghai_order):
    receiver = {**shanghai_order["receiver"], "province": "西藏", "city": "拉萨市", "district": "城关区"}
    result = reviewed(shanghai_order, receiver=receiver)
    assert (result.decision, fired(result)) == (Decision.APPROVED, {"address.remote": Severity.FLAG})


# -- risk ----------------------------------------------------------------------------------


def test_blacklisted_buyer_is_rejected_and_phone_or_address_held(shanghai_order):
    assert reviewed(shanghai_order, buyer={"buyer_id": "jd_fraud_ring_01"}).decision == Decision.REJECTED
    phone = {**shanghai_order["receiver"], "phone": "+86 170 0000 0000"}
    assert fired(reviewed(shanghai_order, receiver=phone)) == {"risk.blacklist.phone": Severity.HOLD, "address.phone.fake": Severity.HOLD}
    # The blacklisted warehouse, written another way (short province, full-width digit, spaces).
    address = {**shanghai_order["receiver"], "province": "广东", "city": "深圳市", "district": "宝安区", "detail": "福永街道凤凰工业区 ８栋 仓库"}
    assert fired(reviewed(shanghai_order, receiver=address)) == {"risk.blacklist.address": Severity.HOLD}


def test_quantity_far_above_the_skus_or_the_buyers_usual_is_held(shanghai_order):
    sku = reviewed(shanghai_order, buyer={"buyer_id": "C-NEW"}, lines=with_line(shanghai_order, quantity=210, discount="0"))
    assert fired(sku) == {"risk.quantity.sku": Severity.HOLD}
    assert "quantity 210 is 10.5 times the SKU's usual 20" in sku.findings[0].reason_en
    buyer = reviewed(shanghai_order, lines=with_line(shanghai_order, quantity=31, discount="0"))  # C-10086 usually buys 3
    assert fired(buyer) == {"risk.quantity.buyer": Severity.HOLD}


# -- other recent orders -------------------------------------------------------------------


def recent(base: dict, external_id: str, minutes_before: int, status: str = "RECEIVED", **changes) -> RecentOrder:
    other = order(base, external_id=external_id, **changes)
    other = other.model_copy(update={"placed_at": other.placed_at - timedelta(minutes=minutes_before)})
    return RecentOrder.of(other.order_id, other, status)


def test_same_buyer_same_lines_shortly_before_is_a_duplicate(shanghai_order):
    twin = recent(shanghai_order, "SHOP-TWIN", minutes_before=5)
    result = reviewed(shanghai_order, recent=RecentOrders([twin]))
    assert fired(result)["duplicate.same_lines"] == Severity.HOLD
    assert twin.order_id in result.findings[0].reason_en
    old_twin = recent(shanghai_order, "SHOP-OLD", minutes_before=13 * 60, status="RELEASED")
    assert "duplicate.same_lines" not in fired(reviewed(shanghai_order, recent=RecentOrders([old_twin])))


def test_unreleased_order_of_the_same_buyer_address_and_channel_is_a_merge_candidate(shanghai_order):
    other = recent(shanghai_order, "SHOP-OTHER", minutes_before=120, lines=with_line(shanghai_order, sku="CUP-CELADON-6PK", unit_price="89.00", discount="0"))
    result = reviewed(shanghai_order, recent=RecentOrders([other]))
    assert (result.decision, fired(result)) == (Decision.APPROVED, {"merge.candidate": Severity.FLAG})
    released = other.model_copy(update={"status": "RELEASED"})
    assert reviewed(shanghai_order, recent=RecentOrders([released])).findings == []


def test_many_orders_to_one_address_within_the_window_are_held(shanghai_order):
    skus = ["CUP-CELADON-6PK", "KETTLE-IRON-1L", "TEA-PUER-357G", "TRAY-BAMBOO-L", "TEA-BAIHAO-100G"]
    others = [
        recent(shanghai_order, f"X-{i}", minutes_before=10 * i, buyer={"buyer_id": f"C-{i}"}, receiver={**shanghai_order["receiver"], "phone": f"1390000{i:04d}"},
               lines=[{"sku": sku, "quantity": 1, "unit_price": "100.00"}])
        for i, sku in enumerate(skus, start=1)
    ]  # fmt: skip
    assert fired(reviewed(shanghai_order, recent=RecentOrders(others))) == {"risk.address.burst": Severity.HOLD}
    assert "risk.address.burst" not in fired(reviewed(shanghai_order, recent=RecentOrders(others[:4])))


def test_the_same_lines_from_another_account_to_one_address_is_a_burst_from_its_second_order(shanghai_order):
    other_account = recent(shanghai_order, "X-1", minutes_before=12, buyer={"buyer_id": "C-9"}, receiver={**shanghai_order["receiver"], "phone": "13900001111"})
    assert fired(reviewed(shanghai_order, recent=RecentOrders([other_account]))) == {"risk.address.burst": Severity.HOLD}


def test_reject_outweighs_hold(shanghai_order):
    receiver = {**shanghai_order["receiver"], "province": "Ontario"}
    result = reviewed(shanghai_order, receiver=receiver, lines=[{**shanghai_order["lines"][1], "unit_price": "0.00"}])
    assert result.decision == Decision.REJECTED
    assert {f.rule_id for f in result.findings} == {"address.province.known", "line.price.positive"}


def test_placed_at_is_compared_across_time_zones(shanghai_order):
    # 00:00:05+08:00 is 16:00:05 UTC the day before: five minutes apart, not eight hours.
    twin = recent(shanghai_order, "SHOP-UTC", minutes_before=0)
    twin = twin.model_copy(update={"placed_at": datetime.fromisoformat("2026-11-10T15:55:05+00:00")})
    assert "duplicate.same_lines" in fired(reviewed(shanghai_order, recent=RecentOrders([twin])))


def test_the_recent_order_keys_built_once_are_the_keys_each_function_gives(shanghai_order):
    # RecentOrder.of and index_attributes fingerprint the address once and build the receiver key on it
    from shared.recent_orders import address_key, index_attributes, lines_key, receiver_key

    for changes in ({}, {"receiver": {**shanghai_order["receiver"], "phone": "+86 138-0013-8000", "detail": "  南京西路 1 号 "}}, {"receiver": {**shanghai_order["receiver"], "detail": ""}}):
        o = order(shanghai_order, **changes)
        recent = RecentOrder.of("OMS-1", o, "APPROVED")
        assert (recent.address_key, recent.receiver_key, recent.lines_key) == (address_key(o), receiver_key(o), lines_key(o))
        attributes = index_attributes("OMS-1", o, "2026-11-11T00:00:00Z")
        assert attributes.get("address_key") == address_key(o) and attributes.get("receiver_key") == receiver_key(o)
    assert RecentOrder.of("OMS-1", order(shanghai_order), "APPROVED").receiver_key is not None
