"""Workflow step: create the outbound notes (出库单) of a RESERVED order and send them.

The notes (each carrying its outbox message) are put first, then META's change to RELEASED names
them (decision 225: plain writes, shared/aws/plain_release.py), so only the notes of the execution
whose transition wins are ever read or sent (a note carries its message since decision 185:
shared/outbox/note_messages.py); the outbox publisher then puts each on the
WMS queue exactly once (shared/outbox/). A retried or duplicate step finds the order RELEASED and
only publishes what is still pending. What a crash leaves pending is published from the release's
record on the orders table's stream (decision 193: shared/outbox/release_stream.py)."""

from __future__ import annotations

from typing import NamedTuple

from shared.aws import write_layout
from shared.aws.plain_release import ReleaseTime
from shared.aws.order_store import OrderStore, OutboundNote, StoredOrder
from shared.clock import now_iso
from shared.errors import OrderMovedOn
from shared.events import OutboundNoteCreated
from shared.ids import outbound_note_id
from shared.lifecycle import Actor, OrderStatus, transition_entry
from shared.outbox import note_messages
from shared.outbox.messages import OutboxMessage
from shared.outbox.publish import OutboxPublisher
from shared.usecases.retry import on_version_conflict


class Released(NamedTuple):
    note_ids: list[str]
    order_created_at: str  # for the order-to-outbound latency, without reading the order again
    released: ReleaseTime | None = None  # the release's version and time (bounds a reused note's first send)


def release_to_warehouse(order_id: str, orders: OrderStore, publisher: OutboxPublisher) -> list[str]:
    return release_order(order_id, orders, publisher).note_ids


def release_order(order_id: str, orders: OrderStore, publisher: OutboxPublisher) -> Released:
    read: list[StoredOrder] = []

    def attempt() -> Released:
        read.append(orders.load(order_id))
        return _release(read[-1], orders, publisher)

    released = on_version_conflict(attempt)
    # The notes' messages need its content; only the notes META names are sent (decision 225).
    publisher.publish_order(order_id, read[-1].order.model_dump(mode="json"), named=released.note_ids, released=released.released)
    return released


def _release(current: StoredOrder, orders: OrderStore, publisher: OutboxPublisher) -> Released:
    if current.status in (OrderStatus.RELEASED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        # a retried step: publish what is pending (META's time is its release's while at its version)
        released = ReleaseTime(current.version, current.updated_at) if current.status == OrderStatus.RELEASED else None
        return Released([n.note_id for n in orders.details(current.order_id).outbound_notes], current.created_at, released)
    if current.status != OrderStatus.RESERVED or current.plan is None:
        raise OrderMovedOn(current.order_id, current.status, "release to warehouse")
    created_at = now_iso()
    notes = [
        OutboundNote(
            note_id=outbound_note_id(current.order_id, shipment.warehouse_id),
            order_id=current.order_id,
            warehouse_id=shipment.warehouse_id,
            lines=shipment.lines,
            created_at=created_at,
            carrier=shipment.carrier,
            service=shipment.service,
        )
        for shipment in current.plan.shipments
    ]
    if write_layout.enabled():  # each note carries its own message (decision 185)
        extra_items = [orders.outbound_note_put(note, publisher.outbox.carried_by_note(created_at)) for note in notes]
    else:
        extra_items = [orders.outbound_note_put(note) for note in notes]
        extra_items += [publisher.outbox.put_item(OutboxMessage.of(_announcement(current, note), created_at)) for note in notes]
    stored = orders.transition(
        current,
        OrderStatus.RELEASED,
        transition_entry(
            current.status,
            OrderStatus.RELEASED,
            Actor.system("notification"),
            outbound_notes=[{"note_id": n.note_id, "warehouse_id": n.warehouse_id} for n in notes],
        ),
        set_fields={"outbound_note_ids": [n.note_id for n in notes]},
        extra_items=extra_items,
        entry_on_first_extra=True,  # the RELEASED entry rides on the first note (decision 119)
    )
    return Released([n.note_id for n in notes], current.created_at, ReleaseTime(stored.version, stored.updated_at))


def _announcement(stored: StoredOrder, note: OutboundNote) -> OutboundNoteCreated:
    return note_messages.announcement(note, stored.order.channel.value, stored.order.external_id, stored.order.receiver)
