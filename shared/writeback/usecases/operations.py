"""What operations do with write-backs that failed: list them (newest first, with the reason and
attempts), and redrive one after fixing the cause (a carrier code, a shop's token): it becomes
PENDING with a fresh count of attempts and goes back on its channel's queue. And the channel
listings the stock push needs: which platform item a SKU is sold as, per channel and shop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.lifecycle import Actor, note_entry
from shared.writeback.aws.store import ChannelSyncStore
from shared.writeback.channels import PLATFORMS
from shared.writeback.domain import WriteBackRecord, WriteBackState
from shared.writeback.usecases.request import RESEND_AFTER, older_than


def failed_writebacks(store: ChannelSyncStore, limit: int = 100) -> list[WriteBackRecord]:
    return store.failed(limit)


def redrive_writeback(writeback_id: str, operator: str, store: ChannelSyncStore, orders: Any, send: Callable[[str, dict[str, Any]], None], reason: str = "") -> tuple[WriteBackRecord | None, bool]:
    """(None, False) when there is no such write-back; (the record, False) when it is not FAILED,
    nor PENDING for longer than RESEND_AFTER (a redrive whose send failed after it reopened the
    record, or another lost message: sent again, the consumer's claim keeps it to one call).
    The operator's reason (what was fixed) goes into the order's timeline note."""
    try:
        record = store.get(writeback_id)
    except KeyError:
        return None, False
    if not store.reopen(writeback_id) and not (record.state == WriteBackState.PENDING and older_than(record.updated_at, RESEND_AFTER)):
        return record, False
    send(record.channel, {"kind": "writeback", "writeback_id": writeback_id})
    current = orders.load(record.order_id)
    orders.add_note(current, note_entry(current.status, Actor(kind="operator", name=operator), f"write-back to {record.channel} redriven", writeback_id=writeback_id, previous_error=record.last_error, **({"reason": reason} if reason else {})))
    return store.get(writeback_id), True


# The platform's ids of the item a SKU is sold as, per channel (shared/writeback/channels/).
LISTING_KEYS = {"shopify": {"inventory_item_id", "location_id"}, "tmall": {"num_iid"}, "jd": {"sku_id"}, "douyin": {"product_id", "sku_id"}}


def put_listing(sku: str, channel: str, shop: str, listing: dict[str, str], store: ChannelSyncStore) -> None:
    """Raises ValueError naming what is wrong: a channel without a stock call, a missing id."""
    if channel not in PLATFORMS:
        raise ValueError(f"channel must be one of {', '.join(PLATFORMS)}: {channel} has no stock call")
    missing = sorted(LISTING_KEYS[channel] - set(listing))
    if missing:
        raise ValueError(f"a {channel} listing needs {', '.join(missing)}")
    if not sku or not shop:
        raise ValueError("sku and shop must not be empty")
    store.put_listing(sku, channel, shop, listing)


def redrive_failed(operator: str, store: ChannelSyncStore, orders: Any, send: Callable[[str, dict[str, Any]], None], channel: str | None = None, limit: int = 100, reason: str = "") -> tuple[list[str], list[str]]:
    """Redrives every FAILED write-back (of one channel, when named), newest first, up to `limit`:
    (redriven ids, ids another redrive took first)."""
    redriven, skipped = [], []
    for record in store.failed(limit if channel is None else 1000):
        if channel is not None and record.channel != channel:
            continue
        if len(redriven) + len(skipped) >= limit:
            break
        _, done = redrive_writeback(record.writeback_id, operator, store, orders, send, reason)
        (redriven if done else skipped).append(record.writeback_id)
    return redriven, skipped
