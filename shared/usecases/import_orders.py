"""ERP batch import: every good order of the file is accepted, every bad row is reported with what
is wrong with it. Re-importing the same file is harmless: each order is accepted exactly once."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from shared.aws.order_store import OrderStore
from shared.channels.erp_csv import Batch, BatchOrder, RowRejection, RowWarning, held_back
from shared.sku_mapping import SkuCatalog, unknown_sku, unmapped_lines
from shared.usecases.accept_order import Acceptance, accept_order


class AcceptedOrder(BaseModel, defer_build=True):
    order_no: str
    rows: list[int]
    acceptance: Acceptance


class ImportReport(BaseModel, defer_build=True):
    source: str
    rows: int
    rows_accepted: int
    rows_rejected: int
    orders_accepted: int
    accepted: list[AcceptedOrder]
    rejected: list[RowRejection]
    warnings: list[RowWarning] = []  # rows imported with something to look at (formula-like cells)


def import_batch(
    batch: Batch, source: str, catalog: SkuCatalog, store: OrderStore, enqueue: Callable[[str], None], send_waiting: Callable[[str], int] | None = None
) -> ImportReport:
    """`send_waiting`: a new order's cancellations or refunds posted before the file was imported
    (POST /refunds) go to after-sales again (decision 264)."""
    skus = {line.sku for entry in batch.orders for line in entry.channel_order.order.lines}
    known = {sku: sku for sku in catalog.known_skus(skus)}  # one lookup for the whole file
    accepted: list[AcceptedOrder] = []
    rejected = list(batch.rejected)
    for entry in batch.orders:
        unknown = unmapped_lines(entry.channel_order.order, known)
        if unknown:
            rejected += _unknown_sku_rows(entry, unknown)
            continue
        acceptance = accept_order(entry.channel_order.order, store, enqueue, {**entry.channel_order.received_via, "source": source}, send_waiting=send_waiting)
        accepted.append(AcceptedOrder(order_no=entry.order_no, rows=entry.rows, acceptance=acceptance))
    rows_accepted = sum(len(a.rows) for a in accepted)
    return ImportReport(
        source=source,
        rows=batch.rows,
        rows_accepted=rows_accepted,
        rows_rejected=len(rejected),
        orders_accepted=len(accepted),
        accepted=accepted,
        rejected=sorted(rejected, key=lambda r: r.row),
        warnings=batch.warnings,
    )


def _unknown_sku_rows(entry: BatchOrder, unknown: list[int]) -> list[RowRejection]:
    bad_rows = [entry.rows[i] for i in unknown]
    return [
        RowRejection(row=row, order_no=entry.order_no, errors=[unknown_sku(entry.channel_order, index, field="sku")])
        if index in unknown
        else held_back(row, entry.order_no, bad_rows)
        for index, row in enumerate(entry.rows)
    ]
