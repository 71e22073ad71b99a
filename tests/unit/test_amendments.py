"""Which re-delivered changes apply, and what a note says about them."""

import pytest

from shared.amendments import APPLIES_IN, amendment_note, changed_fields, judge, seen_fingerprints
from shared.lifecycle import Actor, ActorKind, OrderStatus
from shared.orders import OrderIn

CHANNEL = Actor(kind=ActorKind.CHANNEL, name="own_shop")


@pytest.mark.parametrize("status", list(OrderStatus), ids=str)
def test_changes_apply_until_the_order_is_routed(status):
    verdict = judge(status)
    assert verdict.applies == (status in {OrderStatus.RECEIVED, OrderStatus.ON_HOLD, OrderStatus.APPROVED, OrderStatus.BACKORDERED})
    assert status.value in verdict.reason
    if not verdict.applies:
        assert "operator" in verdict.reason


def test_the_note_names_the_changed_fields_and_both_contents(shanghai_order):
    before = OrderIn.model_validate(shanghai_order)
    after = OrderIn.model_validate({**shanghai_order, "receiver": {**shanghai_order["receiver"], "detail": "世纪大道200号"}})
    assert changed_fields(before, after) == ["receiver"]
    note, verdict = amendment_note(OrderStatus.ROUTED, before, before.content_fingerprint(), after, CHANNEL)
    assert not verdict.applies and note.kind == "note" and note.cause.endswith("amendment not applied")
    assert note.details["reason"].startswith("the order is ROUTED")
    assert seen_fingerprints([note]) == {before.content_fingerprint(), after.content_fingerprint()}


def test_applies_in_is_a_subset_of_the_lifecycle():
    assert APPLIES_IN < set(OrderStatus)
