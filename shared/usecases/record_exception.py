"""Workflow catch-all: a step failed for good, so the order moves to EXCEPTION with the error in
its timeline and an OrderFailed event, instead of a failed execution nobody looks at.

The stock rule (docs/decisions.md, decision 28): an order that fails before its outbound note was
written (up to RESERVED) gives its held stock back when it enters EXCEPTION, and again on every
retry of this step (only HELD lines change, so it is idempotent); an operator's retry reserves
afresh. An order already RELEASED never moves to EXCEPTION: its note is written and in the outbox
(the warehouse has it, or the outbox publisher delivers it), so the stock stays held for that
shipment on purpose, and the timeline says so with the error."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.events import DomainEvent, OrderFailed
from shared.lifecycle import Actor, OrderStatus, TERMINAL, is_allowed, note_entry, transition_entry
from shared.usecases.retry import on_version_conflict
from shared.usecases.settle_reservations import release_reservation

# The note is written (and in the outbox) from RELEASED on: the shipment owns the stock.
_NOTE_WRITTEN = frozenset({OrderStatus.RELEASED, OrderStatus.SHIPPED, OrderStatus.DELIVERY_EXCEPTION, OrderStatus.DELIVERED})
_ACTOR = Actor.system("workflow")


def describe_error(error: dict) -> tuple[str, str]:
    """(error name, human cause) from a Step Functions Catch output {"Error", "Cause"}."""
    name = str(error.get("Error", "UnknownError"))
    cause = str(error.get("Cause", ""))
    try:  # a Lambda error's Cause is the JSON {"errorType", "errorMessage", ...}
        cause = json.loads(cause).get("errorMessage", cause)
    except (ValueError, AttributeError):
        pass
    return name, cause[:1000]


def record_exception(
    order_id: str, error: dict, orders: OrderStore, inventory: InventoryStore, publish: Callable[[Sequence[DomainEvent]], None]
) -> OrderStatus:
    name, cause = describe_error(error)
    failed_status = on_version_conflict(lambda: _record(orders.load(order_id), name, cause, orders))
    final = orders.load(order_id)
    if final.status == OrderStatus.EXCEPTION:
        released = release_reservation(order_id, f"order moved to EXCEPTION ({name}) before its outbound note was written", inventory)
        if released:
            orders.add_note(final, note_entry(final.status, _ACTOR, "held stock given back", lines=[line.summary() for line in released]))
    publish([OrderFailed(event_id=f"{order_id}:{name}:{failed_status}", order_id=order_id, failed_status=failed_status, error=name, cause=cause)])
    return failed_status


def _record(current: StoredOrder, name: str, cause: str, orders: OrderStore) -> OrderStatus:
    if current.status in _NOTE_WRITTEN:
        orders.add_note(
            current,
            note_entry(
                current.status,
                _ACTOR,
                f"workflow error after release: {name}; status and stock kept",
                error=name,
                message=cause,
                stock="kept: the outbound note is written and with the warehouse or its outbox",
            ),
        )
        return current.status
    if current.status in TERMINAL or not is_allowed(current.status, OrderStatus.EXCEPTION):
        # Already closed or already in EXCEPTION: keep the error, change nothing.
        orders.add_note(
            current,
            note_entry(current.status, _ACTOR, f"workflow error: {name}", error=name, message=cause),
        )
        return current.status
    orders.transition(
        current,
        OrderStatus.EXCEPTION,
        transition_entry(current.status, OrderStatus.EXCEPTION, _ACTOR, error=name, cause=cause),
        set_fields={"failed_status": current.status.value},  # where an operator's retry resumes
    )
    return current.status
