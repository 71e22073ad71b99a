"""Manual review: an operator approves (optionally correcting the address or invoice) or rejects
a held order. An approved order resumes where it stopped, at routing, in a new workflow run."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from shared.aws.order_store import OrderStore, StoredOrder
from shared.errors import OmsError
from shared.geo import find_province
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry, transition_entry
from shared.orders import InvoiceRequest, ReceiverAddress
from shared.problems import InputRejected, NonBlank
from shared.usecases.retry import on_version_conflict


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Corrections(BaseModel, defer_build=True):
    receiver: ReceiverAddress | None = None
    invoice: InvoiceRequest | None = None

    @model_validator(mode="after")
    def _known_province(self) -> Corrections:
        if self.receiver is not None and find_province(self.receiver.province) is None:
            raise ValueError(f"receiver.province '{self.receiver.province}' is not a Chinese provincial-level division")
        return self


class ReviewDecision(BaseModel, defer_build=True):
    decision: Verdict
    operator: NonBlank = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=1000)
    corrections: Corrections | None = None

    @model_validator(mode="after")
    def _corrections_only_with_approval(self) -> ReviewDecision:
        if self.corrections is not None and self.decision == Verdict.REJECT:
            raise ValueError("corrections go with 'approve'; a rejected order is not corrected")
        return self


class NotOnHold(OmsError):
    def __init__(self, order_id: str, status: str):
        super().__init__(f"order {order_id} is {status}, not ON_HOLD: there is nothing to decide")
        self.order_id, self.status = order_id, status


class HeldOrder(BaseModel, defer_build=True):
    order_id: str
    channel: str
    external_id: str
    held_since: str
    reasons: list[dict]  # the review findings that held it (rule, reasons zh/en)
    escalated: bool = False


def held_order_view(order: StoredOrder, hold: TimelineEntry | None = None) -> HeldOrder:
    """From the hold kept on the order item; `hold` (its timeline entry) for orders held before that."""
    since, reasons = (order.hold["since"], order.hold.get("findings", [])) if order.hold else (hold.at if hold else order.updated_at, hold.details.get("findings", []) if hold else [])
    return HeldOrder(
        order_id=order.order_id,
        channel=order.order.channel.value,
        external_id=order.order.external_id,
        held_since=since,
        reasons=reasons,
        escalated=order.escalated_at is not None,
    )


def decide_held_order(
    order_id: str, decision: ReviewDecision, orders: OrderStore, resume: Callable[[str, str], None]
) -> StoredOrder:
    decided = on_version_conflict(lambda: _decide(orders.load(order_id), decision, orders))
    if decided.status == OrderStatus.APPROVED:
        # Named after the approving version, so a repeated call cannot start a second run.
        resume(order_id, f"{order_id}-v{decided.version}")
    return decided


def _refuse_approval_without_a_destination(current: StoredOrder, decision: ReviewDecision) -> None:
    """Routing needs a known province: approving such an order as it is would only send it to
    EXCEPTION. The operator corrects the address with the approval, or rejects."""
    if decision.corrections and decision.corrections.receiver:
        return  # the correction's province is checked by Corrections itself
    receiver = current.order.receiver
    if receiver is None or find_province(receiver.province) is None:
        province = f"'{receiver.province}' is not a Chinese provincial-level division" if receiver else "is missing"
        raise InputRejected.one(
            400,
            "corrections.receiver",
            "required_for_unknown_province",
            f"the order's receiver province {province}: no warehouse can be chosen for it; approve with "
            "corrections.receiver (the address with a known province), or reject the order",
        )


def _decide(current: StoredOrder, decision: ReviewDecision, orders: OrderStore) -> StoredOrder:
    if current.status != OrderStatus.ON_HOLD:
        raise NotOnHold(current.order_id, current.status)
    actor = Actor(kind=ActorKind.OPERATOR, name=decision.operator)
    to_status = OrderStatus.APPROVED if decision.decision == Verdict.APPROVE else OrderStatus.REJECTED
    if to_status == OrderStatus.APPROVED:
        _refuse_approval_without_a_destination(current, decision)
    set_fields = {}
    details: dict = {"note": decision.note}
    if decision.corrections:
        corrected = current.order.model_copy(update={k: v for k, v in decision.corrections if v is not None})
        set_fields["order"] = corrected.model_dump(mode="json")
        details["corrections"] = decision.corrections.model_dump(mode="json", exclude_none=True)
    return orders.transition(current, to_status, transition_entry(current.status, to_status, actor, **details), set_fields=set_fields)
