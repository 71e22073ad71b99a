"""Which stage an order is at for after-sales, and the facts a refund record starts from. Pure."""

from __future__ import annotations

from shared.amendments import REFUNDS_AT_INTAKE
from shared.aftersales.domain import AfterSalesRequest, Claimed, RefundedUnits, RefundState, line_key
from shared.aftersales.records import RefundOutcome, RefundRecord, Stage, StatusSeen
from shared.events import RefundedLine
from shared.lifecycle import OrderStatus, TimelineEntry
from shared.orders import OrderIn

S = OrderStatus
# MERGED (合单): the member waits for its merged shipment; a refund applies to the member, and its
# OrderRefunded/OrderCancelled event takes the merge apart (shared/merging/aftermath.py), so the
# shipment is planned again without the refunded lines (too late once the shipment is released).
BEFORE_RELEASE = frozenset({S.RECEIVED, S.ON_HOLD, S.APPROVED, S.ROUTED, S.RESERVED, S.BACKORDERED, S.EXCEPTION, S.MERGED})
AFTER_SHIPMENT = frozenset({S.SHIPPED, S.DELIVERY_EXCEPTION, S.DELIVERED, S.RETURN_PENDING, S.RETURNED})
# Amended in place: nothing reviewed or planned yet (RECEIVED), a person decides (ON_HOLD, EXCEPTION),
# or the unmerge that follows routes what is left (MERGED).
AMEND_IN_PLACE = frozenset({S.RECEIVED, S.ON_HOLD, S.EXCEPTION, S.MERGED})


def stage_of(status: OrderStatus) -> Stage:
    if status in BEFORE_RELEASE:
        return "before_release"
    if status == S.RELEASED:
        return "after_release"
    if status in AFTER_SHIPMENT:
        return "after_shipment"
    return "order_closed"  # CANCELLED, REJECTED


def refunded_lines(units: list[RefundedUnits]) -> list[RefundedLine]:
    return [RefundedLine(line_id=u.line_id, sku=u.sku, quantity=u.quantity) for u in units]


def new_record(request: AfterSalesRequest, stage: Stage, units: list[RefundedUnits], outcome: RefundOutcome, everything: bool, currency: str) -> RefundRecord:
    record = RefundRecord(
        order_id=request.order_id,
        refund_id=request.refund_id,
        channel=request.channel.value,
        channel_order_id=request.channel_order_id,
        kind=request.kind,
        everything=everything,
        stage=stage,
        lines=refunded_lines(units),
        amount=None if request.amount is None else str(request.amount),
        currency=request.currency or currency,
        state=request.state,
        channel_status=request.channel_status,
        outcome=outcome,
        reason=request.reason,
    )
    return record.model_copy(update={"history": [StatusSeen(at=record.received_at, channel_status=request.channel_status, state=request.state)]})


def refunds_at_intake(timeline: list[TimelineEntry]) -> set[str]:
    """Refunds a channel's order already carried when it arrived, or when a re-delivered copy
    amended it (their lines never entered it, or left it with that amendment)."""
    carried = [timeline[0]] if timeline else []
    carried += [entry for entry in timeline[1:] if entry.kind == "note" and entry.details.get("amendment") == "applied"]
    return {refund for entry in carried for refund in str(entry.details.get(REFUNDS_AT_INTAKE, "")).split(",") if refund}


# Outcomes whose units stay in the order's content while the refund still wants them: the
# warehouse was asked to stop them, or a return of them is expected (or came). An intercepted
# note's units left the content already; amended and cancelled orders lost the lines.
_CLAIMING = frozenset({RefundOutcome.INTERCEPT_REQUESTED, RefundOutcome.INTERCEPTED, RefundOutcome.TOO_LATE, RefundOutcome.RETURN_EXPECTED, RefundOutcome.RETURNED})


def claimed_units(order: OrderIn, records: list[RefundRecord]) -> Claimed:
    """The units of the order's current lines earlier refunds claim (a refund closed on the
    platform claims nothing: the buyer may ask again)."""
    claimed = Claimed()
    for record in records:
        if record.outcome not in _CLAIMING or record.state == RefundState.CLOSED or record.for_member:
            continue
        if record.outcome == RefundOutcome.INTERCEPTED and not record.intercept_lines:
            continue  # stopped in full before per-note units were kept: its lines left the order
        stopped: dict[str, int] = {}
        # A merged member's units leave its content only once every note of the refund answered:
        # until then the stopped ones still claim theirs.
        settled = not (record.merged_into and record.outcome == RefundOutcome.INTERCEPT_REQUESTED)
        for note_id, lines in record.intercept_lines.items():
            if settled and record.intercept_answers.get(note_id) == "intercepted":
                for line in lines:
                    stopped[line.sku] = stopped.get(line.sku, 0) + line.quantity
        for refunded in record.lines:
            out = min(stopped.get(refunded.sku, 0), refunded.quantity)
            stopped[refunded.sku] = stopped.get(refunded.sku, 0) - out
            index = next((i for i, line in enumerate(order.lines) if line_key(line) == refunded.line_id), None)
            index = index if index is not None else next((i for i, line in enumerate(order.lines) if line.sku == refunded.sku), None)
            if index is not None and refunded.quantity > out:
                claimed.add(index, refunded.quantity - out, record.refund_id)
    return claimed
