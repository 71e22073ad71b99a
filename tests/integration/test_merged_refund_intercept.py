"""合单 after release (decision 122): a refund of a merged member whose merged shipment is already
at the warehouse is intercepted in the shipment's note. Intercepted: the note shrinks to the other
members' lines, the units come back, the member is cancelled (everything) or amended (some lines)
and never follows the shipment; too late: the member expects a return. The refunded lines never
ship."""

from __future__ import annotations

import json

import boto3

from functions.inventory_lock.handler import handler as inventory_lock
from functions.merging_api.handler import handler as merging_api
from functions.notification.handler import handler as notification
from functions.routing.handler import handler as routing
from shared.aftersales.domain import AfterSalesRequest
from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aftersales.usecases.intercept import InterceptAnswer, answer_intercept
from shared.aftersales.usecases.returns import ReturnReceipt, receive_return
from shared.aws.stores import inventory_store, order_store
from shared.lifecycle import Actor, ActorKind, OrderStatus
from shared.merging.aftermath import follow_shipment, unmerge
from shared.merging.store import MergeStore
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from tests.integration.conftest import api_request, context, drain
from tests.integration.test_aftersales_stages import deps, seeded_queue  # noqa: F401 (fixture)
from tests.integration.test_order_merging import approved

CHANNEL = Actor(kind=ActorKind.CHANNEL, name="own_shop")


def released_merge(shanghai_order: dict, first_n: int, quantity: int = 1) -> tuple[str, str, str, dict]:
    first = approved({**shanghai_order, "external_id": f"M-{first_n}"}, first_n, quantity=quantity)
    second = approved(shanghai_order, first_n + 1, sku="CUP-CELADON-6PK")
    return (first, second, *release_merge(first, second))


def release_merge(first: str, second: str) -> tuple[str, dict]:
    """Merges the two approved orders and releases the shipment: (its order id, the merge record)."""
    status, record = api_request(merging_api, "POST", "/merges", "/merges", json.dumps({"order_ids": [first, second], "operator": "li.lei", "reason": "same parcel"}))
    assert status == 201, record
    shipment_id = record["shipment_order_id"]
    routing({"order_id": shipment_id, "route_attempt": 0}, context())
    inventory_lock({"order_id": shipment_id}, context())
    notification({"order_id": shipment_id}, context())
    assert order_store().load(shipment_id).status == OrderStatus.RELEASED
    return shipment_id, record


def refund_of(n: int, refund_id: str, **fields) -> AfterSalesRequest:
    return AfterSalesRequest.model_validate({"channel": "own_shop", "channel_order_id": f"M-{n}", "refund_id": refund_id, **fields})


def tea() -> int:
    return inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH").available


def test_a_member_refunded_after_its_shipment_is_released_is_intercepted_and_never_ships(deps, shanghai_order):  # noqa: F811
    first, second, shipment_id, record = released_merge(shanghai_order, 41)
    before = tea()
    assert apply_refund(refund_of(41, "RF-M1", whole_order=True), CHANNEL, deps) == "intercept_requested"
    [note] = order_store().details(shipment_id).outbound_notes
    wms = [json.loads(m["Body"]) for m in drain(boto3.client("sqs"), seeded_queue("wms_outbound"))]
    [ask] = [m for m in wms if m.get("id") == f"{note.note_id}:intercept:RF-M1"]
    assert ask["detail"]["order_id"] == shipment_id and ask["detail"]["whole_note"] is False
    assert [(line["sku"], line["quantity"]) for line in ask["detail"]["lines"]] == [("TEA-LONGJING-250G", 1)]
    assert order_store().load(first).status == OrderStatus.MERGED  # waits for the warehouse's answer
    assert "intercept (拦截) requested" in order_store().details(first).timeline[-1].cause

    answer = InterceptAnswer(order_id=shipment_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id="RF-M1", outcome="intercepted")
    assert answer_intercept(answer, "wms.jiading", deps) == "intercepted"
    assert answer_intercept(answer, "wms.jiading", deps) == "duplicate"

    shipment = order_store().details(shipment_id)
    assert shipment.order.status == OrderStatus.RELEASED  # the other member still ships
    assert [(p.sku, p.quantity) for p in shipment.outbound_notes[0].lines] == [("CUP-CELADON-6PK", 1)]
    assert [line.sku for line in shipment.order.order.lines] == ["CUP-CELADON-6PK"]
    assert tea() == before + 1  # the intercepted unit is available again
    assert order_store().load(first).status == OrderStatus.CANCELLED
    assert MergeStore(order_store()).load(record["merge_id"]).members == [second]
    [mine] = AfterSalesStore().refunds(first)
    assert (mine.outcome, mine.merged_into, mine.intercept_answers) == ("intercepted", shipment_id, {note.note_id: "intercepted"})
    # The member's OrderCancelled reaches the merge events: it has left the merge, nothing to undo.
    assert unmerge(first, "cancelled", order_store(), lambda *a: None, lambda *a: None) == "not_merged"

    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=shipment_id, warehouse_id=note.warehouse_id, occurred_at="2026-11-11T09:00:00Z", carrier="SF", tracking_number="SF41"), "wms.test", order_store(), inventory_store())
    assert follow_shipment(shipment_id, order_store()) == "followed"
    assert order_store().load(second).status == OrderStatus.SHIPPED
    assert order_store().load(first).status == OrderStatus.CANCELLED  # the refunded member never ships


def test_a_partial_member_refund_intercepted_amends_the_member_and_shrinks_the_parcel(deps, shanghai_order):  # noqa: F811
    first, second, shipment_id, _ = released_merge(shanghai_order, 43, quantity=2)
    assert apply_refund(refund_of(43, "RF-M3", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 1}]), CHANNEL, deps) == "intercept_requested"
    [note] = order_store().details(shipment_id).outbound_notes
    answer_intercept(InterceptAnswer(order_id=shipment_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id="RF-M3", outcome="intercepted"), "wms.jiading", deps)
    assert {(p.sku, p.quantity) for p in order_store().details(shipment_id).outbound_notes[0].lines} == {("TEA-LONGJING-250G", 1), ("CUP-CELADON-6PK", 1)}
    member = order_store().load(first)
    assert member.status == OrderStatus.MERGED and [(line.sku, line.quantity) for line in member.order.lines] == [("TEA-LONGJING-250G", 1)]
    assert MergeStore(order_store()).load(member.merge_id).members == [first, second]  # it still rides along


def test_a_member_intercept_too_late_expects_the_return_on_the_member(deps, shanghai_order):  # noqa: F811
    first, second, shipment_id, _ = released_merge(shanghai_order, 45)
    apply_refund(refund_of(45, "RF-M5", whole_order=True), CHANNEL, deps)
    [note] = order_store().details(shipment_id).outbound_notes
    answer = InterceptAnswer(order_id=shipment_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id="RF-M5", outcome="too_late")
    assert answer_intercept(answer, "wms.jiading", deps) == "too_late"
    assert answer_intercept(answer, "wms.jiading", deps) == "duplicate"
    [rma] = AfterSalesStore().rmas(first)
    assert AfterSalesStore().rmas(shipment_id) == []  # one return, the member's
    assert [(line.sku, line.expected) for line in rma.lines] == [("TEA-LONGJING-250G", 1)]
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=shipment_id, warehouse_id=note.warehouse_id, occurred_at="2026-11-11T09:00:00Z", carrier="SF", tracking_number="SF45"), "wms.test", order_store(), inventory_store())
    follow_shipment(shipment_id, order_store())
    assert order_store().load(first).status == OrderStatus.SHIPPED
    receipt = ReturnReceipt(order_id=first, rma_id=rma.rma_id, warehouse_id=note.warehouse_id, receipt_id="RR-M5", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 1}])
    assert receive_return(receipt, "wms.jiading", deps) == "received"
    assert order_store().load(first).status == OrderStatus.RETURNED


def test_a_member_refund_over_two_notes_one_intercepted_one_too_late_settles_itself(deps, shanghai_order):  # noqa: F811
    # No warehouse holds both: the cups are shipped from Shanghai, the kettle from Beijing (decision 139).
    first = approved(shanghai_order, 47, lines=[{"sku": "CUP-CELADON-6PK", "quantity": 1, "unit_price": "89.00"}, {"sku": "KETTLE-IRON-1L", "quantity": 1, "unit_price": "399.00"}])
    shipment_id, _ = release_merge(first, approved(shanghai_order, 48, sku="CUP-CELADON-6PK"))
    notes = {n.warehouse_id: n for n in order_store().details(shipment_id).outbound_notes}
    assert set(notes) == {"WH-BJ", "WH-SH"}
    kettles = inventory_store().stock_record("KETTLE-IRON-1L", "WH-BJ").available

    assert apply_refund(refund_of(47, "RF-M7", whole_order=True), CHANNEL, deps) == "intercept_requested"
    [mine] = AfterSalesStore().refunds(first)
    assert {n: [(l.sku, l.quantity) for l in lines] for n, lines in mine.intercept_lines.items()} == {
        notes["WH-BJ"].note_id: [("KETTLE-IRON-1L", 1)],
        notes["WH-SH"].note_id: [("CUP-CELADON-6PK", 1)],
    }
    caught = InterceptAnswer(order_id=shipment_id, warehouse_id="WH-BJ", note_id=notes["WH-BJ"].note_id, refund_id="RF-M7", outcome="intercepted")
    late = InterceptAnswer(order_id=shipment_id, warehouse_id="WH-SH", note_id=notes["WH-SH"].note_id, refund_id="RF-M7", outcome="too_late")
    assert answer_intercept(late, "wms.sh", deps) == "too_late"
    assert AfterSalesStore().rmas(first) == []  # waits for the other parcel's answer
    assert any("waiting for the answer of its other parcel" in e.cause for e in order_store().details(first).timeline)
    assert answer_intercept(caught, "wms.bj", deps) == "intercepted"
    assert answer_intercept(caught, "wms.bj", deps) == "duplicate" and answer_intercept(late, "wms.sh", deps) == "duplicate"

    member = order_store().details(first)
    assert member.order.status == OrderStatus.MERGED  # what was too late still rides in the parcel
    assert [(line.sku, line.quantity) for line in member.order.order.lines] == [("CUP-CELADON-6PK", 1)]
    [split] = [e.cause for e in member.timeline if "split: intercepted at WH-BJ" in e.cause]
    assert "too late at WH-SH" in split
    [rma] = AfterSalesStore().rmas(first)
    assert (rma.warehouse_id, [(line.sku, line.expected) for line in rma.lines]) == ("WH-SH", [("CUP-CELADON-6PK", 1)])
    [mine] = AfterSalesStore().refunds(first)
    assert (mine.outcome, mine.rma_id) == ("too_late", rma.rma_id)
    shipment = order_store().details(shipment_id)
    assert {n.warehouse_id: n.state for n in shipment.outbound_notes} == {"WH-BJ": "VOIDED", "WH-SH": "SENT"}
    assert inventory_store().stock_record("KETTLE-IRON-1L", "WH-BJ").available == kettles + 1

    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=shipment_id, warehouse_id="WH-SH", occurred_at="2026-11-11T09:00:00Z", carrier="SF", tracking_number="SF47"), "wms.test", order_store(), inventory_store())
    assert follow_shipment(shipment_id, order_store()) == "followed"
    assert order_store().load(first).status == OrderStatus.SHIPPED
    receipt = ReturnReceipt(order_id=first, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-M7", lines=[{"sku": "CUP-CELADON-6PK", "sellable": 1}])
    assert receive_return(receipt, "wms.jiading", deps) == "received"
    assert order_store().load(first).status == OrderStatus.RETURNED
