"""A channel queue's consumer: make the platform call a message asks for, once.

Write-back: the record is claimed (one delivery at a time; a DONE record makes no call), the
platform called, and the outcome recorded. A retryable failure (5xx, 429, no connection) queues
the message again, delayed by the backoff (the platform's Retry-After when it gave one); after
MAX_ATTEMPTS, or at once when the platform refuses the call itself, the write-back is FAILED:
listed for operations, a WriteBackFailed event, a timeline note, and the message in the channel's
dead-letter queue (whose alarm tells someone) with the reason.

Stock push: the platform told the SKU's quantity; a push a newer one has overtaken is dropped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.events import DomainEvent, ShipmentWrittenBack, WriteBackFailed
from shared.lifecycle import Actor, note_entry
from shared.reconciliation.credentials import PlatformCredentials, UnknownShop
from shared.reconciliation.pull.base import ShopCredentials
from shared.writeback.aws.store import ChannelSyncStore
from shared.writeback.carriers import UnknownCarrier
from shared.writeback.channels import PLATFORMS, platform
from shared.writeback.domain import MAX_ATTEMPTS, CallFailed, StockPush, WriteBackRecord, WriteBackState, backoff_seconds

_EVENT_CHANNEL = ShopCredentials(access_token="event-bus")


@dataclass
class Ports:
    store: ChannelSyncStore
    orders: Any  # OrderStore: timeline notes
    credentials: PlatformCredentials
    send: Callable[[str, dict[str, Any], float], None]  # channel, message, delay seconds
    give_up: Callable[[str, dict[str, Any], str], None]  # channel, message, reason
    publish: Callable[[Sequence[DomainEvent]], None]
    base_backoff_seconds: float = 2.0
    now_epoch: Callable[[], int] = lambda: 0


def deliver(message: dict[str, Any], ports: Ports) -> str:
    if message.get("kind") == "writeback":
        return deliver_writeback(message, ports)
    if message.get("kind") == "stock":
        return deliver_stock(message, ports)
    raise ValueError(f"unknown message kind {message.get('kind')!r}: expected writeback or stock")


def deliver_writeback(message: dict[str, Any], ports: Ports) -> str:
    record = ports.store.get(message["writeback_id"])
    if record.state == WriteBackState.DONE:
        ports.publish([_written_back(record, record.attempts, record.platform_reference)])  # the same event id: consumers drop the copy
        return "already done"
    if record.state != WriteBackState.PENDING or not ports.store.claim(record.writeback_id, ports.now_epoch()):
        return f"skipped ({record.state.value.lower()} or held by another delivery)"
    attempt = record.attempts + 1
    try:
        shop, credentials = _credentials(record.channel, record.shop, ports)
        reference = platform(record.channel).ship(record.model_copy(update={"shop": shop}), credentials)
    except (UnknownShop, UnknownCarrier) as error:
        return _failed(record, message, attempt, str(error), ports)
    except CallFailed as failure:
        if not failure.retryable or attempt >= MAX_ATTEMPTS:
            return _failed(record, message, attempt, failure.reason, ports)
        ports.store.finish(record.writeback_id, WriteBackState.PENDING, attempt, error=failure.reason)
        ports.send(record.channel, message, backoff_seconds(attempt, ports.base_backoff_seconds, failure.retry_after))
        return f"retrying ({failure.reason})"
    ports.store.finish(record.writeback_id, WriteBackState.DONE, attempt, reference=reference)
    ports.publish([_written_back(record, attempt, reference)])
    _note(ports, record, f"shipment written back to {record.channel} (attempt {attempt})", platform_reference=reference, attempts=attempt)
    return "done"


def _failed(record: WriteBackRecord, message: dict[str, Any], attempt: int, reason: str, ports: Ports) -> str:
    """The dead letter (its alarm), the event and the note first, the record's FAILED last: a crash
    between them leaves the record PENDING, so the message's next delivery fails it again and a
    person hears of it (twice at worst), where a FAILED record made every redelivery skip it."""
    ports.give_up(record.channel, message, reason)
    ports.publish([
        WriteBackFailed(
            event_id=f"{record.writeback_id}-failed-{attempt}",
            order_id=record.order_id,
            channel=record.channel,
            note_id=record.note_id,
            tracking_number=record.tracking_number or None,
            attempts=attempt,
            reason=reason,
        )
    ])
    _note(ports, record, f"write-back to {record.channel} FAILED after {attempt} attempt(s): operations must redrive it", reason=reason, attempts=attempt)
    ports.store.finish(record.writeback_id, WriteBackState.FAILED, attempt, error=reason)
    return f"failed ({reason})"


def deliver_stock(message: dict[str, Any], ports: Ports) -> str:
    push = StockPush.model_validate(message["push"])
    attempt = int(message.get("attempt", 1))
    latest = ports.store.last_pushed(push.sku).get(f"{push.channel}#{push.shop}")
    if latest is not None and latest != push.quantity:
        return "overtaken by a newer push"
    try:
        platform(push.channel).push_stock(push, _credentials(push.channel, push.shop, ports)[1])
    except UnknownShop as error:
        ports.give_up(push.channel, message, str(error))
        return "failed"
    except CallFailed as failure:
        if not failure.retryable or attempt >= MAX_ATTEMPTS:
            ports.give_up(push.channel, message, failure.reason)
            return f"failed ({failure.reason})"
        ports.send(push.channel, {**message, "attempt": attempt + 1}, backoff_seconds(attempt, ports.base_backoff_seconds, failure.retry_after))
        return f"retrying ({failure.reason})"
    return "pushed"


def _credentials(channel: str, shop: str | None, ports: Ports) -> tuple[str | None, ShopCredentials]:
    if channel not in PLATFORMS:
        return shop, _EVENT_CHANNEL
    if not shop:  # an order without a shop (the canonical API): the channel's only shop, if it has one
        shops = [s for c, s in ports.credentials.shops() if c == channel]
        if len(shops) != 1:
            raise UnknownShop(channel, f"(order names no shop; {len(shops)} {channel} shops are configured)")
        shop = shops[0]
    return shop, ports.credentials.for_shop(channel, shop)


def _written_back(record: WriteBackRecord, attempts: int, reference: str | None) -> ShipmentWrittenBack:
    return ShipmentWrittenBack(
        event_id=record.writeback_id,
        order_id=record.order_id,
        channel=record.channel,
        external_id=record.external_id,
        note_id=record.note_id,
        warehouse_id=record.warehouse_id,
        carrier=record.carrier,
        service=record.service,
        tracking_number=record.tracking_number,
        lines=[line.model_dump(exclude_none=True) for line in record.lines],
        attempts=attempts,
        platform_reference=reference,
    )


def _note(ports: Ports, record: WriteBackRecord, cause: str, **details: Any) -> None:
    current = ports.orders.load(record.order_id)
    ports.orders.add_note(current, note_entry(current.status, Actor.system("writeback"), cause, writeback_id=record.writeback_id, channel=record.channel, tracking_number=record.tracking_number, **details))
