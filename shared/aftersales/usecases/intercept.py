"""Intercept (拦截) after release: the warehouse is asked to stop the refunded lines (the whole
note when everything is refunded). The request is an outbox message written with the refund
record, so it reaches the WMS queue once, after its note (FIFO per order, deduplicated on
`<note id>:intercept:<refund id>`). The warehouse answers:

- intercepted: everything refunded → the order is cancelled (its notes voided, stock back); some
  lines → they leave the note and the order, and their reserved units are given back;
- too late: the parcel left; a return (RMA) is expected back (returns.py)."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.aftersales import decide
from shared.aftersales.domain import AfterSalesRequest, Nonsense, RefundedUnits, line_key, what_is_left
from shared.aftersales.records import RefundOutcome, RefundRecord, Rma, RmaLine
from shared.aftersales.stock import give_back_units
from shared.aftersales.usecases import AfterSales
from shared.aftersales.usecases.merged_intercept import answer_on_member
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.stock_marks import mark_stock_changed
from shared.aftersales.usecases.returns import new_rma
from shared.aws import reservation_records
from shared.aws.dynamo import TransactionCancelled, transact_write, to_item, to_value
from shared.aws.order_store import NoteState, OrderDetails, OutboundNote
from shared.clock import now_iso
from shared.inventory import ReservationLine, ReservationState
from shared.events import InterceptAnswered, InterceptRequested, RefundedLine
from shared.lifecycle import Actor, ActorKind, OrderStatus, note_entry
from shared.outbox.messages import OutboxMessage
from shared.usecases.cancel_order import cancel_order
from shared.usecases.retry import on_version_conflict


class InterceptAnswer(BaseModel, defer_build=True):
    """The WMS's answer (detail-type InterceptResult) to one InterceptRequested."""

    order_id: str = Field(min_length=1)
    warehouse_id: str = Field(min_length=1)
    note_id: str = Field(min_length=1)
    refund_id: str = Field(min_length=1)
    outcome: Literal["intercepted", "too_late"]
    answered_at: str | None = None


def request_intercept(request: AfterSalesRequest, details: OrderDetails, units: list[RefundedUnits], everything: bool, actor: Actor, deps: AfterSales, guard: dict[str, Any]) -> str:
    """`guard`: the refunds guard (decision 255): the order's version is checked, not changed."""
    current = details.order
    open_notes = [n for n in details.outbound_notes if n.state == NoteState.SENT]
    asks = _per_note(open_notes, units, everything)
    record = decide.new_record(request, "after_release", units, RefundOutcome.INTERCEPT_REQUESTED, everything, current.order.currency)
    record = record.model_copy(update={"intercept_notes": [note.note_id for note, _ in asks], "intercept_lines": {note.note_id: lines for note, lines in asks}})
    now = now_iso()
    events = [
        InterceptRequested(
            event_id=f"{note.note_id}:intercept:{request.refund_id}", order_id=current.order_id, warehouse_id=note.warehouse_id,
            note_id=note.note_id, refund_id=request.refund_id, lines=lines, whole_note=everything,
        )
        for note, lines in asks
    ]
    items = [deps.records.order_unchanged(current.order_id, current.version, current.status.value), deps.records.refund_put(record)]
    items += [deps.publisher.outbox.put_item(OutboxMessage.of(event, now)) for event in events]
    deps.orders.write_conditioned(current, [*items, guard])
    warehouses = ", ".join(note.warehouse_id for note, _ in asks) or "none"
    deps.orders.add_note(current, note_entry(current.status, actor, f"refund {request.refund_id}: intercept (拦截) requested from {warehouses}", refund_id=request.refund_id, notes=record.intercept_notes, whole_note=everything))
    deps.publisher.publish_order(current.order_id)
    return RefundOutcome.INTERCEPT_REQUESTED.value


def _per_note(notes: list[OutboundNote], units: list[RefundedUnits], everything: bool) -> list[tuple[OutboundNote, list[RefundedLine]]]:
    """Which refunded units each open note holds (a SKU split over warehouses: note by note)."""
    wanted = {}
    for unit in units:
        wanted[unit.sku] = wanted.get(unit.sku, 0) + unit.quantity
    ids = {unit.sku: unit.line_id for unit in units}
    asks = []
    for note in notes:
        lines = []
        for planned in note.lines:
            take = planned.quantity if everything else min(planned.quantity, wanted.get(planned.sku, 0))
            if take:
                wanted[planned.sku] = wanted.get(planned.sku, 0) - take
                lines.append(RefundedLine(line_id=ids.get(planned.sku, planned.sku), sku=planned.sku, quantity=take))
        if lines:
            asks.append((note, lines))
    return asks


def answer_intercept(answer: InterceptAnswer, source: str, deps: AfterSales) -> str:
    """Returns intercepted, too_late or duplicate. Raises Nonsense."""
    return on_version_conflict(lambda: _answer(answer, Actor(kind=ActorKind.PARTNER, name=source), deps))


def _answer(answer: InterceptAnswer, actor: Actor, deps: AfterSales) -> str:
    record = deps.records.refund(answer.order_id, answer.refund_id)
    if record is None or answer.note_id not in record.intercept_notes:
        raise Nonsense("unknown_intercept", f"order {answer.order_id} asked no intercept of note {answer.note_id} for refund {answer.refund_id}")
    details = deps.orders.details(answer.order_id)
    note = next((n for n in details.outbound_notes if n.note_id == answer.note_id), None)
    if note is None:
        raise Nonsense("unknown_intercept", f"order {answer.order_id} has no note {answer.note_id}")
    if record.for_member:  # a merged member's refund (合单): its side first, idempotent
        answer_on_member(record, note, answer.outcome, actor, deps, details.outbound_notes)
    if answer.note_id in record.intercept_answers:
        if record.everything and _all_intercepted(record, record.intercept_answers):  # finish what a crash left
            cancel_order(answer.order_id, f"refund {record.refund_id}: intercepted at {answer.warehouse_id}", actor, deps.orders, deps.inventory, deps.publish, deps.publisher)
        return "duplicate"
    current = details.order
    now = now_iso()
    answered = record.model_copy(update={"intercept_answers": {**record.intercept_answers, answer.note_id: answer.outcome}, "updated_at": now})
    facts = {"refund_id": record.refund_id, "note_id": note.note_id, "warehouse_id": note.warehouse_id, "outcome": answer.outcome}
    if answer.outcome == "too_late" and record.for_member:  # the return is the member's (its RMA)
        answered = answered.model_copy(update={"outcome": RefundOutcome.TOO_LATE})
        deps.orders.write_conditioned(current, [deps.records.refund_update(answered, record)])
        deps.orders.add_note(current, note_entry(current.status, actor, f"intercept too late: the parcel left {note.warehouse_id}; member {record.for_member} expects the return", **facts))
    elif answer.outcome == "too_late" and record.rma_id:  # another note of the refund came too late first: one return
        answered = answered.model_copy(update={"outcome": RefundOutcome.TOO_LATE})
        items = [deps.records.refund_update(answered, record)]
        rma = deps.records.rma(current.order_id, record.rma_id) if answer.note_id in record.intercept_lines else None
        if rma is not None:  # the return grows by this parcel's units (decision 139)
            items.append(deps.records.rma_update(_with_lines(rma, record.intercept_lines[answer.note_id]), rma))
        deps.orders.write_conditioned(current, items)
        deps.orders.add_note(current, note_entry(current.status, actor, f"intercept too late: the parcel left {note.warehouse_id}; return {record.rma_id} expected", rma_id=record.rma_id, **facts))
    elif answer.outcome == "too_late":  # this parcel's units come back (all of them on a record from before decision 139)
        rma = new_rma(record.model_copy(update={"lines": record.intercept_lines.get(answer.note_id) or record.lines}), note.warehouse_id)
        answered = answered.model_copy(update={"outcome": RefundOutcome.TOO_LATE, "rma_id": rma.rma_id})
        deps.orders.write_conditioned(current, [deps.records.refund_update(answered, record), deps.records.rma_put(rma)])
        deps.orders.add_note(current, note_entry(current.status, actor, f"intercept too late: the parcel left {note.warehouse_id}; return {rma.rma_id} expected", rma_id=rma.rma_id, **facts))
    elif record.everything and _all_intercepted(record, answered.intercept_answers):
        # The answer first (a repeat then finds it and only finishes the cancellation), then the cancellation.
        answered = answered.model_copy(update={"outcome": RefundOutcome.INTERCEPTED})
        deps.orders.write_conditioned(current, [deps.records.refund_update(answered, record)])
        deps.orders.add_note(current, note_entry(current.status, actor, f"intercepted at {note.warehouse_id}: the parcel will not ship", **facts))
        cancel_order(current.order_id, f"refund {record.refund_id}: intercepted at {note.warehouse_id}", actor, deps.orders, deps.inventory, deps.publish, deps.publisher)
    else:
        answered = answered.model_copy(update={"outcome": RefundOutcome.INTERCEPTED})
        _take_out_of_note(current, note, record, answered, actor, facts, deps)
    deps.publish([InterceptAnswered(event_id=f"{note.note_id}:intercept:{record.refund_id}:answered", order_id=current.order_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id=record.refund_id, outcome=answer.outcome)])
    return answer.outcome


def _all_intercepted(record: RefundRecord, answers: dict[str, str]) -> bool:
    """Every note of the refund stopped: an everything-refund may cancel the order. Until then (a
    note pending or gone), each intercepted note only leaves the order (decision 139)."""
    return all(answers.get(n) == "intercepted" for n in record.intercept_notes)


def _with_lines(rma: Rma, lines: list[RefundedLine]) -> Rma:
    expected = [line.model_copy() for line in rma.lines]
    for added in lines:
        same = next((line for line in expected if line.sku == added.sku and line.line_id == added.line_id), None)
        if same is not None:
            same.expected += added.quantity
        else:
            expected.append(RmaLine(line_id=added.line_id, sku=added.sku, expected=added.quantity))
    return rma.model_copy(update={"lines": expected, "updated_at": now_iso()})


def _take_out_of_note(current, note: OutboundNote, record: RefundRecord, answered: RefundRecord, actor: Actor, facts: dict, deps: AfterSales) -> None:
    """Some lines intercepted: they leave the note and the order; their units come back."""
    taken = {}
    for line in record.lines:
        taken[line.sku] = taken.get(line.sku, 0) + line.quantity
    kept, out = [], {}
    for planned in note.lines:
        take = min(planned.quantity, taken.get(planned.sku, 0))
        taken[planned.sku] = taken.get(planned.sku, 0) - take
        out[planned.sku] = take
        if planned.quantity > take:
            kept.append(planned.model_copy(update={"quantity": planned.quantity - take}))
    units = []
    for i, line in enumerate(current.order.lines):
        take = min(line.quantity, out.get(line.sku, 0))
        if take:
            out[line.sku] -= take
            units.append(RefundedUnits(index=i, line_id=line_key(line), sku=line.sku, quantity=take))
    left = what_is_left(current.order, units)
    if left is None:
        raise Nonsense("intercept_empties_order", f"refund {record.refund_id} was partial, yet intercepting it at {note.warehouse_id} leaves nothing")
    # Every line of this note intercepted while the order keeps lines in its other notes: the
    # note alone is voided (the warehouse stopped it already: no void message follows).
    # A note still carrying its unpublished message keeps the lines it was released with for it
    # (decision 185): the WMS gets the note as released, then this intercept.
    shrink = ("SET message_lines = if_not_exists(message_lines, #lines), #lines = :lines", {":lines": to_value([p.model_dump() for p in kept])}) if kept else ("SET #state = :voided", {":voided": to_value(NoteState.VOIDED.value)})
    note_update = {
        "Update": {
            "TableName": deps.orders.table,
            "Key": to_item({"pk": f"ORDER#{current.order_id}", "sk": f"NOTE#{note.warehouse_id}"}),
            "UpdateExpression": shrink[0],
            "ConditionExpression": "#state = :sent",
            "ExpressionAttributeNames": {"#state": "state", **({"#lines": "lines"} if kept else {})},
            "ExpressionAttributeValues": {**shrink[1], ":sent": to_value(NoteState.SENT.value)},
        }
    }
    what = "refunded lines taken out of the parcel" if kept else "the whole parcel stopped, the note voided"
    entry = note_entry(current.status, actor, f"intercepted at {note.warehouse_id}: {what}", kept=[p.model_dump() for p in kept], **facts)
    deps.orders.amend(current, left, entry, extra_items=[note_update, deps.records.refund_update(answered, record)])
    _give_back(current.order_id, note.warehouse_id, {u.sku: u.quantity for u in units}, record.refund_id, deps)


def _give_back(order_id: str, warehouse_id: str, units: dict[str, int], refund_id: str, deps: AfterSales) -> None:
    mark_stock_changed([sku for sku, n in units.items() if n], channel_sync_store())  # the channels see it back (decision 125)
    for line in deps.inventory.reservations(order_id):
        wanted = units.get(line.sku, 0)
        if line.warehouse_id != warehouse_id or not wanted or line.state != ReservationState.HELD:
            continue
        if wanted >= line.quantity:  # the whole line: released as a cancellation releases it
            release_reservation_line(line, f"refund {refund_id}: intercepted", deps)
        else:
            give_back_units(deps.inventory, line, wanted)


def release_reservation_line(line: ReservationLine, reason: str, deps: AfterSales) -> None:
    try:
        transact_write(deps.inventory.db, deps.inventory.release_items([line], reason, int(time.time())))
    except TransactionCancelled:
        return  # released meanwhile
    if reservation_records.leaves_expiry_to_a_read([line]):  # its record's other lines
        deps.inventory.expire_settled_records(line.order_id, int(time.time()))
