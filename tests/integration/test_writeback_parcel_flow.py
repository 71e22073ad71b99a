"""Parcel updates from the warehouse and the carrier, through to the package's write-back."""

from __future__ import annotations

from shared.aws.order_store import NoteState, OutboundNote
from shared.aws.stores import inventory_store, order_store
from shared.ids import outbound_note_id
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry, transition_entry
from shared.orders import OrderIn
from shared.routing import PlannedLine
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from shared.writeback.aws import queues
from shared.writeback.aws.stores import channel_sync_store
from shared.writeback.usecases.request import request_writeback
from tests.integration.test_writeback_delivery import TID, deliver_queued, fake  # noqa: F401  (fixture)


def released_tmall_order() -> str:
    order = OrderIn.model_validate(
        {
            "channel": "tmall", "external_id": TID, "buyer": {"buyer_id": "tb_lin**"},
            "lines": [{"sku": "CUP-CELADON-6PK", "quantity": 2, "unit_price": "89.00"}], "placed_at": "2026-11-11T00:00:41+08:00",
        }
    )
    orders = order_store()
    actor = Actor(kind=ActorKind.CHANNEL, name="tmall")
    stored, _ = orders.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="order received from tmall", actor=actor, details={"shop": "tmall-flagship"}))
    for target in (OrderStatus.APPROVED, OrderStatus.ROUTED, OrderStatus.RESERVED, OrderStatus.RELEASED):
        stored = orders.transition(stored, target, transition_entry(stored.status, target, actor))
    note = OutboundNote(
        note_id=outbound_note_id(stored.order_id, "WH-GZ"), order_id=stored.order_id, warehouse_id="WH-GZ",
        lines=[PlannedLine(sku="CUP-CELADON-6PK", quantity=2)], created_at="2026-11-11T01:00:00Z", state=NoteState.SENT, carrier="SF",
    )
    orders.db.put_item(**orders.outbound_note_put(note)["Put"])
    return stored.order_id


def parcel_shipped(order_id: str, source: str, tracking_number: str | None) -> str:
    """What functions/parcel_updates does with one ParcelShipped: apply it, then ask for the write-back."""
    update = ParcelUpdate(order_id=order_id, warehouse_id="WH-GZ", occurred_at="2026-11-11T08:00:00Z", carrier="SF", tracking_number=tracking_number)
    apply_parcel_update("ParcelShipped", update, source, order_store(), inventory_store())
    return request_writeback(order_id, "WH-GZ", order_store(), channel_sync_store(), queues.send)


def test_a_tracking_number_the_carrier_s_scan_brings_after_the_warehouse_s_shipped_is_written_back(aws, fake):  # noqa: F811
    order_id = released_tmall_order()
    assert parcel_shipped(order_id, "wms.gz", None) == "no tracking number yet"  # the warehouse's scan: no waybill yet
    assert parcel_shipped(order_id, "carrier.sf", "SF1400000001") == "queued"  # the carrier's scan brings it
    assert order_store().details(order_id).outbound_notes[0].tracking_number == "SF1400000001"
    deliver_queued(aws)
    sent = fake.accepted("tmall", "taobao.logistics.offline.send")
    assert [s["params"]["out_sid"] for s in sent] == ["SF1400000001"]
