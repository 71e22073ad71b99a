"""What a refund does at each stage of the order, on moto through the use cases: amend before
release (reservation given back, the workflow again), a line-level intercept after release (the
note shrinks, the units come back), an intercept too late (a return expected), a return receipt
(restock, damaged count, each receipt once), and a refund's later platform statuses."""

from __future__ import annotations

import boto3
import pytest

from shared.aftersales import stock as aftersales_stock
from shared.aftersales.domain import AfterSalesRequest, Nonsense, RefundState
from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases import AfterSales
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aftersales.usecases.intercept import InterceptAnswer, answer_intercept
from shared.aftersales.usecases.returns import ReturnReceipt, receive_return
from shared.aws.messaging import publish
from shared.aws.stores import inventory_store, order_store, outbox_publisher
from shared.inventory import StockSnapshot
from shared.lifecycle import Actor, ActorKind
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from shared.usecases.sync_stock import apply_snapshot
from tests.integration.conftest import drain
from tests.integration.test_operations import drive

CHANNEL = Actor(kind=ActorKind.CHANNEL, name="own_shop")


RUNS: list[tuple[str, str]] = []  # what the workflow was asked to run


@pytest.fixture
def deps(seeded):
    RUNS.clear()
    return AfterSales(order_store(), AfterSalesStore(order_store()), inventory_store(), publish, outbox_publisher(), lambda order_id, run: RUNS.append((order_id, run)) or True)


def ask(order: dict, refund_id: str, **fields) -> AfterSalesRequest:
    return AfterSalesRequest.model_validate({"channel": order["channel"], "channel_order_id": order["external_id"], "refund_id": refund_id, **fields})


def seeded_queue(key: str) -> str:
    import os

    return os.environ[f"{key.upper()}_QUEUE_URL"]


def tea(field: str = "available") -> int:
    return getattr(inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH"), field)


def test_a_partial_refund_of_a_reserved_order_gives_the_stock_back_and_runs_the_workflow_again(deps, shanghai_order):
    order_id = drive(shanghai_order, "RESERVED")
    reserved = tea("reserved")
    assert apply_refund(ask(shanghai_order, "RF-1", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 1}]), CHANNEL, deps) == "amended"
    stored = order_store().load(order_id)
    assert stored.status == "RECEIVED" and stored.plan is None and stored.reservation_id  # kept: the lock reads the old records (decision 203)
    assert [(line.sku, line.quantity, str(line.discount)) for line in stored.order.lines] == [("TEA-LONGJING-250G", 1, "10.00"), ("CUP-CELADON-6PK", 1, "0.00")]
    assert tea("reserved") == reserved - 2  # the whole reservation back: the new run reserves what is left
    assert RUNS == [(order_id, RUNS[0][1])] and RUNS[0][1].startswith(f"{order_id}-refund-")
    assert apply_refund(ask(shanghai_order, "RF-1", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 1}]), CHANNEL, deps) == "duplicate"


def test_a_line_level_intercept_shrinks_the_note_and_gives_the_units_back(deps, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    before = tea()
    assert apply_refund(ask(shanghai_order, "RF-2", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 1}]), CHANNEL, deps) == "intercept_requested"
    [note] = order_store().details(order_id).outbound_notes
    wms = [m["Body"] for m in drain(boto3.client("sqs"), seeded_queue("wms_outbound"))]
    assert any(f'"{note.note_id}:intercept:RF-2"' in body and '"whole_note": false' in body for body in wms)
    answer = InterceptAnswer(order_id=order_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id="RF-2", outcome="intercepted")
    assert answer_intercept(answer, "wms.jiading", deps) == "intercepted"
    assert answer_intercept(answer, "wms.jiading", deps) == "duplicate"
    details = order_store().details(order_id)
    assert details.order.status == "RELEASED"
    assert {(p.sku, p.quantity) for p in details.outbound_notes[0].lines} == {("TEA-LONGJING-250G", 1), ("CUP-CELADON-6PK", 1)}
    assert [(line.sku, line.quantity) for line in details.order.order.lines] == [("TEA-LONGJING-250G", 1), ("CUP-CELADON-6PK", 1)]
    assert tea() == before + 1
    held = {line.sku: line.quantity for line in inventory_store().reservations(order_id)}
    assert held["TEA-LONGJING-250G"] == 1  # the parcel commits one unit when it ships


def test_an_intercept_too_late_expects_a_return_at_the_warehouse(deps, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    apply_refund(ask(shanghai_order, "RF-3", whole_order=True), CHANNEL, deps)
    [note] = order_store().details(order_id).outbound_notes
    answer = InterceptAnswer(order_id=order_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id="RF-3", outcome="too_late")
    assert answer_intercept(answer, "wms.jiading", deps) == "too_late"
    [rma] = AfterSalesStore().rmas(order_id)
    assert rma.state == "expected" and {(line.sku, line.expected) for line in rma.lines} == {("TEA-LONGJING-250G", 2), ("CUP-CELADON-6PK", 1)}
    assert order_store().load(order_id).status == "RELEASED"  # the parcel is on its way
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-25T10:00:00Z"), "wms.jiading", order_store(), inventory_store())
    receipt = ReturnReceipt(order_id=order_id, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-3", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 2}, {"sku": "CUP-CELADON-6PK", "unsellable": 1}])
    assert receive_return(receipt, "wms.jiading", deps) == "received"
    assert order_store().load(order_id).status == "RETURNED"
    assert aftersales_stock.damaged(inventory_store(), "CUP-CELADON-6PK", "WH-SH") == 1


def test_return_receipts_restock_once_and_refuse_what_was_not_expected(deps, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-25T10:00:00Z"), "wms.jiading", order_store(), inventory_store())
    on_hand = tea("on_hand")
    assert apply_refund(ask(shanghai_order, "RF-4", lines=[{"sku": "TEA-LONGJING-250G"}]), CHANNEL, deps) == "return_expected"
    [rma] = AfterSalesStore().rmas(order_id)
    first = ReturnReceipt(order_id=order_id, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-4a", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 1}])
    assert receive_return(first, "wms.jiading", deps) == "partly_received"
    assert receive_return(first, "wms.jiading", deps) == "duplicate"
    assert tea("on_hand") == on_hand + 1 and order_store().load(order_id).status == "RETURN_PENDING"
    with pytest.raises(Nonsense, match="3 units of TEA-LONGJING-250G back, 2 expected"):
        receive_return(again(first, "RR-4b", [{"sku": "TEA-LONGJING-250G", "sellable": 2}]), "wms.jiading", deps)
    with pytest.raises(Nonsense, match="expects no CUP-CELADON-6PK"):
        receive_return(again(first, "RR-4c", [{"sku": "CUP-CELADON-6PK", "sellable": 1}]), "wms.jiading", deps)
    rest = again(first, "RR-4d", [{"sku": "TEA-LONGJING-250G", "sellable": 0, "unsellable": 1}])
    assert receive_return(rest, "wms.jiading", deps) == "received"
    assert tea("on_hand") == on_hand + 1 and order_store().load(order_id).status == "RETURNED"
    [record] = AfterSalesStore().refunds(order_id)
    assert record.outcome == "returned"


def test_returned_units_a_later_count_holds_already_are_not_added_again(deps, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-25T10:00:00Z"), "wms.jiading", order_store(), inventory_store())
    assert apply_refund(ask(shanghai_order, "RF-9", lines=[{"sku": "TEA-LONGJING-250G"}]), CHANNEL, deps) == "return_expected"
    [rma] = AfterSalesStore().rmas(order_id)
    # The warehouse took the parcel back at 19:30 China time and counted the shelf at 20:00; the count came first.
    count = StockSnapshot(sku="TEA-LONGJING-250G", warehouse_id="WH-SH", on_hand=tea("on_hand") + 2, as_of="2026-11-25T12:00:00Z")
    assert apply_snapshot(count, inventory_store()) == "applied"
    receipt = ReturnReceipt(order_id=order_id, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-9", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 2}], received_at="2026-11-25T19:30:00+08:00")
    assert receive_return(receipt, "wms.jiading", deps) == "received"
    assert tea("on_hand") == count.on_hand and order_store().load(order_id).status == "RETURNED"


def again(receipt: ReturnReceipt, receipt_id: str, lines: list[dict]) -> ReturnReceipt:
    return ReturnReceipt.model_validate({**receipt.model_dump(), "receipt_id": receipt_id, "lines": lines})


def test_a_refunds_later_statuses_are_recorded_and_a_closed_refund_before_oms_acted_changes_nothing(deps, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    closed = ask(shanghai_order, "RF-5", whole_order=True, state=RefundState.CLOSED, channel_status="SELLER_REFUSE_BUYER")
    assert apply_refund(closed, CHANNEL, deps) == "recorded"
    assert order_store().load(order_id).status == "RELEASED" and order_store().details(order_id).outbound_notes[0].state == "SENT"
    wanted = ask(shanghai_order, "RF-6", lines=[{"sku": "CUP-CELADON-6PK"}], channel_status="WAIT_SELLER_AGREE")
    assert apply_refund(wanted, CHANNEL, deps) == "intercept_requested"
    agreed = wanted.model_copy(update={"state": RefundState.SUCCESS, "channel_status": "SUCCESS"})
    assert apply_refund(agreed, CHANNEL, deps) == "status_recorded"
    record = AfterSalesStore().refund(order_id, "RF-6")
    assert [h.channel_status for h in record.history] == ["WAIT_SELLER_AGREE", "SUCCESS"] and record.outcome == "intercept_requested"
    assert any("now SUCCESS on own_shop" in e.cause for e in order_store().details(order_id).timeline)


def test_a_refund_over_two_parcels_both_too_late_expects_one_return(deps, shanghai_order):
    # No warehouse holds both: the cups leave Shanghai, the kettle Beijing; both parcels have left.
    order = {**shanghai_order, "external_id": "SPLIT-LATE-1", "lines": [{"sku": "CUP-CELADON-6PK", "quantity": 1, "unit_price": "89.00"}, {"sku": "KETTLE-IRON-1L", "quantity": 1, "unit_price": "399.00"}]}
    order_id = drive(order, "RELEASED")
    assert apply_refund(ask(order, "RF-6", whole_order=True), CHANNEL, deps) == "intercept_requested"
    notes = order_store().details(order_id).outbound_notes
    assert len(notes) == 2
    for note in notes:
        answer = InterceptAnswer(order_id=order_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id="RF-6", outcome="too_late")
        assert answer_intercept(answer, "wms", deps) == "too_late"
        assert answer_intercept(answer, "wms", deps) == "duplicate"
    [rma] = AfterSalesStore().rmas(order_id)
    assert {(line.sku, line.expected) for line in rma.lines} == {("CUP-CELADON-6PK", 1), ("KETTLE-IRON-1L", 1)}
    [record] = AfterSalesStore().refunds(order_id)
    assert set(record.intercept_answers.values()) == {"too_late"} and len(record.intercept_answers) == 2 and record.rma_id == rma.rma_id


@pytest.mark.parametrize("late_first", [False, True])
def test_a_refund_over_two_parcels_one_stopped_one_gone_expects_back_only_what_left(deps, shanghai_order, late_first):
    # Everything refunded, the kettle's parcel (Beijing) stopped, the cups' (Shanghai) gone: the
    # order is not cancelled under a parcel on its way; the kettle leaves it, the cups come back.
    order = {**shanghai_order, "external_id": f"SPLIT-MIX-{late_first}", "lines": [{"sku": "CUP-CELADON-6PK", "quantity": 1, "unit_price": "89.00"}, {"sku": "KETTLE-IRON-1L", "quantity": 1, "unit_price": "399.00"}]}
    order_id = drive(order, "RELEASED")
    kettles = inventory_store().stock_record("KETTLE-IRON-1L", "WH-BJ").available
    apply_refund(ask(order, "RF-7", whole_order=True), CHANNEL, deps)
    notes = {n.warehouse_id: n for n in order_store().details(order_id).outbound_notes}
    answers = [
        InterceptAnswer(order_id=order_id, warehouse_id="WH-BJ", note_id=notes["WH-BJ"].note_id, refund_id="RF-7", outcome="intercepted"),
        InterceptAnswer(order_id=order_id, warehouse_id="WH-SH", note_id=notes["WH-SH"].note_id, refund_id="RF-7", outcome="too_late"),
    ]
    for answer in reversed(answers) if late_first else answers:
        assert answer_intercept(answer, "wms", deps) == answer.outcome
        assert answer_intercept(answer, "wms", deps) == "duplicate"
    details = order_store().details(order_id)
    assert details.order.status == "RELEASED" and [line.sku for line in details.order.order.lines] == ["CUP-CELADON-6PK"]
    assert {n.warehouse_id: n.state for n in details.outbound_notes} == {"WH-BJ": "VOIDED", "WH-SH": "SENT"}
    assert inventory_store().stock_record("KETTLE-IRON-1L", "WH-BJ").available == kettles + 1
    [rma] = AfterSalesStore().rmas(order_id)
    assert (rma.warehouse_id, [(line.sku, line.expected) for line in rma.lines]) == ("WH-SH", [("CUP-CELADON-6PK", 1)])
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-25T10:00:00Z"), "wms", order_store(), inventory_store())
    assert order_store().load(order_id).status == "SHIPPED"
