"""On ParcelShipped: record the package's write-back once and queue it on its channel's queue.

The record's id comes from the note, so a repeated ParcelShipped finds it and queues nothing (the
first message is on its way, done, or failed and listed for a redrive). A record still PENDING
long after it was made lost its message (a crash between the record and the send): a repeat
queues it again, and the consumer's claim keeps it to one platform call. A merged shipment's
(合单) parcel is written back to each member's own order, with the member's lines in it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.aftersales.domain import REPLACEMENT_MARK
from shared.amendments import REFUNDS_AT_INTAKE
from shared.aws.order_store import NoteState, OrderDetails, OrderStore, OutboundNote
from shared.clock import now_iso
from shared.lifecycle import Actor, OrderStatus, note_entry
from shared.merging.membership import membership
from shared.orders import OrderLine
from shared.writeback.aws.store import ChannelSyncStore
from shared.writeback.channels import NO_WRITEBACK
from shared.writeback.domain import PackageLine, Parcel, WriteBackRecord, WriteBackState, writeback_id

RESEND_AFTER = timedelta(minutes=5)
BACKORDER_MARK = "#backorder"  # a backorder child's external id ends so (shared/usecases/split_backorder.py; not imported: it loads the router)
Send = Callable[[str, dict[str, Any]], None]


def request_writeback(order_id: str, warehouse_id: str, orders: OrderStore, store: ChannelSyncStore, send: Send) -> str:
    details = orders.details(order_id)
    note = next((n for n in details.outbound_notes if n.warehouse_id == warehouse_id), None)
    if note is None or note.state not in (NoteState.SHIPPED, NoteState.DELIVERED):
        return "not shipped"
    if not note.tracking_number:  # nothing a platform would take; the carrier's scan brings it later
        return "no tracking number yet"
    if details.order.merge_id:
        merge = membership(orders, details.order.merge_id)
        if merge is not None and merge.shipment_order_id == order_id:  # 合单: each member's own trade (decision 87)
            return _request_merged(details, note, merge.members, orders, store, send)
    order = details.order.order
    channel = order.channel.value
    if channel in NO_WRITEBACK:
        return "not needed"
    if REPLACEMENT_MARK in order.external_id:  # an exchange's replacement (decision 137): the platform has no such order
        if not any(e.details.get("writeback") == "exchange_replacement" for e in details.timeline):
            cause = f"no write-back: the replacement of an exchange; its tracking number {note.tracking_number} is given to {channel} on the exchange by an operator"
            orders.add_note(details.order, note_entry(details.order.status, Actor.system("writeback"), cause, writeback="exchange_replacement", tracking_number=note.tracking_number, carrier=note.carrier))
        return "not needed (exchange replacement)"
    notes = [n for n in details.outbound_notes if n.state != NoteState.VOIDED]
    told = details  # whose external id and shop the platform knows
    backordered = any(e.details.get("backorder_order_id") for e in details.timeline)
    if order.external_id.endswith(BACKORDER_MARK) and details.timeline and details.timeline[0].details.get("parent_order_id"):
        # BACKORDER_MODE=lines (decision 23): the child's lines are the parent's trade's, shipped later.
        told, backordered = orders.details(details.timeline[0].details["parent_order_id"]), True
    share = _shares(notes, order.lines).get(note.warehouse_id, [])
    lines = [_package_line(line, quantity) for line, quantity in zip(order.lines, share, strict=False) if quantity > 0]
    left = Counter()
    for shipped in note.lines:
        left[shipped.sku] += shipped.quantity
    for line in lines:
        left[line.sku] -= line.quantity
    # Units no order line accounts for (an order amended after its notes): by SKU, as shipped.
    lines += [PackageLine(sku=sku, channel_sku=next((o.channel_sku for o in order.lines if o.sku == sku), None), quantity=units) for sku, units in left.items() if units > 0]
    if channel in ONE_CALL_PER_ORDER and len(notes) > 1 and not backordered:
        return _request_whole_order(details, notes, orders, store, send)
    split = len(notes) > 1 or backordered or lines_left_out(details)
    return _record_and_queue(details, note, writeback_id(note.note_id), lines, split, orders, store, send, told=told)


# Platforms whose shipping call takes every waybill of an order at once and ships the whole order:
# JD's jingdong.pop.order.shipment (logiCoprId "2100|4700", logiNo "w1,w2|w3"); a second call for
# a shipped order is refused, so a split order is written back once, when its last parcel ships.
ONE_CALL_PER_ORDER = frozenset({"jd"})
_WAITS = "waits_for_parcels"


def _request_whole_order(details: OrderDetails, notes: list[OutboundNote], orders: OrderStore, store: ChannelSyncStore, send: Send) -> str:
    """One write-back for every parcel of the order (its id the first note's by warehouse, so any
    parcel's repeat finds it), made when the last one has shipped with its waybill. Until then a
    note on the order's timeline, once per parcel shipped, says what it waits for."""
    shipped = [n for n in notes if n.state in (NoteState.SHIPPED, NoteState.DELIVERED) and n.tracking_number]
    order = details.order.order
    if len(shipped) < len(notes):
        if not any(e.details.get("writeback") == _WAITS and e.details.get("shipped") == len(shipped) for e in details.timeline):
            cause = f"write-back to {order.channel.value} waits for the order's other parcels ({len(shipped)} of {len(notes)} shipped): it takes every waybill of the order in one call"
            orders.add_note(details.order, note_entry(details.order.status, Actor.system("writeback"), cause, writeback=_WAITS, shipped=len(shipped), parcels=len(notes)))
        return f"waiting for {len(notes) - len(shipped)} more parcel(s)"
    by_warehouse = sorted(shipped, key=lambda n: n.warehouse_id)
    lines = [_package_line(line, line.quantity) for line in order.lines]
    parcels = [Parcel(carrier=n.carrier, tracking_number=n.tracking_number or "") for n in by_warehouse]
    return _record_and_queue(details, by_warehouse[0], writeback_id(by_warehouse[0].note_id), lines, False, orders, store, send, parcels=parcels)


# What the RECEIVED entry (its received_via) or an applied amendment note says was left out of the
# platform's order: sub-orders closed or refunding at intake (decisions 263, 266), their refunds.
_LEFT_OUT_AT_INTAKE = ("closed_sub_orders", "refunding_sub_orders", REFUNDS_AT_INTAKE)


def lines_left_out(details: OrderDetails) -> bool:
    """Whether the platform's order holds lines this order does not ship: left out at intake, or
    taken out by a refund (after-sales' amendment note names the refund and its lines). Such a
    parcel is sent as a split one, naming its own lines: a whole-order send would tell the
    platform that the refunding lines shipped too."""
    return any(entry.details.get(key) for entry in details.timeline for key in _LEFT_OUT_AT_INTAKE) or any(
        entry.details.get("refund_id") and entry.details.get("lines") for entry in details.timeline
    )


def _shares(notes: list[OutboundNote], order_lines: list[OrderLine]) -> dict[str, list[int]]:
    """Each note's units per order line: notes by warehouse, each note's units of a SKU to the
    order's lines of that SKU in order. Deterministic, so each parcel (and a repeat) gets the same
    lines, and two lines of one SKU (a paid sub-order and a gift) go out under their own ids."""
    left = [line.quantity for line in order_lines]
    shares: dict[str, list[int]] = {}
    for shipped in sorted(notes, key=lambda n: n.warehouse_id):
        share = [0] * len(order_lines)
        for line in shipped.lines:
            units = line.quantity
            for i, order_line in enumerate(order_lines):
                take = min(units, left[i]) if order_line.sku == line.sku else 0
                share[i], left[i], units = share[i] + take, left[i] - take, units - take
        shares[shipped.warehouse_id] = share
    return shares


def _package_line(line: OrderLine, quantity: int) -> PackageLine:
    return PackageLine(sku=line.sku, channel_sku=line.channel_sku, channel_line_id=line.channel_line_id, quantity=quantity)


def _record_and_queue(
    details: OrderDetails, note: OutboundNote, record_id: str, lines: list[PackageLine], split: bool, orders: OrderStore, store: ChannelSyncStore, send: Send,
    told: OrderDetails | None = None, parcels: list[Parcel] | None = None,
) -> str:
    """`details`: the order told about (a merged member, or the order that shipped itself);
    `told`: the order whose external id and shop the platform knows (a backorder's parent);
    `parcels`: every parcel of the order, written back in one call (JD)."""
    order = details.order.order
    channel = order.channel.value
    now = now_iso()
    record = WriteBackRecord(
        writeback_id=record_id,
        order_id=details.order.order_id,
        channel=channel,
        shop=shop_of(told or details),
        external_id=(told or details).order.order.external_id,
        note_id=note.note_id,
        warehouse_id=note.warehouse_id,
        carrier=note.carrier,
        service=note.service,
        tracking_number=",".join(p.tracking_number for p in parcels) if parcels else note.tracking_number or "",
        shipped_at=note.shipped_at or now,
        lines=lines,
        split=split,
        parcels=parcels or [],
        created_at=now,
        updated_at=now,
    )
    stored, created = store.create(record)
    if created:
        orders.add_note(details.order, note_entry(details.order.status, Actor.system("writeback"), f"write-back to {channel} queued for the parcel from {note.warehouse_id}", writeback_id=record.writeback_id, tracking_number=record.tracking_number, carrier=record.carrier))
    elif not (stored.state == WriteBackState.PENDING and older_than(stored.updated_at, RESEND_AFTER)):
        return f"already {stored.state.value.lower()}"
    send(channel, {"kind": "writeback", "writeback_id": stored.writeback_id})
    return "queued"


def _request_merged(shipment: OrderDetails, note: OutboundNote, members: tuple[str, ...], orders: OrderStore, store: ChannelSyncStore, send: Send) -> str:
    """A merged shipment's parcel: one write-back per member with lines in it, under the member's
    own channel, shop, external id and line ids (the shipment's joined id is no platform's order).
    The shipment's units go to the members' lines in the record's order (_shares), so a repeat
    (or another note's request) splits them the same way."""
    notes = [n for n in shipment.outbound_notes if n.state != NoteState.VOIDED]
    member_details = [orders.details(member_id) for member_id in members]
    owned = [(i, line) for i, member in enumerate(member_details) for line in member.order.order.lines]
    shares = _shares(notes, [line for _, line in owned])
    outcomes = []
    for i, member in enumerate(member_details):
        lines = [_package_line(line, quantity) for (owner, line), quantity in zip(owned, shares.get(note.warehouse_id, []), strict=False) if owner == i and quantity > 0]
        if not lines:
            continue
        if member.order.order.channel.value in NO_WRITEBACK:
            outcomes.append(f"{member.order.order_id}: not needed")
            continue
        split = sum(1 for share in shares.values() if any(q for (owner, _), q in zip(owned, share, strict=False) if owner == i)) > 1
        record_id = f"{writeback_id(note.note_id)}-{member.order.order_id}"
        outcomes.append(f"{member.order.order_id}: " + _record_and_queue(member, note, record_id, lines, split, orders, store, send))
    if not outcomes:
        return "not needed (no member's lines in the parcel)"
    results = {o.split(": ", 1)[1] for o in outcomes}
    return results.pop() if len(results) == 1 else "; ".join(outcomes)


def shop_of(details: OrderDetails) -> str | None:
    """The shop the order came from: its webhook route or reconciliation run said so on receipt."""
    received = next((e for e in details.timeline if e.to_status == OrderStatus.RECEIVED and e.from_status is None), None)
    return (received.details.get("shop") or None) if received else None


def older_than(at: str, age: timedelta) -> bool:
    return datetime.fromisoformat(at) < datetime.now(UTC) - age
