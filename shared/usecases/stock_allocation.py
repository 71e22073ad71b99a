"""Reserving lines of stock in one transaction, bucket-aware.

A line on unbucketed stock is one conditional decrement of its warehouse's item, as it always
was: when the condition fails the stock is short. A line on a hot SKU's bucketed stock is placed
on a bucket with enough available, chosen from a start that differs per order; when a bucket's
condition fails, another client usually emptied that bucket first while others still hold
stock, so the buckets are read again and the lines allocated again, and the line is short only
when all its buckets together hold less than it needs. Contention therefore never turns into a
false shortage (a needless re-route or backorder).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.backoff import full_jitter
from shared.aws.inventory_store import InventoryStore
from shared.errors import StockShortage, StoreUnavailable
from shared.inventory import TRANSACTION_ITEMS, BucketShare, ReservationLine
from shared.stock_buckets import WarehouseStock, allocate, start_bucket

RESERVE_ATTEMPTS = 8
_BACKOFF_SECONDS = 0.004  # doubled per attempt, full jitter: clients that collided spread out
_MAX_BACKOFF_SECONDS = 0.1

StockKey = tuple[str, str]  # (sku, warehouse_id)


def reserve_lines(
    inventory: InventoryStore,
    lines: Sequence[ReservationLine],
    *,
    expires: bool,
    lead_items: Sequence[dict[str, Any]] = (),
    group: str | None = None,
) -> list[ReservationLine] | None:
    """Reserves `lines` in one transaction, after `lead_items` (the order's status change, which
    then happens with them or not at all). Returns the lines as written, with their bucket
    allocations; lines found HELD already (an earlier attempt, a concurrent duplicate) are left
    out, or raise RuntimeError when `lead_items` would claim them. Returns None, writing nothing,
    when the allocated lines do not fit in one transaction. With `group`, the lines share one
    record under that key (InventoryStore.reserve_items; for lines reserved with their order).

    Raises StockShortage naming the lines the stock cannot cover, TransactionCancelled when a
    lead item's condition failed, StoreUnavailable when the buckets kept changing under other
    clients for RESERVE_ATTEMPTS attempts (the workflow retries the step)."""
    lead = list(lead_items)
    pending = list(lines)
    fresh: dict[StockKey, WarehouseStock] = {}  # read consistently after a failed attempt
    for attempt in range(RESERVE_ATTEMPTS):
        if attempt:
            time.sleep(full_jitter(attempt + 1, _BACKOFF_SECONDS, _MAX_BACKOFF_SECONDS))
        placed = _place(inventory, pending, attempt, fresh)
        items = lead + inventory.reserve_items(placed, expires=expires, group=group)
        if len(items) > TRANSACTION_ITEMS:
            return None
        try:
            transact_write(inventory.db, items)
            return [line.model_copy(update={"group": group}) for line in placed] if group else placed
        except TransactionCancelled as cancelled:
            if any(cancelled.failed(i) for i in range(len(lead))):
                raise
            held, stock_failed = _failures(cancelled, placed, first=len(lead), grouped=group is not None)
            if held and lead:  # a HELD line without an owning order: an earlier attempt crashed
                raise RuntimeError(f"order {held[0].order_id}: lines already held {[line.summary() for line in held]}") from cancelled
            fresh = {_key(line): inventory.warehouse_stock(*_key(line)) for line in stock_failed}
            short = [_described(line, fresh[_key(line)]) for line in stock_failed if _short(line, fresh[_key(line)])]
            if short:
                raise StockShortage(lines[0].order_id, short) from cancelled
            pending = [_unplaced(line) for line in placed if line not in held]
            if not pending:
                return []
        except StoreUnavailable:
            # On DynamoDB, concurrent transactions on one bucket cancel with TransactionConflict:
            # starting at another bucket usually succeeds. Unbucketed stock leaves it to the workflow.
            if not any(line.allocations for line in placed) or attempt == RESERVE_ATTEMPTS - 1:
                raise
            fresh = {}
    raise StoreUnavailable(f"stock of {sorted({line.sku for line in pending})} kept changing under concurrent reservations")


def _place(inventory: InventoryStore, lines: Sequence[ReservationLine], attempt: int, fresh: dict[StockKey, WarehouseStock]) -> list[ReservationLine]:
    """Each line with the buckets it draws from (bucketed stock), or as it is (one item: unread)."""
    placed: list[ReservationLine] = []
    short: list[dict] = []
    for line in lines:
        stock = fresh.get(_key(line))
        if stock is None and inventory.known_bucketed(*_key(line)):
            # An eventually consistent read halves the read cost on the hot partition: the
            # bucket conditions catch a stale figure, and a shortage is confirmed consistently.
            stock = inventory.warehouse_stock(*_key(line), consistent=False)
        shares = _shares(line, stock, attempt)
        if shares is None and stock is not None and stock.bucketed and _key(line) not in fresh:
            stock = fresh[_key(line)] = inventory.warehouse_stock(*_key(line))
            shares = _shares(line, stock, attempt)
        if stock is None or not stock.bucketed:
            placed.append(_unplaced(line))
        elif shares is None:
            short.append(_described(line, stock))
        else:
            placed.append(line.model_copy(update={"allocations": shares}))
    if short:
        raise StockShortage(lines[0].order_id, short)
    return placed


def _shares(line: ReservationLine, stock: WarehouseStock | None, attempt: int) -> list[BucketShare] | None:
    if stock is None or not stock.bucketed:
        return None
    return allocate(line.quantity, stock.buckets, start_bucket(line.order_id, line.sku, attempt, len(stock.buckets)))


def _failures(cancelled: TransactionCancelled, placed: Sequence[ReservationLine], first: int, grouped: bool = False) -> tuple[list[ReservationLine], list[ReservationLine]]:
    """(lines whose record was HELD already, other lines with a stock item whose condition failed).
    `grouped`: one shared record first (all lines held when it exists), then the stock items."""
    held: list[ReservationLine] = []
    stock_failed: list[ReservationLine] = []
    if grouped:
        held = list(placed) if cancelled.failed(first) else []
        first += 1
    position = first
    for line in placed:
        record = 0 if grouped else 1
        if not grouped and cancelled.failed(position):
            held.append(line)
        elif any(cancelled.failed(position + record + n) for n in range(line.stock_items)):
            stock_failed.append(line)
        position += record + line.stock_items
    return held, stock_failed


def _short(line: ReservationLine, now: WarehouseStock) -> bool:
    if not now.exists:
        return True
    if line.allocations is None and not now.bucketed:
        return True  # the single item refused it: short, exactly as before buckets existed
    return now.available < line.quantity  # a bucket ran dry, or the layout changed: the total decides


def _described(line: ReservationLine, stock: WarehouseStock) -> dict:
    return {**line.summary(), "available": stock.available}


def _unplaced(line: ReservationLine) -> ReservationLine:
    return line.model_copy(update={"allocations": None})


def _key(line: ReservationLine) -> StockKey:
    return (line.sku, line.warehouse_id)
