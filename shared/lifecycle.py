"""The order lifecycle: which status may follow which, and why. One table, enforced on every write.

The Step Functions workflow only orchestrates; whether a status change is legal is decided here,
and the store makes it stick with a conditional update on the order's version.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.clock import now_iso
from shared.errors import IllegalTransition


class OrderStatus(StrEnum):
    RECEIVED = "RECEIVED"  # stored by intake, waiting for the workflow
    ON_HOLD = "ON_HOLD"  # review wants a person to decide
    APPROVED = "APPROVED"  # review passed
    REJECTED = "REJECTED"  # review refused it (terminal)
    ROUTED = "ROUTED"  # a warehouse plan is chosen
    RESERVED = "RESERVED"  # the plan's stock is locked
    RELEASED = "RELEASED"  # outbound note (出库单) sent to the warehouse
    SHIPPED = "SHIPPED"  # every outbound note's parcel has left its warehouse
    DELIVERY_EXCEPTION = "DELIVERY_EXCEPTION"  # the carrier reports a problem (refused, lost, damaged)
    DELIVERED = "DELIVERED"  # terminal
    BACKORDERED = "BACKORDERED"  # no stock anywhere: waits for replenishment
    CANCELLED = "CANCELLED"  # terminal
    EXCEPTION = "EXCEPTION"  # the workflow failed; operations must look
    # After-sales (their transitions: the appended block at the end of this module)
    RETURN_PENDING = "RETURN_PENDING"  # shipped; the buyer's return (RMA) is expected back
    RETURNED = "RETURNED"  # the warehouse received every expected return
    MERGED = "MERGED"  # 合单: ships inside a merged shipment order (shared/merging/, decision 87)


S = OrderStatus

# (from, to) -> the cause a timeline entry records. Anything absent is illegal.
TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], str] = {
    (S.RECEIVED, S.APPROVED): "automatic review passed",
    (S.RECEIVED, S.REJECTED): "automatic review refused the order",
    (S.RECEIVED, S.ON_HOLD): "automatic review held the order for a person",
    (S.ON_HOLD, S.APPROVED): "operator approved",
    (S.ON_HOLD, S.REJECTED): "operator rejected",
    (S.APPROVED, S.ROUTED): "warehouse plan chosen",
    (S.APPROVED, S.BACKORDERED): "no warehouse holds the stock",
    (S.ROUTED, S.ROUTED): "re-routed after a stock shortage",
    (S.ROUTED, S.BACKORDERED): "stock ran out while reserving",
    (S.ROUTED, S.RESERVED): "stock reserved",
    (S.RESERVED, S.RELEASED): "outbound note sent to the warehouse",
    (S.RELEASED, S.SHIPPED): "warehouse shipped",
    (S.SHIPPED, S.DELIVERED): "carrier delivered",
    (S.RELEASED, S.DELIVERED): "carrier delivered (the shipment update never arrived)",
    (S.SHIPPED, S.DELIVERY_EXCEPTION): "carrier reported a delivery exception",
    (S.DELIVERY_EXCEPTION, S.DELIVERED): "carrier delivered after an exception",
    (S.BACKORDERED, S.APPROVED): "stock replenished, route again",
    (S.RECEIVED, S.BACKORDERED): "lines no warehouse holds, split off their order (line-level backorder)",
    (S.EXCEPTION, S.APPROVED): "operator retried after an exception",
    # An operator's retry resumes at the step that failed (shared/recovery/operator.py).
    (S.EXCEPTION, S.RECEIVED): "operator retried after an exception: review again",
    (S.EXCEPTION, S.ON_HOLD): "operator retried after an exception: back to manual review",
    (S.EXCEPTION, S.RESERVED): "operator retried after an exception: release the reserved stock to the warehouse",
    # Only orders that reached EXCEPTION from RELEASED before decision 28 made that impossible.
    (S.EXCEPTION, S.RELEASED): "operator retried after an exception: announce the outbound notes again",
}
# Cancellation is allowed until the parcel leaves; an exception can strike any open order whose
# outbound note is not written yet (a RELEASED order's note is with the warehouse or its outbox:
# a later failure is a timeline note, not EXCEPTION; docs/decisions.md, decision 28).
for _status in (S.RECEIVED, S.ON_HOLD, S.APPROVED, S.ROUTED, S.RESERVED, S.RELEASED, S.BACKORDERED, S.EXCEPTION):
    TRANSITIONS[(_status, S.CANCELLED)] = "cancelled"
for _status in (S.RECEIVED, S.ON_HOLD, S.APPROVED, S.ROUTED, S.RESERVED, S.BACKORDERED):
    TRANSITIONS[(_status, S.EXCEPTION)] = "workflow step failed"

TERMINAL = frozenset({S.REJECTED, S.DELIVERED, S.CANCELLED})


def is_allowed(from_status: OrderStatus, to_status: OrderStatus) -> bool:
    return (from_status, to_status) in TRANSITIONS


def check_transition(order_id: str, from_status: OrderStatus, to_status: OrderStatus) -> str:
    """Returns the transition's default cause, or raises IllegalTransition."""
    try:
        return TRANSITIONS[(from_status, to_status)]
    except KeyError:
        raise IllegalTransition(order_id, from_status, to_status) from None


class ActorKind(StrEnum):
    SYSTEM = "system"  # a rule or a workflow step
    OPERATOR = "operator"
    CHANNEL = "channel"
    PARTNER = "partner"


class Actor(BaseModel, defer_build=True):
    kind: ActorKind
    name: str

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(kind=ActorKind.SYSTEM, name=name)


class TimelineEntry(BaseModel, defer_build=True):
    """One line of an order's history: a status change, or a note that changes no status."""

    at: str = Field(default_factory=now_iso)
    kind: Literal["transition", "note"] = "transition"
    from_status: OrderStatus | None
    to_status: OrderStatus
    cause: str
    actor: Actor
    details: dict[str, Any] = Field(default_factory=dict)


def change_text(entry: dict[str, Any]) -> str:
    """A timeline entry's change in a line, from its JSON: "RELEASED → SHIPPED" for a status
    change; a note (which keeps the status it was written under) reads "SHIPPED · note"."""
    if entry.get("kind") == "note":
        return f"{entry['to_status']} · note"
    return f"{entry['from_status'] or '·'} → {entry['to_status']}"


def transition_entry(from_status: OrderStatus, to_status: OrderStatus, actor: Actor, **details: Any) -> TimelineEntry:
    """The timeline entry of a status change, with the transition table's cause."""
    return TimelineEntry(
        from_status=from_status,
        to_status=to_status,
        cause=TRANSITIONS[(from_status, to_status)],
        actor=actor,
        details=details,
    )


def note_entry(status: OrderStatus, actor: Actor, cause: str, **details: Any) -> TimelineEntry:
    """A timeline note: something happened to the order that changes no status."""
    return TimelineEntry(kind="note", from_status=status, to_status=status, cause=cause, actor=actor, details=details)


# -- After-sales (issue 13, docs/decisions.md 72-77) ---------------------------------------------
# A refund or cancellation before release either cancels (above) or amends the order: refunded lines
# leave it, and an order already reviewed or planned goes back to RECEIVED to be reviewed, routed
# and reserved again for what is left (its reservation is given back first). After shipment a
# return (RMA) is expected: RETURN_PENDING until the warehouse's receipt, then RETURNED. Neither
# is terminal: the buyer may return the rest later. Money is the platform's business: the refund's
# state is recorded on its refund record, not as an order status. DELIVERED stops being terminal
# (a delivered parcel is what most returns start from).
for _status in (S.APPROVED, S.ROUTED, S.RESERVED, S.BACKORDERED):
    TRANSITIONS[(_status, S.RECEIVED)] = "refunded lines left the order: review and route what is left again"
for _status in (S.SHIPPED, S.DELIVERY_EXCEPTION, S.DELIVERED, S.RETURNED):
    TRANSITIONS[(_status, S.RETURN_PENDING)] = "refunded or exchanged after shipment: a return (RMA) is expected"
for _status in (S.RETURN_PENDING, S.SHIPPED, S.DELIVERY_EXCEPTION, S.DELIVERED):
    TRANSITIONS[(_status, S.RETURNED)] = "the warehouse received the return"
TERMINAL = frozenset({S.REJECTED, S.CANCELLED})
# --- Order merging (合单; shared/merging/, docs/decisions.md 87) ------------------------------
# A member of a merged shipment waits in MERGED while the shipment order (an order of its own,
# holding every member's lines) is routed, reserved and released; it keeps its own id and lines
# for write-back. Unmerging (a member cancelled or refunded before release) routes it alone again.
for _status in (S.APPROVED, S.BACKORDERED):
    TRANSITIONS[(_status, S.MERGED)] = "merged into one shipment with other orders of the buyer"
TRANSITIONS[(S.MERGED, S.APPROVED)] = "unmerged before release: routes on its own again"
TRANSITIONS[(S.MERGED, S.SHIPPED)] = "its merged shipment shipped"
TRANSITIONS[(S.MERGED, S.CANCELLED)] = "cancelled"
