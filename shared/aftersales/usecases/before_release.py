"""A refund before the order is released to a warehouse: everything refunded cancels the order
(the existing cancellation: stock back, OrderCancelled); some lines refunded leave the order. An
order not reviewed yet, or waiting for a person, is amended in place; one already reviewed,
planned or reserved goes back to RECEIVED with what is left, its reservation is given back, and
a new workflow run reviews, routes and reserves it again (decision 73)."""

from __future__ import annotations

import hashlib
from typing import Any

from shared.aftersales import decide
from shared.aftersales.domain import AfterSalesRequest, RefundedUnits, what_is_left
from shared.aftersales.records import RefundOutcome, RefundRecord
from shared.aftersales.usecases import AfterSales, guarded_transition
from shared.aws.order_store import OrderDetails, StoredOrder
from shared.lifecycle import Actor, OrderStatus, note_entry, transition_entry
from shared.usecases.cancel_order import cancel_order
from shared.usecases.settle_reservations import OrderChangedWhileSettling, release_reservation

# A re-run may give back what the amendment's crash left held only while nothing re-reserved it.
# BACKORDERED holds nothing of its own: routing sends an order there before the lock, and the
# backorder release routes it again from APPROVED.
_NOT_RESERVED_AGAIN = frozenset({OrderStatus.RECEIVED, OrderStatus.ON_HOLD, OrderStatus.APPROVED, OrderStatus.BACKORDERED})


def cancel_or_amend(request: AfterSalesRequest, details: OrderDetails, units: list[RefundedUnits], everything: bool, actor: Actor, deps: AfterSales, guard: dict[str, Any]) -> str:
    """`guard`: the refunds guard (decision 255), written with the refund's record."""
    current = details.order
    facts = {"refund_id": request.refund_id, "lines": [line.model_dump() for line in decide.refunded_lines(units)], "amount": None if request.amount is None else str(request.amount)}
    if everything:
        record = decide.new_record(request, "before_release", units, RefundOutcome.CANCELLED, True, current.order.currency)
        # The record first, while the order is as read; then the cancellation (its own transaction).
        # A repeat of the message finds the record and finishes a cancellation a crash left undone.
        deps.orders.write_conditioned(current, [deps.records.order_unchanged(current.order_id, current.version, current.status.value), deps.records.refund_put(record), guard])
        cancel(current.order_id, record, actor, deps)
        return RefundOutcome.CANCELLED.value
    left = what_is_left(current.order, units)
    assert left is not None  # everything is False
    record = decide.new_record(request, "before_release", units, RefundOutcome.AMENDED, False, current.order.currency)
    if current.status in decide.AMEND_IN_PLACE:
        entry = note_entry(current.status, actor, f"refund {request.refund_id}: refunded lines left the order", **facts)
        deps.orders.amend(current, left, entry, extra_items=[deps.records.refund_put(record), guard])
        return RefundOutcome.AMENDED.value
    entry = transition_entry(current.status, OrderStatus.RECEIVED, actor, **facts)
    # reservation_id stays: until finish_amendment gave the stock back, the lock must read what
    # the old reservation still holds (decision 203).
    fields = {"order": left.model_dump(mode="json", exclude_none=True), "fingerprint": left.content_fingerprint(), "plan": None}
    moved = guarded_transition(deps, current, OrderStatus.RECEIVED, entry, guard, [deps.records.refund_put(record)], set_fields=fields)
    finish_amendment(moved, record, deps)
    return RefundOutcome.AMENDED.value


def cancel(order_id: str, record: RefundRecord, actor: Actor, deps: AfterSales) -> None:
    reason = f"{record.channel} {record.kind.value} {record.refund_id}" + (f": {record.reason}" if record.reason else "")
    cancel_order(order_id, reason, actor, deps.orders, deps.inventory, deps.publish, deps.publisher)


def finish_amendment(current: StoredOrder, record: RefundRecord, deps: AfterSales) -> None:
    """What follows the amendment's write: the old reservation back, the workflow again. Both
    are idempotent (a repeat of the refund message finishes what a crash left)."""
    if current.status not in _NOT_RESERVED_AGAIN:
        return
    # Only while the order is still as read: a run that moved it on meanwhile may have adopted the
    # old lines at the lock (decision 235); it then owns them, and the run need not start.
    try:
        release_reservation(
            current.order_id,
            f"refund {record.refund_id}: the order was amended",
            deps.inventory,
            while_order=deps.records.order_unchanged(current.order_id, current.version, current.status.value),
        )
    except OrderChangedWhileSettling:
        return
    if current.status == OrderStatus.RECEIVED:
        deps.start_run(current.order_id, run_name(current.order_id, record.refund_id))


def run_name(order_id: str, refund_id: str) -> str:
    return f"{order_id}-refund-{hashlib.sha256(refund_id.encode()).hexdigest()[:10]}"
