"""Intake: store a channel order once and queue it for fulfilment."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from shared.aws.order_store import OrderStore
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry, note_entry
from shared.orders import OrderIn


class Acceptance(BaseModel):
    order_id: str
    status: OrderStatus
    duplicate: bool


def accept_order(order: OrderIn, store: OrderStore, enqueue: Callable[[str], None]) -> Acceptance:
    channel = Actor(kind=ActorKind.CHANNEL, name=order.channel.value)
    entry = TimelineEntry(
        from_status=None,
        to_status=OrderStatus.RECEIVED,
        cause=f"order received from {order.channel.value}",
        actor=channel,
        details={"external_id": order.external_id, "lines": len(order.lines), "total": f"{order.total} {order.currency}"},
    )
    stored, created = store.create(order, entry)
    if not created and stored.fingerprint != order.content_fingerprint():
        # Amendments (a corrected address before release) get their own rules; until then the
        # changed delivery is kept in the timeline, never silently dropped.
        store.add_note(
            stored,
            note_entry(
                stored.status,
                channel,
                "channel re-delivered the order with different content; not applied",
                delivered=order.model_dump(mode="json"),
            ),
        )
    if stored.status == OrderStatus.RECEIVED:
        # Also on a re-delivery: if the first attempt stored the order but failed to queue it,
        # this is what gets it moving. The workflow starter ignores orders already under way.
        enqueue(stored.order_id)
    return Acceptance(order_id=stored.order_id, status=stored.status, duplicate=not created)
