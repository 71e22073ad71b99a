"""Stock given back is pushed to the channels (decision 125): a cancellation, an expired hold and a
return restocked mark their SKUs for the channel stock push, which sends the new quantity within
its one-minute window."""

from __future__ import annotations

from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aftersales.usecases.returns import ReturnReceipt, receive_return
from shared.aws.stores import inventory_store, order_store, outbox_publisher
from shared.aws.messaging import publish
from shared.lifecycle import Actor
from shared.usecases.cancel_order import cancel_order
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from shared.writeback.aws.store import channel_sync_store
from tests.integration.test_aftersales_stages import CHANNEL, ask, deps  # noqa: F401 (fixture)
from tests.integration.test_operations import drive


def marked() -> set[str]:
    return {item["sk"] for item in channel_sync_store().changed()}


def clear() -> None:
    for item in channel_sync_store().changed():
        channel_sync_store().clear_changed(item["sk"], int(item["changes"]))


def test_a_cancelled_reservation_marks_its_skus_for_the_channels(seeded, shanghai_order):
    order_id = drive(shanghai_order, "RESERVED")
    clear()
    cancel_order(order_id, "buyer changed their mind", Actor.system("test"), order_store(), inventory_store(), publish, outbox_publisher())
    assert marked() == {"TEA-LONGJING-250G", "CUP-CELADON-6PK"}


def test_a_return_restocked_sellable_marks_its_sku_and_nothing_else(deps, shanghai_order):  # noqa: F811
    order_id = drive(shanghai_order, "RELEASED")
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-25T10:00:00Z"), "wms.jiading", order_store(), inventory_store())
    apply_refund(ask(shanghai_order, "RF-MK", whole_order=True), CHANNEL, deps)
    [rma] = AfterSalesStore().rmas(order_id)
    clear()
    receipt = ReturnReceipt(order_id=order_id, rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-MK", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 2}, {"sku": "CUP-CELADON-6PK", "unsellable": 1}])
    receive_return(receipt, "wms.jiading", deps)
    assert marked() == {"TEA-LONGJING-250G"}  # the damaged cup is not for sale
