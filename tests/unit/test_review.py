from shared.orders import OrderIn
from shared.review import Decision, review


def order(base: dict, **changes) -> OrderIn:
    return OrderIn.model_validate({**base, **changes})


def test_clean_order_is_approved_without_findings(shanghai_order):
    result = review(order(shanghai_order))
    assert result.decision == Decision.APPROVED
    assert result.findings == []


def test_zero_price_is_rejected_with_reasons_in_both_languages(shanghai_order):
    lines = [{**shanghai_order["lines"][0], "unit_price": "0.00", "discount": "0.00"}]
    result = review(order(shanghai_order, lines=lines))
    assert result.decision == Decision.REJECTED
    [finding] = result.findings
    assert finding.rule_id == "line.price.positive"
    assert "unit price 0.00 CNY" in finding.reason_en and "单价" in finding.reason_zh


def test_zero_quantity_is_rejected(shanghai_order):
    lines = [{**shanghai_order["lines"][1], "quantity": 0}]
    result = review(order(shanghai_order, lines=lines))
    assert result.decision == Decision.REJECTED
    assert [f.rule_id for f in result.findings] == ["line.quantity.positive"]


def test_missing_address_is_rejected_naming_what_is_missing(shanghai_order):
    result = review(order(shanghai_order, receiver=None))
    assert result.decision == Decision.REJECTED
    assert "name, phone, province, city, detail" in result.findings[0].reason_en
    partial = {**shanghai_order["receiver"], "phone": " ", "detail": ""}
    finding = review(order(shanghai_order, receiver=partial)).findings[0]
    assert finding.reason_en.endswith("phone, detail") and "电话、详细地址" in finding.reason_zh


def test_unknown_province_is_held_for_a_person(shanghai_order):
    receiver = {**shanghai_order["receiver"], "province": "Ontario"}
    result = review(order(shanghai_order, receiver=receiver))
    assert result.decision == Decision.ON_HOLD
    assert result.findings[0].rule_id == "address.province.known"


def test_reject_outweighs_hold(shanghai_order):
    receiver = {**shanghai_order["receiver"], "province": "Ontario"}
    lines = [{**shanghai_order["lines"][1], "unit_price": "0.00"}]
    result = review(order(shanghai_order, receiver=receiver, lines=lines))
    assert result.decision == Decision.REJECTED
    assert {f.rule_id for f in result.findings} == {"address.province.known", "line.price.positive"}
