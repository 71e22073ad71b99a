"""Marking SKUs whose stock changed, for the coalesced channel stock push (usecases/stock_push.py).

On the order hot path (a reservation) a container marks each SKU at most once per
MARK_EVERY_SECONDS: a hot SKU reserved a thousand times a minute costs a few writes, not a
thousand. A change a container skipped is pushed with the SKU's next mark; the channel's buffer
covers the seconds between."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from shared.clock import now_iso
from shared.writeback.aws.store import ChannelSyncStore

MARK_EVERY_SECONDS = 2.0
_marked: dict[str, float] = {}
_lock = threading.Lock()


def mark_stock_changed(skus: Iterable[str], store: ChannelSyncStore, *, debounce: bool = False) -> int:
    """Marks the SKUs; with `debounce`, skips those this container marked a moment ago. Returns
    how many were written."""
    at, now, written = now_iso(), time.monotonic(), 0
    for sku in sorted(set(skus)):
        if debounce:
            with _lock:
                if now - _marked.get(sku, -MARK_EVERY_SECONDS) < MARK_EVERY_SECONDS:
                    continue
                _marked[sku] = now
        store.mark_changed(sku, at)
        written += 1
    return written
