"""Refunds and return receipts that name the same units more than once (found by driving the
local runtime): a second refund of units an earlier refund already expects back, and a return
receipt that lists one SKU on two lines (sellable, then unsellable)."""

from __future__ import annotations

import pytest

from shared.aftersales import stock as aftersales_stock
from shared.aftersales.domain import Nonsense
from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aftersales.usecases.returns import ReturnReceipt, receive_return
from shared.aws.stores import inventory_store, order_store
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from tests.integration.test_aftersales_stages import CHANNEL, ask, deps, tea  # noqa: F401  (deps is a fixture)
from tests.integration.test_operations import drive


def shipped(order: dict) -> str:
    order_id = drive(order, "RELEASED")
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-25T10:00:00Z"), "wms.jiading", order_store(), inventory_store())
    return order_id


def test_a_second_refund_of_units_already_expected_back_goes_to_the_dead_letter_queue(deps, shanghai_order):  # noqa: F811
    order_id = shipped(shanghai_order)  # 2 × TEA-LONGJING-250G, 1 × CUP-CELADON-6PK
    assert apply_refund(ask(shanghai_order, "RF-A", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}]), CHANNEL, deps) == "return_expected"
    with pytest.raises(Nonsense, match=r"refund RF-B line 0: 3 units of TEA-LONGJING-250G refunded \(2 of them by refund RF-A\), the order has 2") as refused:
        apply_refund(ask(shanghai_order, "RF-B", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 1}]), CHANNEL, deps)
    assert refused.value.rule == "quantity_above_ordered"
    assert [rma.refund_id for rma in AfterSalesStore().rmas(order_id)] == ["RF-A"]
    # What is not claimed yet still refunds; a closed refund gives its units back to be refunded again.
    assert apply_refund(ask(shanghai_order, "RF-C", lines=[{"sku": "CUP-CELADON-6PK"}]), CHANNEL, deps) == "return_expected"
    assert apply_refund(ask(shanghai_order, "RF-A", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}], state="closed", channel_status="CLOSED"), CHANNEL, deps) == "status_recorded"
    assert apply_refund(ask(shanghai_order, "RF-D", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}]), CHANNEL, deps) == "return_expected"
    assert sorted(rma.refund_id for rma in AfterSalesStore().rmas(order_id)) == ["RF-A", "RF-C", "RF-D"]


def test_a_second_refund_while_the_first_ones_intercept_is_pending_asks_nothing_more(deps, shanghai_order):  # noqa: F811
    order_id = drive(shanghai_order, "RELEASED")
    assert apply_refund(ask(shanghai_order, "RF-E", lines=[{"sku": "CUP-CELADON-6PK"}]), CHANNEL, deps) == "intercept_requested"
    with pytest.raises(Nonsense, match=r"2 units of CUP-CELADON-6PK refunded \(1 of them by refund RF-E\), the order has 1"):
        apply_refund(ask(shanghai_order, "RF-F", lines=[{"sku": "CUP-CELADON-6PK"}]), CHANNEL, deps)
    assert [r.refund_id for r in AfterSalesStore().refunds(order_id)] == ["RF-E"]


def test_a_receipt_listing_a_sku_on_two_lines_counts_both(deps, shanghai_order):  # noqa: F811
    order_id = shipped(shanghai_order)
    on_hand = tea("on_hand")
    damaged = aftersales_stock.damaged(inventory_store(), "TEA-LONGJING-250G", "WH-SH")
    assert apply_refund(ask(shanghai_order, "RF-G", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}]), CHANNEL, deps) == "return_expected"
    [rma] = AfterSalesStore().rmas(order_id)
    lines = [{"sku": "TEA-LONGJING-250G", "sellable": 1}, {"sku": "TEA-LONGJING-250G", "unsellable": 1}]
    receipt = ReturnReceipt(order_id=order_id, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-G", lines=lines)
    assert receive_return(receipt, "wms.jiading", deps) == "received"
    [rma] = AfterSalesStore().rmas(order_id)
    assert [(line.sellable, line.unsellable) for line in rma.lines] == [(1, 1)]
    assert order_store().load(order_id).status == "RETURNED"
    assert tea("on_hand") == on_hand + 1
    assert aftersales_stock.damaged(inventory_store(), "TEA-LONGJING-250G", "WH-SH") == damaged + 1
    # Two lines of one SKU that together pass what is expected are refused, as one line would be.
    second = ReturnReceipt(order_id=order_id, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-H", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 1}])
    with pytest.raises(Nonsense, match="3 units of TEA-LONGJING-250G back, 2 expected"):
        receive_return(second, "wms.jiading", deps)


def test_a_whole_order_refund_after_a_line_refund_expects_back_only_the_rest(deps, shanghai_order):  # noqa: F811
    order_id = shipped(shanghai_order)  # 2 × TEA-LONGJING-250G, 1 × CUP-CELADON-6PK
    assert apply_refund(ask(shanghai_order, "RF-T", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}]), CHANNEL, deps) == "return_expected"
    assert apply_refund(ask(shanghai_order, "RF-ALL", whole_order=True), CHANNEL, deps) == "return_expected"
    expected = {rma.refund_id: [(line.sku, line.expected) for line in rma.lines] for rma in AfterSalesStore().rmas(order_id)}
    assert expected == {"RF-T": [("TEA-LONGJING-250G", 2)], "RF-ALL": [("CUP-CELADON-6PK", 1)]}  # not the tea a second time
    # A cancellation after refunds that claim every unit (Shopify's orders/cancelled after its refunds): recorded, nothing asked again.
    assert apply_refund(ask(shanghai_order, "RF-CANCEL", kind="cancel"), CHANNEL, deps) == "recorded"
    assert len(AfterSalesStore().rmas(order_id)) == 2
    assert order_store().details(order_id).timeline[-1].cause == "refund RF-CANCEL recorded, nothing to undo: every unit is refunded already (by refund RF-ALL, RF-T)"


def test_a_status_arriving_after_a_refund_was_closed_keeps_it_closed(deps, shanghai_order):  # noqa: F811
    """Closed on the platform is final; a 'requested' delivered late (a standard queue) does not let
    the closed refund claim units another refund has taken since."""
    order_id = shipped(shanghai_order)
    assert apply_refund(ask(shanghai_order, "RF-A", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}]), CHANNEL, deps) == "return_expected"
    assert apply_refund(ask(shanghai_order, "RF-A", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}], state="closed", channel_status="CLOSED"), CHANNEL, deps) == "status_recorded"
    assert apply_refund(ask(shanghai_order, "RF-D", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}]), CHANNEL, deps) == "return_expected"
    late = ask(shanghai_order, "RF-A", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 2}], channel_status="WAIT_SELLER_AGREE")
    assert apply_refund(late, CHANNEL, deps) == "status_recorded"
    kept = AfterSalesStore().refund(order_id, "RF-A")
    assert kept.state == "closed" and [s.channel_status for s in kept.history][-1] == "WAIT_SELLER_AGREE"
    with pytest.raises(Nonsense, match=r"\(2 of them by refund RF-D\)"):  # RF-A claims nothing
        apply_refund(ask(shanghai_order, "RF-E", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 1}]), CHANNEL, deps)
