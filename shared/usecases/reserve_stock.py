"""Workflow step: lock the stock of a ROUTED order's plan.

An order whose lines fit in one transaction with its status change (49 lines on unbucketed stock;
fewer when lines on a hot SKU's buckets span several of them) is reserved in that transaction:
both happen or neither. A larger order is reserved in chunks, then moved to RESERVED.

Chunks under concurrent duplicates (two deliveries of one order, which SQS and Express workflows
allow): one delivery at a time claims the order (a lease on the order item, CLAIM_SECONDS long)
and every chunk, every give-back and the final status change is fenced by that claim in its own
transaction. Reservation records have deterministic keys (order, warehouse, SKU), so a delivery
that takes over a lapsed claim (its claimant crashed) adopts the lines found HELD instead of
writing them twice. A delivery that finds a live claim raises ReservationInProgress (the workflow
retries it, then ends quietly); one that loses the final status change gives nothing back (the
winner counts every line); a chunk that runs short gives back what this claim holds. A crash
between chunks leaves HELD lines whose hold expires, which the sweeper releases."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import timedelta

from shared.aws import plain_transition, reservation_records, write_layout
from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder, log_order_event
from shared.aws.reservation_claims import ReservationClaims
from shared.clock import iso, utc_now
from shared.errors import OrderMovedOn, ReservationInProgress, StockShortage, VersionConflict
from shared.inventory import HOLD_SECONDS, LINES_PER_CHUNK, TRANSACTION_ITEMS, ReservationLine, ReservationState, reservation_lines, transaction_batches
from shared.lifecycle import Actor, OrderStatus, note_entry, transition_entry
from shared.usecases.retry import on_version_conflict
from shared.usecases.stock_allocation import reserve_lines

_OWNING = (OrderStatus.RESERVED, OrderStatus.RELEASED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
_ACTOR = Actor.system("inventory-lock")
# Twice the inventory-lock function's timeout: a live claimant never loses its claim, a crashed
# one's lapses in time for the workflow's ReservationInProgress retries (about 80 s at most).
CLAIM_SECONDS = 20


def reservation_id_for(order_id: str) -> str:
    return f"RES-{order_id.removeprefix('OMS-')}"


def reserve_stock(order_id: str, orders: OrderStore, inventory: InventoryStore) -> str:
    return on_version_conflict(lambda: _reserve(orders.load(order_id), orders, inventory))


def _reserve(current: StoredOrder, orders: OrderStore, inventory: InventoryStore) -> str:
    if current.status in _OWNING and current.reservation_id:
        return current.reservation_id  # a retried step: the stock is locked already
    if current.status != OrderStatus.ROUTED or current.plan is None:
        raise OrderMovedOn(current.order_id, current.status, "inventory lock")

    now = utc_now()
    lines = reservation_lines(current.order_id, current.plan, iso(now), iso(now + timedelta(seconds=HOLD_SECONDS)))
    reservation_id = reservation_id_for(current.order_id)
    entry = transition_entry(current.status, OrderStatus.RESERVED, _ACTOR, reservation_id=reservation_id, lines=[line.summary() for line in lines])
    order_items = orders.transition_items(current, OrderStatus.RESERVED, entry, set_fields={"reservation_id": reservation_id}, entry_first=plain_transition.enabled())
    try:
        if _reserve_with_order(current, orders, inventory, lines, order_items) is None:
            _reserve_in_chunks(current, orders, inventory, lines, order_items, f"{reservation_id}#{uuid.uuid4().hex[:12]}")
    except StockShortage as shortage:
        orders.add_note(current, note_entry(current.status, _ACTOR, "stock ran short while reserving; routing again", short_lines=shortage.short_lines))
        raise
    # The day's package counts (routing's capacity figures), once this change won: a planning
    # limit, not an invariant, so a plain update after the transaction (decision 184).
    inventory.count_packages(current.plan, int(time.time()))
    log_order_event(current.order_id, current.status, OrderStatus.RESERVED, entry.cause)
    return reservation_id


def _reserve_with_order(
    current: StoredOrder, orders: OrderStore, inventory: InventoryStore, lines: Sequence[ReservationLine], order_items: list[dict]
) -> list[ReservationLine] | None:
    """The order owns its lines from the same transaction on: nothing for the sweeper to watch.
    The lines share one record, keyed on the order's version once RESERVED (decision 183).
    None when the lines do not fit in that transaction, or when the order may hold lines already:
    the chunked path adopts or gives those lines back, or answers ReservationInProgress.

    Lines are HELD for a ROUTED order only by a chunked delivery, which claims the order first
    (the claim stays on META until a shortage gives its lines back), or by an earlier reservation
    of the order, which set `reservation_id` (kept when an amendment sends the order back,
    decision 203). The transaction requires that no claim exists, so a chunked delivery's lines,
    crashed or live, cancel it; the order's records are read only when `reservation_id` says an
    earlier reservation may still hold some (decision 203)."""
    if current.reservation_id and any(line.state == ReservationState.HELD for line in inventory.reservations(current.order_id)):
        return None
    try:
        group = reservation_records.group_key(current.version + 1) if write_layout.enabled() else None
        return reserve_lines(inventory, lines, expires=False, lead_items=ReservationClaims.unclaimed(order_items), group=group)
    except TransactionCancelled as cancelled:  # the order's own condition: it changed, or a claim came
        fresh = orders.load(current.order_id)
        if fresh is not None and (fresh.version, fresh.status) == (current.version, current.status):
            return None  # unchanged, so claimed by a chunked delivery: that path decides
        raise VersionConflict(current.order_id, current.version) from cancelled


def _reserve_in_chunks(
    current: StoredOrder, orders: OrderStore, inventory: InventoryStore, lines: Sequence[ReservationLine], order_items: list[dict], claimant: str
) -> None:
    """Chunks under this delivery's claim, each in its own transaction fenced by the claim, then
    the order's status change, also fenced by it."""
    claims = ReservationClaims(orders)
    now = utc_now()
    if not claims.claim(current, claimant, iso(now), iso(now + timedelta(seconds=CLAIM_SECONDS))):
        fresh = orders.load(current.order_id)
        if (fresh.version, fresh.status) != (current.version, current.status):
            raise VersionConflict(current.order_id, current.version)  # re-read: a replay, or moved on
        raise ReservationInProgress(current.order_id, claims.claimant(current.order_id) or "another delivery")
    claim = claims.check_item(current, claimant)
    written = _adopt_held(current, inventory, lines, claim)
    adopted = {_line_key(line) for line in written}
    pending = [line for line in lines if _line_key(line) not in adopted]
    size = LINES_PER_CHUNK - 1  # and the claim's condition
    try:
        while pending:
            chunk = pending[:size]
            try:
                reserved = reserve_lines(inventory, chunk, expires=True, lead_items=[claim])
            except TransactionCancelled as cancelled:  # the claim lapsed and another delivery took it
                raise VersionConflict(current.order_id, current.version) from cancelled
            if reserved is None:  # its lines span so many buckets that they need more items
                size = len(chunk) // 2
                if not size:
                    raise RuntimeError(f"order {current.order_id}: line {chunk[0].summary()} spans more stock items than a transaction holds")
                continue
            written.extend(reserved)
            pending = pending[len(chunk) :]
    except StockShortage:
        _give_back(current, inventory, written, claim)
        claims.release(current.order_id, claimant)  # routing re-plans; the next attempt claims afresh
        raise
    try:
        transact_write(orders.db, claims.fenced_by_claim(order_items, claimant))
    except TransactionCancelled as cancelled:
        # Another delivery won (it counts every line: give nothing back), or the order moved on
        # (a cancellation gives back every HELD line itself; the sweeper catches the rest).
        raise VersionConflict(current.order_id, current.version) from cancelled
    for line in lines:  # the order owns them now: out of the sweeper's sight
        inventory.confirm_hold(line)


def _adopt_held(current: StoredOrder, inventory: InventoryStore, lines: Sequence[ReservationLine], claim: dict) -> list[ReservationLine]:
    """Lines a crashed claimant left HELD: those the plan wants as they are become this claim's;
    others (an earlier plan's) are given back first."""
    wanted = {_line_key(line): line for line in lines}
    held = [line for line in inventory.reservations(current.order_id) if line.state == ReservationState.HELD]
    kept = [line for line in held if _line_key(line) in wanted and line.quantity == wanted[_line_key(line)].quantity]
    _give_back(current, inventory, [line for line in held if line not in kept], claim)
    return kept


def _line_key(line: ReservationLine) -> tuple[str, str]:
    return (line.warehouse_id, line.sku)


def _give_back(current: StoredOrder, inventory: InventoryStore, lines: Sequence[ReservationLine], claim: dict) -> None:
    """Only while the claim holds: a delivery that lost it gives back nothing another relies on."""
    for batch in transaction_batches(lines, room=TRANSACTION_ITEMS - 1):
        try:
            transact_write(inventory.db, [claim, *inventory.release_items(batch, "reservation of the order failed", int(time.time()))])
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise VersionConflict(current.order_id, current.version) from cancelled
            raise
