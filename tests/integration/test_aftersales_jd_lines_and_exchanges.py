"""JD line-level refunds (decision 136) and exchanges (换货, decision 137), on moto through the use
cases, from the channels' documents as read by their adapters (hand-built from the documented
field names, events/channels/refunds/): a JD service bill naming one item and its units takes the
refunded units out before release, asks the warehouse to intercept them after release, and
expects them back after shipment; a Douyin (or JD) exchange after shipment expects the item back
and ships a replacement order through the normal workflow, linked to the original."""

from __future__ import annotations

import copy
import json

import boto3
import pytest

from shared.aftersales.domain import AfterSalesRequest
from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aftersales.usecases.intercept import InterceptAnswer, answer_intercept
from shared.aftersales.usecases.returns import ReturnReceipt, receive_return
from shared.aws.stores import inventory_store, order_store
from shared.channels import douyin_refunds, jd_refunds
from shared.lifecycle import Actor, ActorKind
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.usecases.request import request_writeback
from tests.conftest import load_event
from tests.integration.conftest import drain
from tests.integration.test_aftersales_stages import RUNS, deps, seeded_queue, tea  # noqa: F401 (fixture)
from tests.integration.test_operations import STEPS, drive
from tests.integration.test_workflow_steps import statuses

JD = Actor(kind=ActorKind.CHANNEL, name="jd")
DOUYIN = Actor(kind=ActorKind.CHANNEL, name="douyin")
TEA_SKU_ID, CUP_SKU_ID = "100012043978", "100009871234"  # JD skuIds: the lines' ids
TEA_S_ID, CUP_S_ID = "6923041825071238767", "6923041825071238768"  # Douyin sku order ids


def channel_order(shanghai_order: dict, channel: str, external_id: str, line_ids: tuple[str, str]) -> dict:
    """The seeded Shanghai order as a JD / Douyin order: its lines carry the platform's line ids."""
    lines = [{**line, "channel_line_id": line_id} for line, line_id in zip(shanghai_order["lines"], line_ids, strict=True)]
    return {**shanghai_order, "channel": channel, "external_id": external_id, "lines": lines}


def jd_bill(order_id: str, service_id: str, sku_id: str, count: int | None, expect: str = "10") -> AfterSalesRequest:
    bill = copy.deepcopy(load_event("channels/refunds/jd_asc_service_line.json"))
    bill.update(orderId=order_id, serviceId=service_id, skuId=sku_id, customerExpect=expect)
    if count is None:
        del bill["serviceCount"]
    else:
        bill["serviceCount"] = count
    return jd_refunds.parse_refund(bill)


def shipped(order_id: str) -> None:
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-25T10:00:00Z", tracking_number="SF1234567890"), "wms.jiading", order_store(), inventory_store())


def test_jd_line_refund_before_release_takes_the_units_out_and_runs_the_workflow_again(deps, shanghai_order):  # noqa: F811
    order_id = drive(channel_order(shanghai_order, "jd", "286403917301", (TEA_SKU_ID, CUP_SKU_ID)), "RESERVED")
    request = jd_bill("286403917301", "2391847001", TEA_SKU_ID, 1)
    assert apply_refund(request, JD, deps) == "amended"
    stored = order_store().load(order_id)
    assert stored.status == "RECEIVED" and [(line.sku, line.quantity) for line in stored.order.lines] == [("TEA-LONGJING-250G", 1), ("CUP-CELADON-6PK", 1)]
    assert RUNS and RUNS[0][0] == order_id
    assert apply_refund(request, JD, deps) == "duplicate"
    whole_line = jd_bill("286403917301", "2391847002", CUP_SKU_ID, None)  # no count: the whole line
    assert apply_refund(whole_line, JD, deps) == "amended"
    assert [line.sku for line in order_store().load(order_id).order.lines] == ["TEA-LONGJING-250G"]
    [first, second] = sorted(AfterSalesStore().refunds(order_id), key=lambda r: r.refund_id)
    assert [(line.line_id, line.quantity) for line in first.lines] == [(TEA_SKU_ID, 1)] and not first.everything
    assert [(line.line_id, line.quantity) for line in second.lines] == [(CUP_SKU_ID, 1)]


def test_jd_line_refund_after_release_is_intercepted_in_the_note(deps, shanghai_order):  # noqa: F811
    order_id = drive(channel_order(shanghai_order, "jd", "286403917302", (TEA_SKU_ID, CUP_SKU_ID)), "RELEASED")
    before = tea()
    assert apply_refund(jd_bill("286403917302", "2391847003", TEA_SKU_ID, 1), JD, deps) == "intercept_requested"
    [note] = order_store().details(order_id).outbound_notes
    wms = [json.loads(m["Body"]) for m in drain(boto3.client("sqs"), seeded_queue("wms_outbound"))]
    [asked] = [m["detail"] for m in wms if m["detail-type"] == "InterceptRequested"]
    assert asked["lines"] == [{"line_id": TEA_SKU_ID, "sku": "TEA-LONGJING-250G", "quantity": 1}] and asked["whole_note"] is False
    answer = InterceptAnswer(order_id=order_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id="2391847003", outcome="intercepted")
    assert answer_intercept(answer, "wms.jiading", deps) == "intercepted"
    details = order_store().details(order_id)
    assert details.order.status == "RELEASED" and {(p.sku, p.quantity) for p in details.outbound_notes[0].lines} == {("TEA-LONGJING-250G", 1), ("CUP-CELADON-6PK", 1)}
    assert tea() == before + 1
    assert any("intercepted at WH-SH" in e.cause for e in details.timeline)


def test_jd_line_refund_after_shipment_expects_the_units_back(deps, shanghai_order):  # noqa: F811
    order_id = drive(channel_order(shanghai_order, "jd", "286403917303", (TEA_SKU_ID, CUP_SKU_ID)), "RELEASED")
    shipped(order_id)
    assert apply_refund(jd_bill("286403917303", "2391847004", TEA_SKU_ID, 1), JD, deps) == "return_expected"
    [rma] = AfterSalesStore().rmas(order_id)
    assert [(line.line_id, line.sku, line.expected) for line in rma.lines] == [(TEA_SKU_ID, "TEA-LONGJING-250G", 1)]
    assert order_store().load(order_id).status == "RETURN_PENDING"
    receipt = ReturnReceipt(order_id=order_id, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-JD-1", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 1}])
    assert receive_return(receipt, "wms.jiading", deps) == "received"
    assert order_store().load(order_id).status == "RETURNED"


def test_jd_refund_of_more_units_than_the_line_holds_or_of_an_unknown_item_makes_no_sense(deps, shanghai_order):  # noqa: F811
    from shared.aftersales.domain import Nonsense

    drive(channel_order(shanghai_order, "jd", "286403917304", (TEA_SKU_ID, CUP_SKU_ID)), "RESERVED")
    with pytest.raises(Nonsense, match="3 units of TEA-LONGJING-250G refunded, the order has 2"):
        apply_refund(jd_bill("286403917304", "2391847005", TEA_SKU_ID, 3), JD, deps)
    with pytest.raises(Nonsense, match="no line with line id '999'"):
        apply_refund(jd_bill("286403917304", "2391847006", "999", 1), JD, deps)


def douyin_exchange(external_id: str, s_id: str = TEA_S_ID) -> AfterSalesRequest:
    message = copy.deepcopy(load_event("channels/refunds/douyin_exchange_created.json"))
    message["data"].update(p_id=int(external_id), s_id=int(s_id))
    return douyin_refunds.parse_refund(message)


def advance(order_id: str, to: str) -> None:
    for stage in STEPS:
        if statuses(order_id)[-1] == to:
            break
        for step in STEPS[stage]:
            step(order_id)
    assert statuses(order_id)[-1] == to, statuses(order_id)


def test_douyin_exchange_after_shipment_expects_the_item_back_and_ships_a_replacement(deps, shanghai_order):  # noqa: F811
    order_id = drive(channel_order(shanghai_order, "douyin", "6923041825071230001", (TEA_S_ID, CUP_S_ID)), "RELEASED")
    shipped(order_id)
    request = douyin_exchange("6923041825071230001")
    assert apply_refund(request, DOUYIN, deps) == "return_expected"
    [record] = AfterSalesStore().refunds(order_id)
    [rma] = AfterSalesStore().rmas(order_id)
    replacement_id = record.replacement_order_id
    assert record.kind == "exchange" and rma.replacement_order_id == replacement_id and replacement_id
    assert [(line.sku, line.expected) for line in rma.lines] == [("TEA-LONGJING-250G", 2)]  # the whole sku order comes back
    original = order_store().details(order_id)
    assert original.order.status == "RETURN_PENDING" and original.timeline[-1].details["replacement_order_id"] == replacement_id
    replacement = order_store().details(replacement_id)
    assert replacement.order.status == "RECEIVED" and replacement.timeline[0].details["exchange_of"] == order_id
    assert [(line.sku, line.quantity, str(line.discount)) for line in replacement.order.order.lines] == [("TEA-LONGJING-250G", 2, "0.00")]
    assert replacement.order.order.placed_at > original.order.order.placed_at  # placed at the exchange: no duplicate of the original
    assert RUNS == [(replacement_id, RUNS[0][1])]  # the replacement's workflow, once
    assert apply_refund(request, DOUYIN, deps) == "duplicate" and len(RUNS) == 2  # a repeat finds the same replacement, still RECEIVED
    advance(replacement_id, "RELEASED")  # the normal workflow: reviewed, routed, reserved, a note of its own
    [note] = order_store().details(replacement_id).outbound_notes
    assert [(p.sku, p.quantity) for p in note.lines] == [("TEA-LONGJING-250G", 2)]
    assert apply_refund(request, DOUYIN, deps) == "duplicate" and len(RUNS) == 2  # released: no second run
    shipped(replacement_id)
    assert request_writeback(replacement_id, "WH-SH", order_store(), channel_sync_store(), lambda *a: pytest.fail("no write-back")) == "not needed (exchange replacement)"
    assert any(e.details.get("writeback") == "exchange_replacement" for e in order_store().details(replacement_id).timeline)
    receipt = ReturnReceipt(order_id=order_id, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-EX-1", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 2}])
    assert receive_return(receipt, "wms.jiading", deps) == "received"
    assert order_store().load(order_id).status == "RETURNED"


def test_an_exchange_before_shipment_is_recorded_for_an_operator_and_changes_nothing(deps, shanghai_order):  # noqa: F811
    order_id = drive(channel_order(shanghai_order, "douyin", "6923041825071230002", (TEA_S_ID, CUP_S_ID)), "RESERVED")
    assert apply_refund(douyin_exchange("6923041825071230002"), DOUYIN, deps) == "recorded"
    details = order_store().details(order_id)
    assert details.order.status == "RESERVED" and len(details.order.order.lines) == 2 and RUNS == []
    assert "exchange (换货)" in details.timeline[-1].cause and "an operator decides" in details.timeline[-1].cause
    assert AfterSalesStore().rmas(order_id) == []


def test_a_jd_exchange_after_shipment_ships_a_replacement_of_its_units(deps, shanghai_order):  # noqa: F811
    order_id = drive(channel_order(shanghai_order, "jd", "286403917305", (TEA_SKU_ID, CUP_SKU_ID)), "RELEASED")
    shipped(order_id)
    assert apply_refund(jd_bill("286403917305", "2391847007", TEA_SKU_ID, 1, expect="20"), JD, deps) == "return_expected"
    [record] = AfterSalesStore().refunds(order_id)
    replacement = order_store().load(record.replacement_order_id)
    assert [(line.sku, line.quantity, line.channel_line_id) for line in replacement.order.lines] == [("TEA-LONGJING-250G", 1, TEA_SKU_ID)]


def test_an_exchange_ships_its_replacement_from_the_refund_record_it_wrote_without_reading_it_back(deps, shanghai_order, monkeypatch):  # noqa: F811
    order_id = drive(channel_order(shanghai_order, "douyin", "6923041825071230009", (TEA_S_ID, CUP_S_ID)), "RELEASED")
    shipped(order_id)
    reads = []
    read = deps.records.refund
    monkeypatch.setattr(deps.records, "refund", lambda order, refund_id: reads.append(refund_id) or read(order, refund_id))
    assert apply_refund(douyin_exchange("6923041825071230009"), DOUYIN, deps) == "return_expected"
    [record] = AfterSalesStore().refunds(order_id)
    assert reads == [record.refund_id]  # the one look for a repeat, before anything was written
    replacement = order_store().details(record.replacement_order_id)
    assert replacement.timeline[0].details["refund_id"] == record.refund_id and replacement.timeline[0].details["rma_id"] == record.rma_id


def test_an_exchange_of_units_a_refund_already_expects_back_makes_no_sense(deps, shanghai_order):  # noqa: F811
    """The exchange counts the units earlier refunds of the order still claim, as a refund does: no
    second return of the same units, and no replacement shipped for them."""
    from shared.aftersales.domain import Nonsense

    order_id = drive(channel_order(shanghai_order, "douyin", "6923041825071230003", (TEA_S_ID, CUP_S_ID)), "RELEASED")
    shipped(order_id)
    refund = copy.deepcopy(load_event("channels/refunds/douyin_refund_created.json"))
    refund["data"].update(p_id=6923041825071230003, s_id=int(TEA_S_ID))
    assert apply_refund(douyin_refunds.parse_refund(refund), DOUYIN, deps) == "return_expected"
    with pytest.raises(Nonsense, match=r"refunded \(2 of them by refund") as refused:
        apply_refund(douyin_exchange("6923041825071230003"), DOUYIN, deps)
    assert refused.value.rule == "quantity_above_ordered"
    assert [r.kind for r in AfterSalesStore().refunds(order_id)] == ["refund"] and len(AfterSalesStore().rmas(order_id)) == 1
    assert RUNS == []  # no replacement order


def test_a_whole_order_exchange_of_units_refunds_claim_in_full_makes_no_sense(deps, shanghai_order):  # noqa: F811
    from shared.aftersales.domain import Nonsense

    order_id = drive(channel_order(shanghai_order, "douyin", "6923041825071230004", (TEA_S_ID, CUP_S_ID)), "RELEASED")
    shipped(order_id)
    for s_id in (TEA_S_ID, CUP_S_ID):
        refund = copy.deepcopy(load_event("channels/refunds/douyin_refund_created.json"))
        refund["data"].update(p_id=6923041825071230004, s_id=int(s_id), aftersale_id=int(s_id) + 1)
        assert apply_refund(douyin_refunds.parse_refund(refund), DOUYIN, deps) == "return_expected"
    whole = copy.deepcopy(load_event("channels/refunds/douyin_exchange_created.json"))
    whole["data"].update(p_id=6923041825071230004)
    whole["data"].pop("s_id")
    request = douyin_refunds.parse_refund(whole)
    assert request.everything
    with pytest.raises(Nonsense, match="every unit of order .* is refunded already") as refused:
        apply_refund(request, DOUYIN, deps)
    assert refused.value.rule == "quantity_above_ordered"
    assert len(AfterSalesStore().rmas(order_id)) == 2 and RUNS == []  # no empty return, no replacement
