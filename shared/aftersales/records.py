"""What oms keeps of after-sales: one refund record per channel refund, one RMA per return
expected. Both live in their order's partition (docs/data-model.md): an order's after-sales are
read with the order, and no key is shared by many orders (no hot partition). Pure models."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from shared.aftersales.domain import AfterSalesKind, RefundState
from shared.aftersales.lines import RefundedLine
from shared.clock import now_iso

Stage = Literal["before_release", "after_release", "after_shipment", "order_closed"]


class RefundOutcome(StrEnum):
    CANCELLED = "cancelled"  # before release, everything refunded: the order is cancelled, stock back
    AMENDED = "amended"  # before release: the refunded lines left the order, which is reviewed and routed again
    INTERCEPT_REQUESTED = "intercept_requested"  # after release: the warehouse is asked to stop the parcel
    INTERCEPTED = "intercepted"  # the warehouse stopped it: cancelled or amended, stock back
    TOO_LATE = "too_late"  # the parcel had left: a return is expected
    RETURN_EXPECTED = "return_expected"  # after shipment: an RMA waits for the goods
    RETURNED = "returned"  # the warehouse received the return
    RECORDED = "recorded"  # nothing to do (refund closed before oms acted, or the order is off already)


class StatusSeen(BaseModel, defer_build=True):
    at: str = Field(default_factory=now_iso)
    channel_status: str
    state: RefundState


class RefundRecord(BaseModel, defer_build=True):
    order_id: str
    refund_id: str
    channel: str
    channel_order_id: str
    kind: AfterSalesKind
    everything: bool
    stage: Stage
    lines: list[RefundedLine]
    amount: str | None = None  # Decimal as text
    currency: str | None = None
    state: RefundState
    channel_status: str = ""
    outcome: RefundOutcome
    reason: str = ""
    received_at: str = Field(default_factory=now_iso)
    updated_at: str = Field(default_factory=now_iso)
    intercept_notes: list[str] = Field(default_factory=list, description="Notes the warehouse was asked to stop")
    intercept_answers: dict[str, str] = Field(default_factory=dict, description="note id -> intercepted | too_late")
    intercept_lines: dict[str, list[RefundedLine]] = Field(default_factory=dict, description="note id -> the units asked of it (a merged member's, decision 139)")
    rma_id: str | None = None
    replacement_order_id: str | None = Field(default=None, description="An exchange (换货) after shipment: the order that ships the replacement (decision 137)")
    # 合单 (decision 122): a merged member's refund after its shipment's release is intercepted on
    # the shipment order; each record names the other side.
    merged_into: str | None = Field(default=None, description="On a member's record: the merged shipment order asked to intercept")
    for_member: str | None = Field(default=None, description="On the shipment order's record: the member whose refund it carries")
    history: list[StatusSeen] = Field(default_factory=list, description="The platform's statuses of this refund, as they arrived")


class RmaState(StrEnum):
    EXPECTED = "expected"  # waiting for the goods
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"  # every expected unit is back (sellable or not)


class RmaLine(BaseModel, defer_build=True):
    line_id: str
    sku: str
    expected: int = Field(ge=1)
    sellable: int = 0
    unsellable: int = 0

    @property
    def received(self) -> int:
        return self.sellable + self.unsellable


class Rma(BaseModel, defer_build=True):
    """A return (退货) expected from the buyer: which units, back to which warehouse, what came."""

    order_id: str
    rma_id: str
    refund_id: str
    warehouse_id: str  # where the parcel came from, where the return is expected
    lines: list[RmaLine]
    state: RmaState = RmaState.EXPECTED
    created_at: str = Field(default_factory=now_iso)
    updated_at: str = Field(default_factory=now_iso)
    receipts: list[str] = Field(default_factory=list, description="The warehouse's receipt ids applied, each once")
    refund_state: RefundState = RefundState.REQUESTED
    replacement_order_id: str | None = Field(default=None, description="An exchange's return: the order shipping the replacement (decision 137)")


def rma_id_for(order_id: str, refund_id: str) -> str:
    """Deterministic: the same refund always expects the same return."""
    return f"RMA-{order_id.removeprefix('OMS-')}-{hashlib.sha256(refund_id.encode()).hexdigest()[:8].upper()}"
