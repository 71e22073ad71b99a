from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.orders import OrderIn


def errors_of(payload: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        OrderIn.model_validate(payload)
    return {".".join(str(p) for p in e["loc"]): e["type"] for e in caught.value.errors()}


def test_sample_order_parses_with_exact_money(shanghai_order):
    order = OrderIn.model_validate(shanghai_order)
    assert order.total == Decimal("405.00")  # 2 × 168.00 − 20.00 + 89.00
    assert order.lines[0].unit_price == Decimal("168.00")


def test_order_id_is_stable_per_channel_order(shanghai_order):
    first = OrderIn.model_validate(shanghai_order).order_id
    assert OrderIn.model_validate(dict(shanghai_order)).order_id == first
    other_channel = {**shanghai_order, "channel": "tmall"}
    assert OrderIn.model_validate(other_channel).order_id != first


def test_fingerprint_ignores_key_order_but_sees_content(shanghai_order):
    reordered = dict(reversed(list(shanghai_order.items())))
    a, b = OrderIn.model_validate(shanghai_order), OrderIn.model_validate(reordered)
    assert a.content_fingerprint() == b.content_fingerprint()
    changed = {**shanghai_order, "receiver": {**shanghai_order["receiver"], "detail": "世纪大道200号"}}
    assert OrderIn.model_validate(changed).content_fingerprint() != a.content_fingerprint()


@pytest.mark.parametrize(
    ("mutate", "field", "rule"),
    [
        (lambda o: o["lines"][0].update(quantity=-1), "lines.0.quantity", "greater_than_equal"),
        (lambda o: o["lines"][0].update(quantity=1.5), "lines.0.quantity", "int_from_float"),
        (lambda o: o["lines"][0].update(unit_price="12.345"), "lines.0.unit_price", "decimal_max_places"),
        (lambda o: o["lines"][0].update(unit_price="NaN"), "lines.0.unit_price", "finite_number"),
        (lambda o: o.update(currency="rmb"), "currency", "string_pattern_mismatch"),
        (lambda o: o.update(channel="wechat"), "channel", "enum"),
        (lambda o: o.update(lines=[]), "lines", "too_short"),
        (lambda o: o.pop("buyer"), "buyer", "missing"),
        (lambda o: o.update(placed_at="2026-11-11T00:00:00"), "placed_at", "value_error"),
        (lambda o: o.update(placed_at="0001-01-01T00:00:00+08:00"), "placed_at", "value_error"),  # before year 1 in UTC
        (lambda o: o.update(placed_at="9999-12-31T23:59:59-12:00"), "placed_at", "value_error"),  # after 9999 in UTC
        (lambda o: o.update(coupon="X"), "coupon", "extra_forbidden"),
        (lambda o: o["lines"][0].update(discount="9999.00"), "lines.0", "value_error"),
    ],
)
def test_malformed_orders_name_the_field_and_rule(shanghai_order, mutate, field, rule):
    mutate(shanghai_order)
    assert errors_of(shanghai_order).get(field) == rule


def test_ids_are_read_without_surrounding_blanks_and_a_blank_one_is_refused(shanghai_order):
    from shared.problems import problems_from_validation

    padded = {**shanghai_order, "external_id": f"  {shanghai_order['external_id']} ", "buyer": {**shanghai_order["buyer"], "buyer_id": " b-1\t"}}
    padded["lines"] = [{**shanghai_order["lines"][0], "sku": f" {shanghai_order['lines'][0]['sku']} "}, *shanghai_order["lines"][1:]]
    order = OrderIn.model_validate(padded)
    assert order.order_id == OrderIn.model_validate(shanghai_order).order_id  # the same channel order, not a second one
    assert (order.buyer.buyer_id, order.lines[0].sku) == ("b-1", shanghai_order["lines"][0]["sku"])
    with pytest.raises(ValidationError) as caught:
        OrderIn.model_validate({**shanghai_order, "external_id": "   "})
    [problem] = problems_from_validation(caught.value.errors())
    assert (problem.field, problem.rule, problem.message) == ("external_id", "string_too_short", "must not be blank: it holds only spaces")
