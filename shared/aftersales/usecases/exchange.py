"""Exchanges (换货, decision 137): the buyer sends the item back and gets the same item again. Its
own kind, not a refund: no money goes back and no OrderRefunded is published (no "refunded"
notice, no unmerge).

- after shipment: the exchanged units are expected back as an RMA on the original order (it moves
  to RETURN_PENDING, as for a return), and a replacement order is made of the same units and run
  through the normal workflow (review, routing, reservation, release): its own outbound note, its
  own timeline, linked both ways (`exchange_of` on the replacement's first entry,
  `replacement_order_id` on the original's record, RMA and timeline). The replacement does not wait
  for the return: platforms expect the seller to ship it once the exchange is agreed.
- before shipment there is nothing at the buyer's to exchange: the exchange is recorded and noted
  on the timeline for an operator; the order ships as it is.

The replacement's id comes from the original's and the exchange's, so a repeated message (or a
crash between the record and the replacement) finds the same replacement; its workflow is started
only while it is still RECEIVED."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.aftersales import decide
from shared.aftersales.domain import REPLACEMENT_MARK, AfterSalesRequest, Claimed, Nonsense, line_key, refunded_units, what_is_left
from shared.aftersales.records import RefundOutcome, RefundRecord, Stage
from shared.aftersales.usecases import AfterSales
from shared.aftersales.usecases.returns import expect_return
from shared.aws.order_store import OrderDetails, StoredOrder
from shared.ids import order_id_for
from shared.lifecycle import Actor, OrderStatus, TimelineEntry, note_entry
from shared.orders import OrderLine

def replacement_external_id(external_id: str, exchange_id: str) -> str:
    return f"{external_id}{REPLACEMENT_MARK}{hashlib.sha256(exchange_id.encode()).hexdigest()[:10]}"


def apply_exchange(request: AfterSalesRequest, details: OrderDetails, stage: Stage, claimed: Claimed, actor: Actor, deps: AfterSales, guard: dict[str, Any]) -> str:
    """Returns return_expected (after shipment: RMA and replacement) or recorded. Raises Nonsense.
    `claimed`: the units earlier refunds claim, counted as a refund counts them; `guard`: the
    refunds guard (decision 255), written with the return expected."""
    current = details.order
    units = refunded_units(current.order, request, claimed)
    if not units:  # a whole-order exchange of units earlier refunds claim in full: nothing to exchange
        raise Nonsense("quantity_above_ordered", f"exchange {request.refund_id}: every unit of order {request.order_id} is refunded already (by refund {claimed.refund_ids()})")
    everything = request.everything or what_is_left(current.order, units) is None
    if stage != "after_shipment":
        record = decide.new_record(request, stage, units, RefundOutcome.RECORDED, everything, current.order.currency)
        deps.orders.write_conditioned(current, [deps.records.refund_put(record)])
        cause = f"exchange (换货) {request.refund_id} recorded while the order is {current.status.value}: nothing has reached the buyer to exchange; an operator decides"
        deps.orders.add_note(current, note_entry(current.status, actor, cause, refund_id=request.refund_id, kind=request.kind.value, lines=[line.model_dump() for line in decide.refunded_lines(units)]))
        return RefundOutcome.RECORDED.value
    replacement_id = order_id_for(request.channel.value, replacement_external_id(current.order.external_id, request.refund_id))
    record = expect_return(request, details, units, everything, actor, deps, guard, replacement_order_id=replacement_id)
    send_replacement(current, record, actor, deps)
    return record.outcome.value


def send_replacement(original: StoredOrder, record: RefundRecord, actor: Actor, deps: AfterSales) -> str:
    """Creates (once) the replacement order of the exchanged units and starts its workflow while it
    is RECEIVED. Returns its id."""
    order = original.order
    lines: list[OrderLine] = []
    for exchanged in record.lines:
        source = next((line for line in order.lines if line.sku == exchanged.sku and line_key(line) == exchanged.line_id), None)
        source = source or next(line for line in order.lines if line.sku == exchanged.sku)
        # The same item at its price (the buyer paid for it once); the discount stays on the original's invoice.
        lines.append(source.model_copy(update={"quantity": exchanged.quantity, "discount": Decimal("0.00")}))
    # Placed when the exchange was made: its promise counts from then, and review does not take it
    # for a duplicate of the original (the same buyer, the same lines, placed at the same time).
    placed_at = datetime.fromisoformat(record.received_at)
    replacement = order.model_copy(update={"external_id": replacement_external_id(order.external_id, record.refund_id), "lines": lines, "order_total": None, "invoice": None, "placed_at": placed_at})
    entry = TimelineEntry(
        from_status=None,
        to_status=OrderStatus.RECEIVED,
        cause=f"replacement for exchange (换货) {record.refund_id} of order {original.order_id}",
        actor=actor,
        details={"exchange_of": original.order_id, "refund_id": record.refund_id, "rma_id": record.rma_id, "lines": [line.model_dump() for line in record.lines]},
    )
    stored, _ = deps.orders.create(replacement, entry)
    if stored.status == OrderStatus.RECEIVED:  # its first run, named after it as intake names every new order's
        deps.start_run(stored.order_id, stored.order_id)
    return stored.order_id
