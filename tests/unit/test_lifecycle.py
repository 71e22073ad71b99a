import itertools

import pytest

from shared.errors import IllegalTransition
from shared.lifecycle import TERMINAL, TRANSITIONS, OrderStatus, check_transition, is_allowed

ALL_PAIRS = list(itertools.product(OrderStatus, OrderStatus))


@pytest.mark.parametrize(("from_status", "to_status"), sorted(TRANSITIONS))
def test_every_listed_transition_is_allowed_with_its_cause(from_status, to_status):
    assert check_transition("o-1", from_status, to_status) == TRANSITIONS[(from_status, to_status)]


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in ALL_PAIRS if p not in TRANSITIONS])
def test_every_other_transition_is_refused_by_name(from_status, to_status):
    with pytest.raises(IllegalTransition, match=f"{from_status.value} -> {to_status.value}"):
        check_transition("o-1", from_status, to_status)


def test_terminal_statuses_have_no_way_out():
    for status in TERMINAL:
        assert not any(is_allowed(status, other) for other in OrderStatus)


def test_cancellation_is_possible_until_shipment_and_not_after():
    assert is_allowed(OrderStatus.RELEASED, OrderStatus.CANCELLED)
    assert not is_allowed(OrderStatus.SHIPPED, OrderStatus.CANCELLED)


def test_an_operators_retry_leads_out_of_exception_to_the_step_that_failed_or_cancels():
    ways_out = {b for (a, b) in TRANSITIONS if a == OrderStatus.EXCEPTION}
    S = OrderStatus
    assert ways_out == {S.RECEIVED, S.ON_HOLD, S.APPROVED, S.RESERVED, S.RELEASED, S.CANCELLED}
    assert not is_allowed(S.EXCEPTION, S.ROUTED)  # a failed reservation routes again from APPROVED
    assert not is_allowed(S.EXCEPTION, S.SHIPPED) and not is_allowed(S.EXCEPTION, S.BACKORDERED)


def test_every_status_is_reachable_from_received():
    reached, frontier = {OrderStatus.RECEIVED}, [OrderStatus.RECEIVED]
    while frontier:
        current = frontier.pop()
        for (a, b) in TRANSITIONS:
            if a == current and b not in reached:
                reached.add(b)
                frontier.append(b)
    assert reached == set(OrderStatus)
