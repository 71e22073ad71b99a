"""Intake: store a channel order once, apply or record a re-delivery's changes, queue it for
fulfilment. Exactly once: the order id comes from (channel, external id) and the create is one
conditional write, so every re-delivery finds the same order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

from shared.amendments import CHANNEL_UPDATED_AT, REFUNDS_AT_INTAKE, amendment_note, newest_channel_update, seen_fingerprints, stale_note
from shared.aws.order_store import OrderStore, StoredOrder
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry
from shared.orders import OrderIn
from shared.usecases.retry import on_version_conflict

Amendment = Literal["applied", "not_applied"]


class Acceptance(BaseModel, defer_build=True):
    order_id: str
    status: OrderStatus
    duplicate: bool
    amendment: Amendment | None = None


def accept_order(
    order: OrderIn,
    store: OrderStore,
    enqueue: Callable[[str], None],
    received_via: dict[str, str] | None = None,
    *,
    cause: str | None = None,
    actor: Actor | None = None,
    send_waiting: Callable[[str], int] | None = None,
) -> Acceptance:
    """`cause` and `actor` name who brought the order when it was not the channel itself (e.g.
    reconciliation pulling an order whose webhook never came). `send_waiting`: while the order is
    RECEIVED, what came for it before it (a cancellation, a refund) is sent to after-sales again,
    before the order is queued for fulfilment (shared/aftersales/waiting.py, decision 264)."""
    channel = Actor(kind=ActorKind.CHANNEL, name=order.channel.value)
    entry = TimelineEntry(
        from_status=None,
        to_status=OrderStatus.RECEIVED,
        cause=cause or f"order received from {order.channel.value}",
        actor=actor or channel,
        details={
            "external_id": order.external_id,
            "lines": len(order.lines),
            "total": f"{order.total} {order.currency}",
            **(received_via or {}),
        },
    )
    stored, created = store.create(order, entry)
    amendment: Amendment | None = None
    if not created and stored.fingerprint != order.content_fingerprint():
        via = received_via or {}
        stored, amendment = on_version_conflict(lambda: _redelivered_with_changes(store.load(stored.order_id), order, store, channel, via.get(CHANNEL_UPDATED_AT), via.get(REFUNDS_AT_INTAKE)))
    if stored.status == OrderStatus.RECEIVED:
        # Also on a re-delivery: if the first attempt stored the order but failed to send what
        # waited for it or to queue it, this does (a refund sent twice is a duplicate; the
        # workflow starter ignores orders already under way).
        if send_waiting is not None:
            send_waiting(stored.order_id)
        enqueue(stored.order_id)
    return Acceptance(order_id=stored.order_id, status=stored.status, duplicate=not created, amendment=amendment)


def _redelivered_with_changes(
    current: StoredOrder, order: OrderIn, store: OrderStore, channel: Actor, updated_at: str | None = None, refunds_at_intake: str | None = None
) -> tuple[StoredOrder, Amendment | None]:
    fingerprint = order.content_fingerprint()
    if fingerprint == current.fingerprint:  # a concurrent delivery of the same change won
        return current, None
    timeline = store.details(current.order_id).timeline
    if fingerprint in seen_fingerprints(timeline):
        return current, None  # a late copy of content already recorded: nothing new to say
    newest = newest_channel_update(timeline)
    if updated_at is not None and newest is not None and updated_at < newest:
        # The platform changed the order after this copy: a late copy (a webhook retry, an
        # orders/create delivered after its orders/updated) must not undo the newer content.
        store.add_note(current, stale_note(current.status, current.order, current.fingerprint, order, channel, updated_at, newest))
        return current, "not_applied"
    note, verdict = amendment_note(current.status, current.order, current.fingerprint, order, channel, updated_at, refunds_at_intake)
    if verdict.applies:
        return store.amend(current, order, note), "applied"
    store.add_note(current, note)
    return current, "not_applied"
