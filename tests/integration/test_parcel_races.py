"""Two parcels of one split order shipped at the same moment: each update reads the order while
the other note is still SENT. The second to commit must not leave the order RELEASED with every
parcel gone (its write is conditioned on the other notes as it saw them, so it reads again)."""

from __future__ import annotations

import pytest

from shared.aws.order_store import NoteState, OutboundNote
from shared.aws.stores import inventory_store, order_store
from shared.errors import VersionConflict
from shared.ids import outbound_note_id
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry, transition_entry
from shared.orders import OrderIn
from shared.routing import PlannedLine
from shared.usecases import parcel_updates
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update

WAREHOUSES = ("WH-SH", "WH-GZ")


def released_split_order() -> str:
    order = OrderIn.model_validate(
        {
            "channel": "own_shop", "external_id": "RACE-1", "buyer": {"buyer_id": "u-race"},
            "lines": [{"sku": "TEA-LONGJING-250G", "quantity": 2, "unit_price": "89.00"}], "placed_at": "2026-11-11T00:00:41+08:00",
        }
    )
    orders = order_store()
    actor = Actor(kind=ActorKind.SYSTEM, name="test")
    stored, _ = orders.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="order received", actor=actor))
    for target in (OrderStatus.APPROVED, OrderStatus.ROUTED, OrderStatus.RESERVED, OrderStatus.RELEASED):
        stored = orders.transition(stored, target, transition_entry(stored.status, target, actor))
    for warehouse in WAREHOUSES:
        note = OutboundNote(
            note_id=outbound_note_id(stored.order_id, warehouse), order_id=stored.order_id, warehouse_id=warehouse,
            lines=[PlannedLine(sku="TEA-LONGJING-250G", quantity=1)], created_at="2026-11-11T01:00:00Z", state=NoteState.SENT,
        )
        orders.db.put_item(**orders.outbound_note_put(note)["Put"])
    return stored.order_id


def shipped(order_id: str, warehouse: str) -> ParcelUpdate:
    return ParcelUpdate(order_id=order_id, warehouse_id=warehouse, occurred_at="2026-11-11T08:00:00Z", carrier="SF", tracking_number=f"SF-{warehouse}")


def test_the_second_of_two_simultaneous_parcels_moves_the_order_to_shipped(aws):
    order_id = released_split_order()
    orders = order_store()
    seen_by_second = orders.details(order_id)  # read before the first parcel's write lands

    assert apply_parcel_update("ParcelShipped", shipped(order_id, "WH-SH"), "wms.sh", orders, inventory_store()) == "applied"
    assert orders.load(order_id).status == OrderStatus.RELEASED  # one parcel of two has left

    actor = Actor(kind=ActorKind.PARTNER, name="wms.gz")
    with pytest.raises(VersionConflict):  # its view of WH-SH's note is stale: the write is refused
        parcel_updates._apply("ParcelShipped", shipped(order_id, "WH-GZ"), actor, seen_by_second, orders)

    assert apply_parcel_update("ParcelShipped", shipped(order_id, "WH-GZ"), "wms.gz", orders, inventory_store()) == "applied"
    details = orders.details(order_id)
    assert details.order.status == OrderStatus.SHIPPED
    assert {n.state for n in details.outbound_notes} == {NoteState.SHIPPED}
