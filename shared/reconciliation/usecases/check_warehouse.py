"""oms against the warehouse: a WMS's daily shipped list compared with oms's outbound notes.
Shipped in the WMS while oms still says RELEASED → the shipment is applied through the same use
case a WMS's ParcelShipped event takes (auto-fixed); a note oms sent longer ago than the grace
period that no list shipped → a person asks the WMS (it may never have received it)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import NoteState, OrderStore
from shared.clock import iso, now_iso
from shared.errors import OrderNotFound
from shared.lifecycle import OrderStatus
from shared.reconciliation.domain import Difference, DifferenceKind, Resolution, RunKind, RunState, RunSummary, completed
from shared.reconciliation.store import ReconciliationStore
from shared.reconciliation.warehouse import ShippedList, ShippedRow
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update

Announce = Callable[[ParcelUpdate], None]

SOURCE = "wms-reconciliation"
GRACE = timedelta(hours=24)  # a note younger than this may simply not be shipped yet
MAX_RELEASED_SCANNED = 5000


def warehouse_run_id(warehouse_id: str, day: str) -> str:
    return "WMS-" + hashlib.sha256(f"{warehouse_id}\x1f{day}".encode()).hexdigest()[:20].upper()


def check_shipped_list(shipped: ShippedList, runs: ReconciliationStore, orders: OrderStore, inventory: InventoryStore, grace: timedelta = GRACE, announce: Announce | None = None) -> RunSummary:
    """`announce(update)`: a shipment applied here (or found applied: a crash may have cut the
    announcement) is announced as the lost ParcelShipped, so what follows a WMS's event follows it
    too: the channel's write-back and the buyer's shipped notice."""
    day_start = datetime.combine(shipped.day, time(0), tzinfo=UTC)
    run_id = warehouse_run_id(shipped.warehouse_id, shipped.day.isoformat())
    run, _ = runs.start_run(
        RunSummary(
            run_id=run_id,
            kind=RunKind.WAREHOUSE,
            warehouse_id=shipped.warehouse_id,
            since=iso(day_start),
            until=iso(day_start + timedelta(days=1)),
            state=RunState.RUNNING,
            requested_by="wms shipped list",
            started_at=now_iso(),
        )
    )

    def record(kind: DifferenceKind, subject: str, order_id: str | None, resolution: Resolution, detail: str, wms: str | None = None, oms: str | None = None) -> None:
        resolved = {"resolved_at": now_iso(), "resolved_by": "reconciliation"} if resolution == Resolution.AUTO_FIXED else {}
        runs.put_difference(
            Difference(run_id=run_id, kind=kind, subject=subject, order_id=order_id, resolution=resolution, detail=detail, channel_value=wms, oms_value=oms, found_at=now_iso(), **resolved)
        )

    for problem in shipped.problems:
        record(DifferenceKind.UNKNOWN_TO_OMS, problem.split(":")[0], None, Resolution.NEEDS_PERSON, f"unreadable row of the shipped list: {problem}")
    listed = {row.note_id for row in shipped.rows}
    for row in shipped.rows:
        _check_row(row, shipped.warehouse_id, orders, inventory, record, announce)

    cutoff = iso(day_start + timedelta(days=1) - grace)
    for stored in orders.waiting_since(OrderStatus.RELEASED, cutoff, limit=MAX_RELEASED_SCANNED):
        if not stored.plan or all(s.warehouse_id != shipped.warehouse_id for s in stored.plan.shipments):
            continue
        for note in orders.details(stored.order_id).outbound_notes:
            if note.warehouse_id == shipped.warehouse_id and note.state == NoteState.SENT and note.note_id not in listed and note.created_at < cutoff:
                record(
                    DifferenceKind.NOTE_NOT_SHIPPED_BY_WMS,
                    note.note_id,
                    stored.order_id,
                    Resolution.NEEDS_PERSON,
                    f"oms sent note {note.note_id} at {note.created_at}; {shipped.warehouse_id}'s lists have not shipped it: ask the WMS whether it received it",
                    wms="not shipped",
                    oms=note.state.value,
                )
    return _finish(run.model_copy(update={"orders_seen": len(shipped.rows), "pages": 1}), runs)


def _check_row(row: ShippedRow, warehouse_id: str, orders: OrderStore, inventory: InventoryStore, record, announce: Announce | None = None) -> None:
    try:
        details = orders.details(row.order_id)
    except OrderNotFound:
        record(DifferenceKind.UNKNOWN_TO_OMS, row.note_id, None, Resolution.NEEDS_PERSON, f"the WMS shipped note {row.note_id} for order {row.order_id}, which oms does not know", wms="SHIPPED")
        return
    note = next((n for n in details.outbound_notes if n.warehouse_id == warehouse_id), None)
    if note is None or note.note_id != row.note_id:
        record(DifferenceKind.UNKNOWN_TO_OMS, row.note_id, row.order_id, Resolution.NEEDS_PERSON, f"order {row.order_id} has no note {row.note_id} for {warehouse_id}", wms="SHIPPED", oms=note.note_id if note else None)
        return
    if note.state != NoteState.SENT:
        if note.state == NoteState.VOIDED:
            record(DifferenceKind.SHIPPED_IN_WMS_NOT_IN_OMS, row.note_id, row.order_id, Resolution.NEEDS_PERSON, "the WMS shipped a note oms voided (the order was cancelled): intercept the parcel", wms="SHIPPED", oms="VOIDED")
        return  # SHIPPED or DELIVERED: oms agrees
    update = ParcelUpdate(order_id=row.order_id, warehouse_id=warehouse_id, occurred_at=row.shipped_at, carrier=row.carrier, tracking_number=row.tracking_number)
    outcome = apply_parcel_update("ParcelShipped", update, SOURCE, orders, inventory)
    if outcome in ("applied", "duplicate"):
        if announce is not None:
            announce(update)
        record(DifferenceKind.SHIPPED_IN_WMS_NOT_IN_OMS, row.note_id, row.order_id, Resolution.AUTO_FIXED, f"the WMS shipped it at {row.shipped_at}; oms had {details.order.status.value}: shipment applied", wms="SHIPPED", oms=details.order.status.value)
    else:
        record(DifferenceKind.SHIPPED_IN_WMS_NOT_IN_OMS, row.note_id, row.order_id, Resolution.NEEDS_PERSON, f"the WMS shipped it at {row.shipped_at} but oms could not apply it ({outcome}; order is {details.order.status.value})", wms="SHIPPED", oms=details.order.status.value)


def _finish(run: RunSummary, runs: ReconciliationStore) -> RunSummary:
    finished = completed(run, runs.differences(run.run_id), now_iso())
    runs.save_run(finished)
    return finished
