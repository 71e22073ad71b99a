"""Domain events oms publishes on its EventBridge bus. Their JSON Schemas live in events/schemas/
and a test keeps them equal to these models. Every event carries a stable id so that consumers
can drop the duplicates at-least-once delivery brings."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from shared.aftersales.lines import RefundedLine  # its own module: the refund records use it without the events
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


# -- After-sales (issue 13; the contract between the three after-sales branches) -----------------


class OrderRefunded(DomainEvent):
    """A channel refunded lines of an order (or all of it); what oms does depends on the stage."""

    detail_type: ClassVar[str] = "OrderRefunded"

    channel: str
    channel_order_id: str
    refund_id: str
    lines: list[RefundedLine]
    amount: str = Field(description="Decimal as text, in the order's currency")
    currency: str
    stage: Literal["before_release", "after_release", "after_shipment"]


class InterceptRequested(DomainEvent):
    """oms asks the warehouse to stop a released note (拦截): its lines, or all of it, must not ship."""

    detail_type: ClassVar[str] = "InterceptRequested"

    warehouse_id: str
    note_id: str
    refund_id: str
    lines: list[RefundedLine] = Field(description="The lines to take out of the parcel; all of the note's when the whole order is refunded")
    whole_note: bool


class InterceptAnswered(DomainEvent):
    detail_type: ClassVar[str] = "InterceptAnswered"

    warehouse_id: str
    note_id: str
    refund_id: str
    outcome: Literal["intercepted", "too_late"]


class ReturnedLine(BaseModel, defer_build=True):
    sku: str
    sellable: int = Field(ge=0)
    unsellable: int = Field(ge=0)


class ReturnReceived(DomainEvent):
    """The warehouse received a return: sellable units are back in stock, unsellable ones are not."""

    detail_type: ClassVar[str] = "ReturnReceived"

    rma_id: str
    warehouse_id: str
    lines: list[ReturnedLine]


ALL_EVENTS = (*ALL_EVENTS, OrderRefunded, InterceptRequested, InterceptAnswered, ReturnReceived)
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
