"""Apply a channel's refund or cancellation to its order, at the order's stage:

- before release: everything refunded → the order is cancelled (shared/usecases/cancel_order.py:
  stock back, OrderCancelled); some lines → they leave the order (before_release.py);
- after release: the warehouse is asked to intercept (拦截) the parcel (intercept.py); a merged
  member (合单) whose shipment is released likewise, in the shipment's notes (merged_intercept.py);
- after shipment: a return (RMA) is expected (returns.py).

An exchange (换货) is its own kind (exchange.py): after shipment a return and a replacement order.

One refund id is applied once: a repeat changes nothing, a later status of the same refund (the
seller agreed, the money went) is recorded on its record and timeline. A request that cannot
apply (unknown order or line, more units than ordered) raises Nonsense: the handler sends it to
the dead-letter queue with the reason."""

from __future__ import annotations

from shared.aftersales import decide
from shared.aftersales.domain import AfterSalesKind, AfterSalesRequest, OrderNotYetReceived, RefundState, refunded_units, what_is_left
from shared.aftersales.records import RefundOutcome, RefundRecord, Stage, StatusSeen
from shared.aftersales.usecases import AfterSales
from shared.aftersales.usecases.before_release import cancel, cancel_or_amend, finish_amendment
from shared.aftersales.usecases.exchange import apply_exchange, send_replacement
from shared.aftersales.usecases.intercept import request_intercept
from shared.aftersales.usecases.merged_intercept import released_shipment, request_merged_intercept
from shared.aftersales.usecases.returns import expect_return
from shared.aws.order_store import OrderDetails, StoredOrder
from shared.clock import now_iso
from shared.errors import OrderNotFound
from shared.events import OrderRefunded
from shared.lifecycle import Actor, OrderStatus, note_entry
from shared.usecases.retry import on_version_conflict


def apply_refund(request: AfterSalesRequest, actor: Actor, deps: AfterSales, *, news: bool = True) -> str:
    """Returns what happened: cancelled, amended, intercept_requested, return_expected,
    recorded (nothing to do), duplicate or status_recorded. Raises Nonsense. `news` False: the
    request was read from its order's payload (decision 266), which may be older than the refund's
    own messages: it applies a refund oms does not have yet, and is a duplicate of one it has."""
    return on_version_conflict(lambda: _apply(request, actor, deps, _details(request, deps), news))


def _details(request: AfterSalesRequest, deps: AfterSales) -> OrderDetails:
    try:
        return deps.orders.details(request.order_id)
    except OrderNotFound:
        raise OrderNotYetReceived(f"refund {request.refund_id}: {request.channel.value} order {request.channel_order_id} is not in oms (no {request.order_id})") from None


def _apply(request: AfterSalesRequest, actor: Actor, deps: AfterSales, details: OrderDetails, news: bool = True) -> str:
    current = details.order
    seen = deps.records.refund(current.order_id, request.refund_id)
    if seen is not None:
        return _seen_again(seen, request if news else request.model_copy(update={"channel_status": seen.channel_status, "state": seen.state}), actor, deps, details)
    stage = decide.stage_of(current.status)
    at_intake = request.refund_id in decide.refunds_at_intake(details.timeline)
    if request.state == RefundState.CLOSED or stage == "order_closed" or at_intake:
        why = f"the refund is {request.channel_status or 'closed'} on the platform" if request.state == RefundState.CLOSED else f"the order is {current.status.value}"
        why = "its lines were left out when the order was received (or amended by a copy the channel re-delivered)" if at_intake else why
        return _recorded(request, current, stage, why, actor, deps)
    # Refunds of one order may be applied at once (a standard queue, several consumers): the guard,
    # read before the order's refunds, is written with this refund's claim and fails when another
    # refund of the order was written since; this one then reads again (decision 255).
    guard = deps.records.refunds_guard(current.order_id, deps.records.claims_written(current.order_id))
    claimed = decide.claimed_units(current.order, deps.records.refunds(current.order_id))
    if request.kind == AfterSalesKind.EXCHANGE:
        return apply_exchange(request, details, stage, claimed, actor, deps, guard)
    units = refunded_units(current.order, request, claimed)
    if not units:  # a whole-order refund or a cancellation after refunds that claim every unit
        return _recorded(request, current, stage, f"every unit is refunded already (by refund {claimed.refund_ids()})", actor, deps)
    everything = request.everything or what_is_left(current.order, units) is None
    merged = released_shipment(current, deps) if stage == "before_release" else None
    if merged is not None:  # 合单: the member's lines are in a released parcel (decision 122)
        stage = "after_release"
        outcome = request_merged_intercept(request, current, merged[0], merged[1], units, everything, actor, deps, guard)
    elif stage == "before_release":
        outcome = cancel_or_amend(request, details, units, everything, actor, deps, guard)
    elif stage == "after_release":
        outcome = request_intercept(request, details, units, everything, actor, deps, guard)
    else:
        outcome = expect_return(request, details, units, everything, actor, deps, guard).outcome.value
    deps.publish([_refunded(request, current.order.currency, units, stage)])
    return outcome


def _recorded(request: AfterSalesRequest, current: StoredOrder, stage: Stage, why: str, actor: Actor, deps: AfterSales) -> str:
    """The refund kept for the record, claiming nothing; the order's timeline says why."""
    record = decide.new_record(request, stage, [], RefundOutcome.RECORDED, request.everything, current.order.currency)
    deps.orders.write_conditioned(current, [deps.records.refund_put(record)])
    deps.orders.add_note(current, note_entry(current.status, actor, f"refund {request.refund_id} recorded, nothing to undo: {why}", refund_id=request.refund_id))
    return RefundOutcome.RECORDED.value


def _seen_again(seen: RefundRecord, request: AfterSalesRequest, actor: Actor, deps: AfterSales, details: OrderDetails) -> str:
    """The same refund again: a repeat changes nothing (what a crash may have left undone is
    finished); a new platform status is recorded."""
    current = details.order
    if (seen.channel_status, seen.state) == (request.channel_status, request.state):
        if seen.outcome == RefundOutcome.AMENDED:
            finish_amendment(current, seen, deps)
        if seen.outcome == RefundOutcome.CANCELLED and current.status != OrderStatus.CANCELLED:
            cancel(current.order_id, seen, actor, deps)
        if seen.replacement_order_id:  # an exchange: the replacement a crash may have left unmade
            send_replacement(current, seen, actor, deps)
        deps.publisher.publish_order(current.order_id)
        return "duplicate"
    now = now_iso()
    seen_now = StatusSeen(at=now, channel_status=request.channel_status, state=request.state)
    if seen.state == RefundState.CLOSED and request.state != RefundState.CLOSED:
        # Closed on the platform is final: a later other status is an earlier one delivered late
        # (a standard queue). Kept in the history; the refund stays closed and claims nothing, as
        # the refunds that may since have taken its units assumed (decision 257).
        moved = seen.model_copy(update={"updated_at": now, "history": [*seen.history, seen_now]})
        cause = f"refund {seen.refund_id}: status {request.channel_status or request.state.value} arrived after it was closed on {seen.channel}: kept closed"
        deps.orders.write_conditioned(current, [deps.records.refund_update(moved, seen)])
        deps.orders.add_note(current, note_entry(current.status, actor, cause, refund_id=seen.refund_id, state=seen.state.value))
        return "status_recorded"
    moved = seen.model_copy(update={"state": request.state, "channel_status": request.channel_status, "updated_at": now, "history": [*seen.history, seen_now]})
    cause = f"refund {seen.refund_id} is now {request.channel_status or request.state.value} on {seen.channel}"
    if request.state == RefundState.CLOSED and seen.outcome != RefundOutcome.RECORDED:
        cause += f"; oms had already acted ({seen.outcome.value}): an operator decides what follows"
    deps.orders.write_conditioned(current, [deps.records.refund_update(moved, seen)])
    deps.orders.add_note(current, note_entry(current.status, actor, cause, refund_id=seen.refund_id, state=request.state.value))
    return "status_recorded"


def _refunded(request: AfterSalesRequest, currency: str, units, stage: str) -> OrderRefunded:
    return OrderRefunded(
        event_id=f"{request.order_id}:refund:{request.refund_id}",
        order_id=request.order_id,
        channel=request.channel.value,
        channel_order_id=request.channel_order_id,
        refund_id=request.refund_id,
        lines=decide.refunded_lines(units),
        amount=str(request.amount if request.amount is not None else "0.00"),
        currency=request.currency or currency,
        stage=stage,
    )
