"""The after-sales domain: which units a refund takes, what is left, the stage of every status,
and the after-sales transitions of the lifecycle (each pair is also in test_lifecycle's tables)."""

from decimal import Decimal

import pytest

from shared.aftersales.decide import stage_of
from shared.aftersales.domain import AfterSalesRequest, Nonsense, read_request, refunded_units, what_is_left
from shared.lifecycle import TERMINAL, TRANSITIONS, OrderStatus, is_allowed
from shared.orders import OrderIn
from shared.problems import InputRejected

S = OrderStatus


def order(shanghai_order: dict) -> OrderIn:
    lines = [{**shanghai_order["lines"][0], "channel_line_id": "L-TEA"}, shanghai_order["lines"][1]]
    return OrderIn.model_validate({**shanghai_order, "lines": lines, "order_total": "405.00"})


def ask(**fields) -> AfterSalesRequest:
    return AfterSalesRequest.model_validate({"channel": "own_shop", "channel_order_id": "X", "refund_id": "R", **fields})


def test_a_refund_names_lines_by_the_channels_line_id_or_by_sku(shanghai_order):
    units = refunded_units(order(shanghai_order), ask(lines=[{"line_id": "L-TEA", "quantity": 1}, {"sku": "CUP-CELADON-6PK"}]))
    assert [(u.index, u.line_id, u.sku, u.quantity) for u in units] == [(0, "L-TEA", "TEA-LONGJING-250G", 1), (1, "CUP-CELADON-6PK", "CUP-CELADON-6PK", 1)]


def test_what_is_left_shrinks_discount_and_total_in_proportion(shanghai_order):
    source = order(shanghai_order)
    left = what_is_left(source, refunded_units(source, ask(lines=[{"line_id": "L-TEA", "quantity": 1}])))
    assert [(line.sku, line.quantity, line.discount) for line in left.lines] == [("TEA-LONGJING-250G", 1, Decimal("10.00")), ("CUP-CELADON-6PK", 1, Decimal("0.00"))]
    assert left.order_total == Decimal("405.00") - Decimal("158.00")
    assert what_is_left(source, refunded_units(source, ask(whole_order=True))) is None


@pytest.mark.parametrize(
    ("lines", "rule", "says"),
    [
        ([{"line_id": "L-NONE"}], "unknown_line", "no line with line id 'L-NONE'"),
        ([{"sku": "NOT-SOLD"}], "unknown_line", "no line with SKU 'NOT-SOLD'"),
        ([{"sku": "CUP-CELADON-6PK", "quantity": 2}], "quantity_above_ordered", "2 units of CUP-CELADON-6PK refunded, the order has 1"),
        ([{"line_id": "L-TEA"}, {"sku": "TEA-LONGJING-250G", "quantity": 1}], "quantity_above_ordered", "3 units of TEA-LONGJING-250G"),
    ],
)
def test_a_refund_that_makes_no_sense_says_why(shanghai_order, lines, rule, says):
    with pytest.raises(Nonsense, match=says) as raised:
        refunded_units(order(shanghai_order), ask(lines=lines))
    assert raised.value.rule == rule


def test_a_refund_without_lines_must_say_it_covers_the_whole_order():
    with pytest.raises(InputRejected) as refused:
        read_request({"channel": "tmall", "channel_order_id": "1", "refund_id": "2"})
    assert refused.value.problems[0].rule == "no_lines"
    with pytest.raises(InputRejected) as refused:
        read_request({"channel": "tmall", "channel_order_id": None, "refund_id": "2", "whole_order": True}, field_of={"channel_order_id": "tid"})
    assert refused.value.status == 400 and refused.value.problems[0].field == "tid"


@pytest.mark.parametrize("status", list(OrderStatus), ids=str)
def test_every_status_has_an_after_sales_stage(status):
    stage = stage_of(status)
    if status in (S.CANCELLED, S.REJECTED):
        assert stage == "order_closed"
    elif stage == "before_release":
        assert is_allowed(status, S.CANCELLED)  # a refund of everything before release cancels
    elif stage == "after_release":
        assert status == S.RELEASED
    else:
        assert status in (S.SHIPPED, S.DELIVERY_EXCEPTION, S.DELIVERED, S.RETURN_PENDING, S.RETURNED)


AFTER_SALES = {
    (S.APPROVED, S.RECEIVED), (S.ROUTED, S.RECEIVED), (S.RESERVED, S.RECEIVED), (S.BACKORDERED, S.RECEIVED),
    (S.SHIPPED, S.RETURN_PENDING), (S.DELIVERY_EXCEPTION, S.RETURN_PENDING), (S.DELIVERED, S.RETURN_PENDING), (S.RETURNED, S.RETURN_PENDING),
    (S.RETURN_PENDING, S.RETURNED), (S.SHIPPED, S.RETURNED), (S.DELIVERY_EXCEPTION, S.RETURNED), (S.DELIVERED, S.RETURNED),
}


@pytest.mark.parametrize(("from_status", "to_status"), sorted(AFTER_SALES))
def test_each_after_sales_transition_is_in_the_table(from_status, to_status):
    assert is_allowed(from_status, to_status)


def test_the_after_sales_statuses_lead_nowhere_else():
    ways = {pair for pair in TRANSITIONS if S.RETURN_PENDING in pair or S.RETURNED in pair}
    assert ways == {p for p in AFTER_SALES if S.RETURN_PENDING in p or S.RETURNED in p}
    assert not is_allowed(S.RETURN_PENDING, S.CANCELLED) and not is_allowed(S.RELEASED, S.RETURN_PENDING)
    assert TERMINAL == {S.REJECTED, S.CANCELLED}  # a delivered parcel can still come back


def test_a_refunded_line_is_named_by_line_id_or_sku():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="named by its line_id or its sku"):
        ask(lines=[{"quantity": 1}])


def test_a_merged_members_refund_claims_its_units_until_every_note_answered(shanghai_order):
    """A merged member's units leave its content only once every note of its refund answered: a
    note already answered 'intercepted' does not free them before (else a second refund took them)."""
    from shared.aftersales.decide import claimed_units
    from shared.aftersales.records import RefundOutcome, RefundRecord
    from shared.events import RefundedLine

    o = order(shanghai_order)
    tea = next(i for i, line in enumerate(o.lines) if line.sku == "TEA-LONGJING-250G")
    half = [RefundedLine(line_id="TEA-LONGJING-250G", sku="TEA-LONGJING-250G", quantity=1)]
    record = RefundRecord(
        order_id="OMS-M", refund_id="R1", channel="tmall", channel_order_id="1", kind="refund", everything=False, stage="after_release",
        lines=[RefundedLine(line_id="TEA-LONGJING-250G", sku="TEA-LONGJING-250G", quantity=2)], state="requested",
        outcome=RefundOutcome.INTERCEPT_REQUESTED, merged_into="OMS-SHIP", intercept_notes=["N1", "N2"],
        intercept_lines={"N1": half, "N2": half}, intercept_answers={"N1": "intercepted"},
    )
    assert claimed_units(o, [record]).units == {tea: 2}
    # Not merged: the answered note's unit left the order already, so only the other one is claimed.
    assert claimed_units(o, [record.model_copy(update={"merged_into": None})]).units == {tea: 1}
