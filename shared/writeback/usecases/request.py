"""On ParcelShipped: record the package's write-back once and queue it on its channel's queue.

The record's id comes from the note, so a repeated ParcelShipped finds it and queues nothing (the
first message is on its way, done, or failed and listed for a redrive). A record still PENDING
long after it was made lost its message (a crash between the record and the send): a repeat
queues it again, and the consumer's claim keeps it to one platform call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.aftersales.domain import REPLACEMENT_MARK
from shared.aws.order_store import NoteState, OrderDetails, OrderStore
from shared.clock import now_iso
from shared.lifecycle import Actor, OrderStatus, note_entry
from shared.writeback.aws.store import ChannelSyncStore
from shared.writeback.channels import NO_WRITEBACK
from shared.writeback.domain import PackageLine, WriteBackRecord, WriteBackState, writeback_id

RESEND_AFTER = timedelta(minutes=5)
Send = Callable[[str, dict[str, Any]], None]


def request_writeback(order_id: str, warehouse_id: str, orders: OrderStore, store: ChannelSyncStore, send: Send) -> str:
    details = orders.details(order_id)
    note = next((n for n in details.outbound_notes if n.warehouse_id == warehouse_id), None)
    if note is None or note.state not in (NoteState.SHIPPED, NoteState.DELIVERED):
        return "not shipped"
    if not note.tracking_number:  # nothing a platform would take; the carrier's scan brings it later
        return "no tracking number yet"
    order = details.order.order
    channel = order.channel.value
    if channel in NO_WRITEBACK:
        return "not needed"
    if REPLACEMENT_MARK in order.external_id:  # an exchange's replacement (decision 137): the platform has no such order
        if not any(e.details.get("writeback") == "exchange_replacement" for e in details.timeline):
            cause = f"no write-back: the replacement of an exchange; its tracking number {note.tracking_number} is given to {channel} on the exchange by an operator"
            orders.add_note(details.order, note_entry(details.order.status, Actor.system("writeback"), cause, writeback="exchange_replacement", tracking_number=note.tracking_number, carrier=note.carrier))
        return "not needed (exchange replacement)"
    channel_skus = {line.sku: line.channel_sku for line in order.lines}
    now = now_iso()
    record = WriteBackRecord(
        writeback_id=writeback_id(note.note_id),
        order_id=order_id,
        channel=channel,
        shop=shop_of(details),
        external_id=order.external_id,
        note_id=note.note_id,
        warehouse_id=warehouse_id,
        carrier=note.carrier,
        service=note.service,
        tracking_number=note.tracking_number or "",
        shipped_at=note.shipped_at or now,
        lines=[PackageLine(sku=line.sku, channel_sku=channel_skus.get(line.sku), quantity=line.quantity) for line in note.lines],
        split=len([n for n in details.outbound_notes if n.state != NoteState.VOIDED]) > 1,
        created_at=now,
        updated_at=now,
    )
    stored, created = store.create(record)
    if created:
        orders.add_note(details.order, note_entry(details.order.status, Actor.system("writeback"), f"write-back to {channel} queued for the parcel from {warehouse_id}", writeback_id=record.writeback_id, tracking_number=record.tracking_number, carrier=record.carrier))
    elif not (stored.state == WriteBackState.PENDING and _older_than(stored.updated_at, RESEND_AFTER)):
        return f"already {stored.state.value.lower()}"
    send(channel, {"kind": "writeback", "writeback_id": stored.writeback_id})
    return "queued"


def shop_of(details: OrderDetails) -> str | None:
    """The shop the order came from: its webhook route or reconciliation run said so on receipt."""
    received = next((e for e in details.timeline if e.to_status == OrderStatus.RECEIVED and e.from_status is None), None)
    return (received.details.get("shop") or None) if received else None


def _older_than(at: str, age: timedelta) -> bool:
    return datetime.fromisoformat(at) < datetime.now(UTC) - age
