"""Returns (退货): a refund after shipment (or an intercept that came too late) expects the goods
back as an RMA; the warehouse's return receipt says what came, sellable or not. Sellable units go
back on hand and available, unsellable ones into the warehouse's damaged count (shared/aftersales/
stock.py), each receipt once. When every expected unit is back the order is RETURNED."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from shared.aftersales import decide
from shared.aftersales.domain import AfterSalesRequest, Nonsense, RefundedUnits
from shared.aftersales.records import RefundOutcome, RefundRecord, Rma, RmaLine, RmaState, rma_id_for
from shared.aftersales.stock import restock
from shared.aftersales.usecases import AfterSales, guarded_transition
from shared.aws.order_store import NoteState, OrderDetails
from shared.clock import now_iso
from shared.events import ReturnedLine, ReturnReceived
from shared.lifecycle import Actor, ActorKind, OrderStatus, is_allowed, note_entry, transition_entry
from shared.usecases.retry import on_version_conflict
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.stock_marks import mark_stock_changed


class ReceiptLine(BaseModel, defer_build=True):
    sku: str = Field(min_length=1)
    sellable: int = Field(default=0, ge=0, le=100_000)
    unsellable: int = Field(default=0, ge=0, le=100_000)


class ReturnReceipt(BaseModel, defer_build=True):
    """The WMS's return receipt (detail-type ReturnReceipt): what came back for one RMA."""

    order_id: str = Field(min_length=1)
    rma_id: str = Field(min_length=1)
    warehouse_id: str = Field(min_length=1)
    receipt_id: str = Field(min_length=1, description="Unique per receipt: a repeat is applied once")
    lines: list[ReceiptLine] = Field(min_length=1, max_length=500)
    received_at: str | None = Field(
        default=None,
        description="ISO-8601 time the return was received (China time when it has no offset); a count taken after it already holds its sellable units",
    )

    @model_validator(mode="after")
    def _one_line_per_sku(self) -> ReturnReceipt:
        """A WMS may list a SKU once per condition (the sellable units, then the unsellable
        ones): its lines are added up, so each part is checked, recorded and restocked."""
        merged: dict[str, ReceiptLine] = {}
        for line in self.lines:
            seen = merged.get(line.sku)
            merged[line.sku] = line if seen is None else ReceiptLine(sku=line.sku, sellable=seen.sellable + line.sellable, unsellable=seen.unsellable + line.unsellable)
        if len(merged) < len(self.lines):
            self.lines = list(merged.values())
        return self


def new_rma(record: RefundRecord, warehouse_id: str) -> Rma:
    return Rma(
        order_id=record.order_id,
        rma_id=rma_id_for(record.order_id, record.refund_id),
        refund_id=record.refund_id,
        warehouse_id=warehouse_id,
        lines=[RmaLine(line_id=line.line_id, sku=line.sku, expected=line.quantity) for line in record.lines],
        refund_state=record.state,
    )


def expect_return(
    request: AfterSalesRequest, details: OrderDetails, units: list[RefundedUnits], everything: bool, actor: Actor, deps: AfterSales, guard: dict[str, Any],
    replacement_order_id: str | None = None,
) -> RefundRecord:  # fmt: skip
    """After shipment: the refunded units are expected back at the warehouse that shipped them
    (an exchange's too: its record and RMA name the order shipping the replacement). Returns the
    refund record as written (outcome RETURN_EXPECTED). `guard`: the refunds guard, written with
    them (decision 255): once the order is RETURN_PENDING nothing else here changes the order."""
    current = details.order
    shipped = [n for n in details.outbound_notes if n.state in (NoteState.SHIPPED, NoteState.DELIVERED)] or details.outbound_notes
    skus = {u.sku for u in units}
    warehouse = next((n.warehouse_id for n in shipped if any(p.sku in skus for p in n.lines)), shipped[0].warehouse_id if shipped else "unknown")
    record = decide.new_record(request, "after_shipment", units, RefundOutcome.RETURN_EXPECTED, everything, current.order.currency)
    rma = new_rma(record, warehouse).model_copy(update={"replacement_order_id": replacement_order_id})
    record = record.model_copy(update={"rma_id": rma.rma_id, "replacement_order_id": replacement_order_id})
    items = [deps.records.refund_put(record), deps.records.rma_put(rma)]
    facts = {"refund_id": request.refund_id, "rma_id": rma.rma_id, "warehouse_id": warehouse, "lines": [line.model_dump() for line in record.lines]}
    if replacement_order_id:
        facts |= {"kind": request.kind.value, "replacement_order_id": replacement_order_id}
    if current.status != OrderStatus.RETURN_PENDING and is_allowed(current.status, OrderStatus.RETURN_PENDING):
        guarded_transition(deps, current, OrderStatus.RETURN_PENDING, transition_entry(current.status, OrderStatus.RETURN_PENDING, actor, **facts), guard, items)
    else:
        deps.orders.write_conditioned(current, [*items, guard])
        deps.orders.add_note(current, note_entry(current.status, actor, f"{request.kind.value} {request.refund_id}: return {rma.rma_id} expected", **facts))
    return record


def receive_return(receipt: ReturnReceipt, source: str, deps: AfterSales) -> str:
    """Returns received, partly_received or duplicate. Raises Nonsense."""
    actor = Actor(kind=ActorKind.PARTNER, name=source)
    rma = deps.records.rma(receipt.order_id, receipt.rma_id)
    if rma is None:
        raise Nonsense("unknown_rma", f"order {receipt.order_id} expects no return {receipt.rma_id}")
    if receipt.receipt_id not in rma.receipts:
        _check(receipt, rma)
    mark_stock_changed([line.sku for line in receipt.lines if line.sellable], channel_sync_store())  # back on sale: the channels see it (decision 125)
    for line in receipt.lines:  # each receipt's units once, however often it arrives
        restock(deps.inventory, receipt.receipt_id, receipt.warehouse_id, line.sku, line.sellable, line.unsellable, receipt.received_at)
    if receipt.receipt_id in rma.receipts:
        return "duplicate"
    return on_version_conflict(lambda: _record(receipt, actor, deps))


def _check(receipt: ReturnReceipt, rma: Rma) -> None:
    expected = {line.sku: line for line in rma.lines}
    for n, line in enumerate(receipt.lines):
        if line.sku not in expected:
            raise Nonsense("unknown_line", f"receipt {receipt.receipt_id} line {n}: return {rma.rma_id} expects no {line.sku}")
        have = expected[line.sku]
        if have.received + line.sellable + line.unsellable > have.expected:
            raise Nonsense("quantity_above_expected", f"receipt {receipt.receipt_id} line {n}: {have.received + line.sellable + line.unsellable} units of {line.sku} back, {have.expected} expected")


def _record(receipt: ReturnReceipt, actor: Actor, deps: AfterSales) -> str:
    rma = deps.records.rma(receipt.order_id, receipt.rma_id)
    assert rma is not None
    if receipt.receipt_id in rma.receipts:
        return "duplicate"
    came = {line.sku: line for line in receipt.lines}
    lines = [
        line.model_copy(update={"sellable": line.sellable + came[line.sku].sellable, "unsellable": line.unsellable + came[line.sku].unsellable}) if line.sku in came else line
        for line in rma.lines
    ]
    done = all(line.received >= line.expected for line in lines)
    now = now_iso()
    moved = rma.model_copy(update={"lines": lines, "receipts": [*rma.receipts, receipt.receipt_id], "state": RmaState.RECEIVED if done else RmaState.PARTLY_RECEIVED, "updated_at": now})
    items = [deps.records.rma_update(moved, rma)]
    refund = deps.records.refund(rma.order_id, rma.refund_id)
    if done and refund is not None:
        items.append(deps.records.refund_update(refund.model_copy(update={"outcome": RefundOutcome.RETURNED, "updated_at": now}), refund))
    details = deps.orders.details(rma.order_id)
    current = details.order
    others_open = any(r.state != RmaState.RECEIVED for r in deps.records.rmas(rma.order_id) if r.rma_id != rma.rma_id)
    facts = {"rma_id": rma.rma_id, "receipt_id": receipt.receipt_id, "warehouse_id": receipt.warehouse_id, "lines": [line.model_dump() for line in receipt.lines]}
    if done and not others_open and is_allowed(current.status, OrderStatus.RETURNED):
        deps.orders.transition(current, OrderStatus.RETURNED, transition_entry(current.status, OrderStatus.RETURNED, actor, **facts), extra_items=items)
    else:
        deps.orders.write_conditioned(current, items)
        deps.orders.add_note(current, note_entry(current.status, actor, f"return {rma.rma_id} {'received' if done else 'partly received'}", **facts))
    deps.publish(
        [
            ReturnReceived(
                event_id=f"{rma.rma_id}:{receipt.receipt_id}", order_id=rma.order_id, rma_id=rma.rma_id, warehouse_id=receipt.warehouse_id,
                lines=[ReturnedLine(sku=line.sku, sellable=line.sellable, unsellable=line.unsellable) for line in receipt.lines],
            )
        ]
    )
    return "received" if done else "partly_received"
