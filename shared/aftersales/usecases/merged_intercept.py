"""A refund of a merged member (合单) whose merged shipment is already released (decision 122).

The member's lines travel in the shipment order's notes, so the member cannot simply be amended or
cancelled: the parcel would leave with the refunded units. As for any released order, the
warehouse is asked to intercept (拦截) the member's refunded units in the shipment's open notes:

- the request is recorded twice, in one transaction with the outbox messages: on the member (its
  refund, `merged_into` the shipment) and on the shipment order (`for_member`), the record the
  WMS's answer finds (the WMS only knows the shipment's note);
- intercepted: the shipment's note shrinks (or is voided when it held nothing else, or the
  shipment is cancelled when nothing at all is left: its OrderCancelled then unmerges the
  members, which are routed again alone), the units come back; then the member is amended in
  place (some lines) or leaves the merge and is cancelled (everything): the remaining members
  ship in the shrunk parcel, and a cancelled member never follows the shipment;
- too late: a return (RMA) of the member's refunded units is expected, as for any order;
- units spread over several notes: the member settles once every note has answered; some
  intercepted and some too late (decision 139), the intercepted units leave the member (as a
  partial intercept) and a return of the late units only is expected, in one write.

Every step is on both timelines; a repeated answer finishes what a crash left (the member's side)."""

from __future__ import annotations

from typing import Any

from shared.aftersales import decide
from shared.aftersales.domain import AfterSalesRequest, Nonsense, RefundedUnits, line_key, what_is_left
from shared.aftersales.records import RefundOutcome, RefundRecord
from shared.aftersales.usecases import AfterSales
from shared.aftersales.usecases.returns import new_rma
from shared.aws.order_store import NoteState, OrderDetails, OutboundNote, StoredOrder
from shared.clock import now_iso
from shared.events import InterceptRequested, RefundedLine
from shared.lifecycle import Actor, OrderStatus, note_entry
from shared.merging.membership import Membership, drop_member, membership
from shared.outbox.messages import OutboxMessage
from shared.usecases.cancel_order import cancel_order

_SHIPPED = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERY_EXCEPTION, OrderStatus.DELIVERED})


class MemberNotFollowedYet(Exception):
    """The merged shipment shipped, the member has not followed it to SHIPPED yet (the merge
    events queue carries it): the refund is retried until it can expect a return."""

    retry_later = True


def released_shipment(member: StoredOrder, deps: AfterSales) -> tuple[Membership, OrderDetails] | None:
    """The member's merge and its shipment, when the shipment is released (its notes at the
    warehouses); None when the member is not merged or the shipment is not released yet."""
    if member.status != OrderStatus.MERGED or not member.merge_id:
        return None
    merge = membership(deps.orders, member.merge_id)
    if merge is None or merge.state != "MERGED" or member.order_id not in merge.members:
        return None
    shipment = deps.orders.details(merge.shipment_order_id)
    if shipment.order.status in _SHIPPED:
        raise MemberNotFollowedYet(f"merged shipment {shipment.order.order_id} shipped; member {member.order_id} has not followed yet")
    return (merge, shipment) if shipment.order.status == OrderStatus.RELEASED else None


def shipment_units(shipment: StoredOrder, units: list[RefundedUnits]) -> list[RefundedUnits]:
    """The member's refunded units as lines of the shipment order (its lines are the members')."""
    room = {i: line.quantity for i, line in enumerate(shipment.order.lines)}
    found: list[RefundedUnits] = []
    for unit in units:
        wanted = unit.quantity
        same = [i for i, line in enumerate(shipment.order.lines) if line.sku == unit.sku]
        for i in sorted(same, key=lambda i: line_key(shipment.order.lines[i]) != unit.line_id):  # its own line first
            take = min(wanted, room[i])
            if take:
                room[i] -= take
                wanted -= take
                found.append(RefundedUnits(index=i, line_id=unit.line_id, sku=unit.sku, quantity=take))
        if wanted:
            raise Nonsense("not_in_shipment", f"{unit.quantity} units of {unit.sku} refunded on the member, fewer in merged shipment {shipment.order_id}")
    return found


def request_merged_intercept(
    request: AfterSalesRequest, member: StoredOrder, merge: Membership, shipment: OrderDetails, units: list[RefundedUnits], everything: bool, actor: Actor, deps: AfterSales,
    guard: dict[str, Any],
) -> str:  # fmt: skip
    """`guard`: the member's refunds guard (decision 255), written with both records."""
    from shared.aftersales.usecases.intercept import _per_note  # one way to split units over notes

    ship = shipment.order
    on_shipment = shipment_units(ship, units)
    asks = _per_note([n for n in shipment.outbound_notes if n.state == NoteState.SENT], on_shipment, False)
    note_ids = [note.note_id for note, _ in asks]
    mine = decide.new_record(request, "after_release", units, RefundOutcome.INTERCEPT_REQUESTED, everything, member.order.currency)
    mine = mine.model_copy(update={"intercept_notes": note_ids, "intercept_lines": {note.note_id: lines for note, lines in asks}, "merged_into": ship.order_id})
    theirs = mine.model_copy(update={"order_id": ship.order_id, "everything": what_is_left(ship.order, on_shipment) is None, "merged_into": None, "for_member": member.order_id})
    now = now_iso()
    events = [
        InterceptRequested(event_id=f"{note.note_id}:intercept:{request.refund_id}", order_id=ship.order_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id=request.refund_id, lines=lines, whole_note=False)
        for note, lines in asks
    ]
    items = [
        deps.records.order_unchanged(member.order_id, member.version, member.status.value), deps.records.refund_put(mine),
        deps.records.order_unchanged(ship.order_id, ship.version, ship.status.value), deps.records.refund_put(theirs),
        *(deps.publisher.outbox.put_item(OutboxMessage.of(event, now)) for event in events),
        guard,
    ]  # fmt: skip
    deps.orders.write_conditioned(member, items)
    warehouses = ", ".join(note.warehouse_id for note, _ in asks) or "none"
    facts = {"refund_id": request.refund_id, "notes": note_ids, "merge_id": merge.merge_id}
    deps.orders.add_note(member, note_entry(member.status, actor, f"refund {request.refund_id}: merged shipment {ship.order_id} already released; intercept (拦截) requested from {warehouses}", shipment_order_id=ship.order_id, **facts))
    deps.orders.add_note(ship, note_entry(ship.status, actor, f"member {member.order_id} refunded ({request.refund_id}): intercept (拦截) of its units requested from {warehouses}", member_order_id=member.order_id, **facts))
    deps.publisher.publish_order(ship.order_id)
    return RefundOutcome.INTERCEPT_REQUESTED.value


def answer_on_member(theirs: RefundRecord, note: OutboundNote, outcome: str, actor: Actor, deps: AfterSales, shipment_notes: list[OutboundNote]) -> None:
    """The member's side of an answer the shipment's record took: idempotent (a repeat finds it done).
    `shipment_notes`: the shipment's notes as the caller read them (their warehouses name a split)."""
    assert theirs.for_member is not None
    details = deps.orders.details(theirs.for_member)
    member = details.order
    mine = deps.records.refund(member.order_id, theirs.refund_id)
    if mine is None:
        raise Nonsense("unknown_intercept", f"member {member.order_id} has no refund {theirs.refund_id}")
    if note.note_id in mine.intercept_answers:
        if mine.everything and mine.outcome == RefundOutcome.INTERCEPTED and member.status != OrderStatus.CANCELLED:
            _cancel_member(member, mine, note, actor, deps)  # what a crash left
        return
    answers = {**mine.intercept_answers, note.note_id: outcome}
    answered = mine.model_copy(update={"intercept_answers": answers, "updated_at": now_iso()})
    facts = {"refund_id": mine.refund_id, "note_id": note.note_id, "warehouse_id": note.warehouse_id, "outcome": outcome, "shipment_order_id": theirs.order_id}
    what = "intercepted" if outcome == "intercepted" else "intercept too late"
    caught = [n for n in mine.intercept_notes if answers.get(n) == "intercepted"]
    late = [n for n in mine.intercept_notes if answers.get(n) == "too_late"]
    if set(answers) != set(mine.intercept_notes) or (caught and late and not mine.intercept_lines):
        # Waits for its other notes; a record from before per-note lines with a mixed answer: a person decides.
        deps.orders.write_conditioned(member, [deps.records.refund_update(answered, mine)])
        waits = "waiting for the answer of its other parcel(s)" if set(answers) != set(mine.intercept_notes) else "part intercepted, part too late: an operator decides"
        deps.orders.add_note(member, note_entry(member.status, actor, f"{what} at {note.warehouse_id} (merged shipment {theirs.order_id}); {waits}", **facts))
        return
    if mine.rma_id:  # a return was expected already (a record from before decision 139): one return
        deps.orders.write_conditioned(member, [deps.records.refund_update(answered, mine)])
        return
    if late and caught:
        _settle_split(member, mine, answered, shipment_notes, caught, late, actor, facts, deps)
        return
    if late:  # every note too late: the whole refund comes back
        rma = new_rma(mine, note.warehouse_id)
        answered = answered.model_copy(update={"outcome": RefundOutcome.TOO_LATE, "rma_id": rma.rma_id})
        deps.orders.write_conditioned(member, [deps.records.refund_update(answered, mine), deps.records.rma_put(rma)])
        deps.orders.add_note(member, note_entry(member.status, actor, f"intercept too late: the merged parcel left {note.warehouse_id}; return {rma.rma_id} expected", rma_id=rma.rma_id, **facts))
        return
    answered = answered.model_copy(update={"outcome": RefundOutcome.INTERCEPTED})
    if mine.everything:
        deps.orders.write_conditioned(member, [deps.records.refund_update(answered, mine)])
        _cancel_member(member, answered, note, actor, deps)
        return
    units = _member_units(member, mine.lines)
    left = what_is_left(member.order, units)
    assert left is not None  # not everything
    entry = note_entry(member.status, actor, f"intercepted at {note.warehouse_id}: refunded lines left the order and the merged parcel", lines=[line.model_dump() for line in mine.lines], **facts)
    deps.orders.amend(member, left, entry, extra_items=[deps.records.refund_update(answered, mine)])


def _settle_split(member: StoredOrder, mine: RefundRecord, answered: RefundRecord, shipment_notes: list[OutboundNote], caught: list[str], late: list[str], actor: Actor, facts: dict, deps: AfterSales) -> None:
    """The member's refunded units spanned notes, some intercepted, some too late (decision 139):
    the intercepted units leave the member (as a partial intercept), the late ones are expected
    back (an RMA of those only), in one write with the record."""
    caught_lines, late_lines = _lines_of(mine, caught), _lines_of(mine, late)
    warehouses = {n.note_id: n.warehouse_id for n in shipment_notes}
    rma = new_rma(mine.model_copy(update={"lines": late_lines}), warehouses.get(late[0], "unknown"))
    answered = answered.model_copy(update={"outcome": RefundOutcome.TOO_LATE, "rma_id": rma.rma_id})
    left = what_is_left(member.order, _member_units(member, caught_lines))
    if left is None:
        raise Nonsense("intercept_empties_order", f"refund {mine.refund_id}: the units intercepted leave nothing of member {member.order_id}, yet some were too late")
    cause = f"refund {mine.refund_id} split: intercepted at {', '.join(warehouses.get(n, n) for n in caught)} (those units left the order and the merged parcel), too late at {', '.join(warehouses.get(n, n) for n in late)}: return {rma.rma_id} expected"
    entry = note_entry(member.status, actor, cause, intercepted=[line.model_dump() for line in caught_lines], too_late=[line.model_dump() for line in late_lines], **{**facts, "rma_id": rma.rma_id})
    deps.orders.amend(member, left, entry, extra_items=[deps.records.refund_update(answered, mine), deps.records.rma_put(rma)])


def _lines_of(record: RefundRecord, note_ids: list[str]) -> list[RefundedLine]:
    """The units asked of these notes, one line per (line id, SKU)."""
    summed: dict[tuple[str, str], int] = {}
    for note_id in note_ids:
        for line in record.intercept_lines.get(note_id, []):
            summed[(line.line_id, line.sku)] = summed.get((line.line_id, line.sku), 0) + line.quantity
    return [RefundedLine(line_id=line_id, sku=sku, quantity=quantity) for (line_id, sku), quantity in summed.items()]


def _member_units(member: StoredOrder, lines: list[RefundedLine]) -> list[RefundedUnits]:
    found, room = [], {i: line.quantity for i, line in enumerate(member.order.lines)}
    for refunded in lines:
        wanted = refunded.quantity
        for i, line in enumerate(member.order.lines):
            if line.sku == refunded.sku and line_key(line) == refunded.line_id and wanted and room[i]:
                take = min(wanted, room[i])
                room[i] -= take
                wanted -= take
                found.append(RefundedUnits(index=i, line_id=refunded.line_id, sku=refunded.sku, quantity=take))
    return found


def _cancel_member(member: StoredOrder, record: RefundRecord, note: OutboundNote, actor: Actor, deps: AfterSales) -> None:
    """Everything of the member intercepted: it leaves the merge (the shipment ships without it
    and it never follows), then it is cancelled (nothing of its own is reserved: no stock moves)."""
    merge = membership(deps.orders, member.merge_id or "")
    if merge is not None and member.order_id in merge.members:
        drop_member(deps.orders, merge, member.order_id)
    cancel_order(member.order_id, f"{record.channel} {record.kind.value} {record.refund_id}: intercepted at {note.warehouse_id} (merged shipment)", actor, deps.orders, deps.inventory, deps.publish, deps.publisher)
