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
    carrier: str | None = Field(default=None, description="The carrier the warehouse hands the parcel to (快递策略)")
    service: str | None = Field(default=None, description="The carrier's service, e.g. standard, express, heavy")


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


# -- after-sales: write-back to the channels (shared/writeback/) ---------------------------------


class ShipmentWrittenBack(DomainEvent):
    """A channel was told one package shipped (发货回传): the platform took the logistics call, or
    for the ERP and partners this event is the write-back. One per package of a split order."""

    detail_type: ClassVar[str] = "ShipmentWrittenBack"

    channel: str
    external_id: str = Field(description="The order's id in its channel")
    note_id: str
    warehouse_id: str
    carrier: str | None
    service: str | None = None
    tracking_number: str
    lines: list[dict] = Field(description="The package's lines: sku, channel_sku, quantity")
    attempts: int
    platform_reference: str | None = None


class WriteBackFailed(DomainEvent):
    """A package's write-back was given up (refused, or still failing after every retry): it waits
    in the failed list (GET /writebacks/failed) and the channel's dead-letter queue for a redrive."""

    detail_type: ClassVar[str] = "WriteBackFailed"

    channel: str
    note_id: str
    tracking_number: str | None
    attempts: int
    reason: str


ALL_EVENTS: tuple[type[DomainEvent], ...] = (
    OutboundNoteCreated,
    OrderFailed,
    OrderCancelled,
    OutboundNoteVoided,
    HeldOrderEscalated,
    OrderStuck,
    StuckOrderEscalated,
    ShipmentWrittenBack,
    WriteBackFailed,
)
