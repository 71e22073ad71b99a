"""Domain events oms publishes on its EventBridge bus. Their JSON Schemas live in events/schemas/
and a test keeps them equal to these models. Every event carries a stable id so that consumers
can drop the duplicates at-least-once delivery brings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from shared.clock import now_iso
from shared.orders import ReceiverAddress
from shared.routing import PlannedLine

SOURCE = "oms.orders"


class DomainEvent(BaseModel, defer_build=True):
    detail_type: ClassVar[str]

    event_id: str = Field(description="Stable: the same fact always has the same id")
    order_id: str
    occurred_at: str = Field(default_factory=now_iso)


class OutboundNoteCreated(DomainEvent):
    """An outbound note (出库单) tells one warehouse to pick, pack and ship these lines."""

    detail_type: ClassVar[str] = "OutboundNoteCreated"

    note_id: str
    warehouse_id: str
    channel: str
    external_id: str
    lines: list[PlannedLine]
    receiver: ReceiverAddress


class OrderFailed(DomainEvent):
    """The fulfilment workflow could not finish; the order is in EXCEPTION for operations."""

    detail_type: ClassVar[str] = "OrderFailed"

    failed_status: str
    error: str
    cause: str




class OrderCancelled(DomainEvent):
    detail_type: ClassVar[str] = "OrderCancelled"

    cancelled_status: str = Field(description="The status the order was in when cancelled")
    reason: str
    actor: str


class OutboundNoteVoided(DomainEvent):
    """The warehouse must not ship this note: its order was cancelled before the parcel left."""

    detail_type: ClassVar[str] = "OutboundNoteVoided"

    note_id: str
    warehouse_id: str


class HeldOrderEscalated(DomainEvent):
    """An order has waited on hold longer than allowed with nobody deciding."""

    detail_type: ClassVar[str] = "HeldOrderEscalated"

    held_since: str
    reasons: list[str]


class OrderStuck(DomainEvent):
    """An order stayed in a status longer than its time limit; the stuck-order detector re-drove
    its next step (re-queued it, or resumed its workflow at the step it waits on)."""

    detail_type: ClassVar[str] = "OrderStuck"

    status: str
    stuck_since: str = Field(description="When the order entered the status (its last change)")
    limit_seconds: int
    attempt: int = Field(description="Which re-drive of this status this is (1 = the first)")
    resume_at: str = Field(description="Where the order resumes: the intake queue or a workflow state")


class StuckOrderEscalated(DomainEvent):
    """An order is past its status's time limit and re-driving did not help (or cannot help:
    the order waits on a warehouse, a carrier or replenishment): operations must look."""

    detail_type: ClassVar[str] = "StuckOrderEscalated"

    status: str
    stuck_since: str
    limit_seconds: int
    redrives: int = Field(description="Re-drives tried in this status before escalating")


ALL_EVENTS: tuple[type[DomainEvent], ...] = (
    OutboundNoteCreated,
    OrderFailed,
    OrderCancelled,
    OutboundNoteVoided,
    HeldOrderEscalated,
    OrderStuck,
    StuckOrderEscalated,
)


# --- Customer notices, backorders and merging (shared/notices/, shared/backorders/, shared/merging/) ---


class OrderAccepted(DomainEvent):
    """The order passed review (automatic or a person's approval): oms will fulfil it. The
    customer's "accepted" notice hangs on it."""

    detail_type: ClassVar[str] = "OrderAccepted"

    by: str = Field(description="review (automatic) or the operator who approved")


class OrderBackordered(DomainEvent):
    """No warehouse can ship the order now: it waits for stock (the customer's delay notice)."""

    detail_type: ClassVar[str] = "OrderBackordered"

    status: str = "BACKORDERED"


class OrdersMerged(DomainEvent):
    """合单: the members now ship inside one shipment order (order_id); each keeps its id and lines."""

    detail_type: ClassVar[str] = "OrdersMerged"

    merge_id: str
    members: list[str]
    saving: str = Field(description="Yuan saved against shipping the members apart (Decimal as str)")


ALL_EVENTS = (*ALL_EVENTS, OrderAccepted, OrderBackordered, OrdersMerged)
