"""What operations do with write-backs that failed: list them (newest first, with the reason and
attempts), and redrive one after fixing the cause (a carrier code, a shop's token): it becomes
PENDING with a fresh count of attempts and goes back on its channel's queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.lifecycle import Actor, note_entry
from shared.writeback.aws.store import ChannelSyncStore
from shared.writeback.domain import WriteBackRecord


def failed_writebacks(store: ChannelSyncStore, limit: int = 100) -> list[WriteBackRecord]:
    return store.failed(limit)


def redrive_writeback(writeback_id: str, operator: str, store: ChannelSyncStore, orders: Any, send: Callable[[str, dict[str, Any]], None]) -> tuple[WriteBackRecord | None, bool]:
    """(None, False) when there is no such write-back; (the record, False) when it is not FAILED."""
    try:
        record = store.get(writeback_id)
    except KeyError:
        return None, False
    if not store.reopen(writeback_id):
        return record, False
    send(record.channel, {"kind": "writeback", "writeback_id": writeback_id})
    current = orders.load(record.order_id)
    orders.add_note(current, note_entry(current.status, Actor(kind="operator", name=operator), f"write-back to {record.channel} redriven", writeback_id=writeback_id, previous_error=record.last_error))
    return store.get(writeback_id), True
