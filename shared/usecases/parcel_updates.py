"""Warehouse and carrier updates after the outbound note: shipped (with tracking), delivered,
delivery exception. Updates arrive at least once and in any order: a repeat changes nothing, and
an update older than what we know (a late 'shipped' after 'delivered') is recorded, not applied."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import NoteState, OrderDetails, OrderStore
from shared.lifecycle import Actor, ActorKind, OrderStatus, is_allowed, note_entry, transition_entry
from shared.usecases.retry import on_version_conflict
from shared.usecases.settle_reservations import commit_shipment

UpdateKind = Literal["ParcelShipped", "ParcelDelivered", "DeliveryException"]
_PROGRESS = {NoteState.SENT: 0, NoteState.SHIPPED: 1, NoteState.DELIVERED: 2}
_TARGET = {"ParcelShipped": NoteState.SHIPPED, "ParcelDelivered": NoteState.DELIVERED}


class ParcelUpdate(BaseModel, defer_build=True):
    order_id: str = Field(min_length=1)
    warehouse_id: str = Field(min_length=1)
    occurred_at: str = Field(description="ISO-8601 UTC time of the scan")
    carrier: str | None = None
    tracking_number: str | None = None
    reason: str | None = Field(default=None, description="For a delivery exception: what happened")


def apply_parcel_update(kind: UpdateKind, update: ParcelUpdate, source: str, orders: OrderStore, inventory: InventoryStore) -> str:
    """Returns what happened: applied, duplicate or recorded (late or contradictory, not applied)."""
    actor = Actor(kind=ActorKind.PARTNER, name=source)
    outcome = on_version_conflict(lambda: _apply(kind, update, actor, orders.details(update.order_id), orders))
    if outcome in ("applied", "duplicate") and kind in _TARGET:
        # Idempotent; shipped stock leaves on_hand. On a repeat too: the first delivery may have
        # moved the note and then failed here (a throttle, a transaction conflict on the order's
        # shared reservation record), and its retry finds the note moved already.
        commit_shipment(update.order_id, update.warehouse_id, inventory)
    return outcome


def _apply(kind: UpdateKind, update: ParcelUpdate, actor: Actor, details: OrderDetails, orders: OrderStore) -> str:
    current = details.order
    note = next((n for n in details.outbound_notes if n.warehouse_id == update.warehouse_id), None)
    if note is None:
        raise ValueError(f"order {update.order_id} has no outbound note for warehouse {update.warehouse_id}")

    if kind == "DeliveryException":
        if current.status == OrderStatus.DELIVERY_EXCEPTION:
            return "duplicate"
        if not is_allowed(current.status, OrderStatus.DELIVERY_EXCEPTION):
            return _record(orders, details, actor, kind, update, f"order is {current.status.value}")
        orders.transition(current, OrderStatus.DELIVERY_EXCEPTION, transition_entry(current.status, OrderStatus.DELIVERY_EXCEPTION, actor, **_facts(update)))
        return "applied"

    target = _TARGET[kind]
    if note.state != NoteState.VOIDED and _PROGRESS[note.state] >= _PROGRESS[target] and update.tracking_number and not note.tracking_number:
        # The warehouse's scan came without a waybill; the carrier's brings it: kept on the note,
        # or the parcel's write-back would wait for a tracking number that never arrives.
        moved = note.model_copy(update={"carrier": update.carrier or note.carrier, "tracking_number": update.tracking_number})
        orders.write_conditioned(current, [orders.note_update_item(moved, note.state)])
        orders.add_note(current, _entry(current.status, actor, f"tracking number for the parcel from {update.warehouse_id}", _facts(update)))
        return "applied"
    if note.state == target:
        return "duplicate"
    if note.state == NoteState.VOIDED or _PROGRESS[note.state] > _PROGRESS[target]:
        return _record(orders, details, actor, kind, update, f"outbound note is {note.state.value}")

    moved = note.model_copy(
        update={
            "state": target,
            "carrier": update.carrier or note.carrier,
            "tracking_number": update.tracking_number or note.tracking_number,
            "shipped_at": note.shipped_at or update.occurred_at,
            "delivered_at": update.occurred_at if target == NoteState.DELIVERED else None,
        }
    )
    others = [n for n in details.outbound_notes if n.warehouse_id != note.warehouse_id and n.state != NoteState.VOIDED]
    order_target = OrderStatus.SHIPPED if target == NoteState.SHIPPED else OrderStatus.DELIVERED
    all_there = all(_PROGRESS[n.state] >= _PROGRESS[target] for n in others)
    note_item = orders.note_update_item(moved, note.state)
    if all_there and current.status != order_target and is_allowed(current.status, order_target):
        orders.transition(current, order_target, transition_entry(current.status, order_target, actor, **_facts(update)), extra_items=[note_item])
    else:
        # The other notes as seen: two parcels of one order shipped at the same moment each see the
        # other still SENT; the second to commit fails here, reads again and moves the order on.
        orders.write_conditioned(current, [note_item, *(orders.note_state_check(n) for n in others)])
        orders.add_note(current, _entry(current.status, actor, f"{kind} for the parcel from {update.warehouse_id}", _facts(update)))
    return "applied"


def _record(orders: OrderStore, details: OrderDetails, actor: Actor, kind: str, update: ParcelUpdate, why: str) -> str:
    status = details.order.status
    orders.add_note(details.order, _entry(status, actor, f"late or contradictory {kind} recorded, not applied ({why})", _facts(update)))
    return "recorded"


def _entry(status: OrderStatus, actor: Actor, cause: str, details: dict) -> TimelineEntry:
    return note_entry(status, actor, cause, **details)


def _facts(update: ParcelUpdate) -> dict:
    return update.model_dump(exclude_none=True, exclude={"order_id"})

