"""Workflow catch-all: a step failed for good, so the order moves to EXCEPTION with the error in
its timeline and an OrderFailed event, instead of a failed execution nobody looks at."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from shared.aws.order_store import OrderStore, StoredOrder
from shared.events import DomainEvent, OrderFailed
from shared.lifecycle import Actor, OrderStatus, TERMINAL, is_allowed, note_entry, transition_entry
from shared.usecases.retry import on_version_conflict


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
    order_id: str, error: dict, orders: OrderStore, publish: Callable[[Sequence[DomainEvent]], None]
) -> OrderStatus:
    name, cause = describe_error(error)
    failed_status = on_version_conflict(lambda: _record(orders.load(order_id), name, cause, orders))
    publish([OrderFailed(event_id=f"{order_id}:{name}:{failed_status}", order_id=order_id, failed_status=failed_status, error=name, cause=cause)])
    return failed_status


def _record(current: StoredOrder, name: str, cause: str, orders: OrderStore) -> OrderStatus:
    actor = Actor.system("workflow")
    if current.status in TERMINAL or not is_allowed(current.status, OrderStatus.EXCEPTION):
        # Already closed or already in EXCEPTION: keep the error, change nothing.
        orders.add_note(
            current,
            note_entry(current.status, actor, f"workflow error: {name}", cause=cause),
        )
        return current.status
    orders.transition(
        current,
        OrderStatus.EXCEPTION,
        transition_entry(current.status, OrderStatus.EXCEPTION, actor, error=name, cause=cause),
        set_fields={"failed_status": current.status.value},  # where an operator's retry resumes
    )
    return current.status
