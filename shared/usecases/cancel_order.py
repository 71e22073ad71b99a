"""Cancel an order up to shipment, with its compensation: outbound notes not yet shipped are
voided (in the same transaction as the status change), reserved stock is given back, and the
warehouse and partners hear of it: each voiding is an outbox message written with the status
change and sent to the WMS once by the outbox publisher (shared/outbox/). After shipment the answer is a refusal with the reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import NoteState, OrderStore, StoredOrder
from shared.aws.dynamo import TransactionCancelled
from shared.errors import OmsError, VersionConflict
from shared.events import DomainEvent, OrderCancelled, OutboundNoteVoided
from shared.clock import now_iso
from shared.outbox.messages import OutboxMessage
from shared.outbox.publish import OutboxPublisher
from shared.lifecycle import Actor, OrderStatus, is_allowed, transition_entry
from shared.usecases.retry import on_version_conflict
from shared.usecases.settle_reservations import release_reservation


class VoidedNote(BaseModel, defer_build=True):
    note_id: str
    warehouse_id: str


class Cancellation(BaseModel, defer_build=True):
    order_id: str
    cancelled_status: OrderStatus
    voided_notes: list[VoidedNote]
    released_lines: int


class CancelRefused(OmsError):
    """The order cannot be cancelled any more; the message says why."""

    def __init__(self, order_id: str, reason: str):
        super().__init__(f"order {order_id} cannot be cancelled: {reason}")
        self.order_id, self.reason = order_id, reason


def cancel_order(
    order_id: str,
    reason: str,
    actor: Actor,
    orders: OrderStore,
    inventory: InventoryStore,
    publish: Callable[[Sequence[DomainEvent]], None],
    publisher: OutboxPublisher,
) -> Cancellation:
    cancellation = on_version_conflict(lambda: _cancel(orders.load(order_id), reason, actor, orders, publisher))
    # After the status change: a retried cancel of a CANCELLED order lands here again and gives
    # back whatever a crash left HELD, so the stock always comes back.
    released = release_reservation(order_id, f"order cancelled: {reason}", inventory)
    publish(
        [OrderCancelled(event_id=f"{order_id}:cancelled", order_id=order_id, cancelled_status=cancellation.cancelled_status, reason=reason, actor=actor.name)]
    )
    publisher.publish_order(order_id)  # the voidings, and whatever a crash left pending
    return cancellation.model_copy(update={"released_lines": len(released)})


def _cancel(current: StoredOrder, reason: str, actor: Actor, orders: OrderStore, publisher: OutboxPublisher) -> Cancellation:
    if current.status == OrderStatus.CANCELLED:
        cancelled_from = next((e.from_status for e in reversed(orders.details(current.order_id).timeline) if e.to_status == OrderStatus.CANCELLED), current.status)
        return Cancellation(order_id=current.order_id, cancelled_status=cancelled_from, voided_notes=[], released_lines=0)
    if not is_allowed(current.status, OrderStatus.CANCELLED):
        why = "the parcel has left the warehouse" if current.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERY_EXCEPTION, OrderStatus.DELIVERED) else f"the order is {current.status.value}"
        raise CancelRefused(current.order_id, why)
    notes = orders.details(current.order_id).outbound_notes if current.status == OrderStatus.RELEASED else []
    if any(n.state in (NoteState.SHIPPED, NoteState.DELIVERED) for n in notes):
        raise CancelRefused(current.order_id, "a parcel of this order has left the warehouse")
    voided = [VoidedNote(note_id=n.note_id, warehouse_id=n.warehouse_id) for n in notes if n.state == NoteState.SENT]
    voids = [orders.note_update_item(n.model_copy(update={"state": NoteState.VOIDED}), NoteState.SENT) for n in notes if n.state == NoteState.SENT]
    voids += [publisher.outbox.put_item(OutboxMessage.of(_voiding(current.order_id, v), now_iso())) for v in voided]
    try:
        orders.transition(
            current,
            OrderStatus.CANCELLED,
            transition_entry(current.status, OrderStatus.CANCELLED, actor, reason=reason, voided_notes=[v.note_id for v in voided]),
            extra_items=voids,
        )
    except TransactionCancelled as cancelled:  # a parcel shipped while we decided: decide again
        raise VersionConflict(current.order_id, current.version) from cancelled
    return Cancellation(order_id=current.order_id, cancelled_status=current.status, voided_notes=voided, released_lines=0)


def _voiding(order_id: str, note: VoidedNote) -> OutboundNoteVoided:
    return OutboundNoteVoided(event_id=f"{note.note_id}:voided", order_id=order_id, note_id=note.note_id, warehouse_id=note.warehouse_id)
