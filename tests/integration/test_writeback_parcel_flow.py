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


def released_tmall_order(**received_via: str) -> str:
    order = OrderIn.model_validate(
        {
            "channel": "tmall", "external_id": TID, "buyer": {"buyer_id": "tb_lin**"},
            "lines": [{"sku": "CUP-CELADON-6PK", "quantity": 2, "unit_price": "89.00", "channel_line_id": f"{TID[:-1]}7"}], "placed_at": "2026-11-11T00:00:41+08:00",
        }
    )
    orders = order_store()
    actor = Actor(kind=ActorKind.CHANNEL, name="tmall")
    stored, _ = orders.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="order received from tmall", actor=actor, details={"shop": "tmall-flagship", **received_via}))
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


def test_a_parcel_of_a_trade_whose_other_sub_order_is_refunding_names_its_own_sub_order(aws, fake):  # noqa: F811
    """Decision 266: the trade's other sub-order was left out while its refund is under way; a
    whole-trade send would tell Taobao it shipped too. The parcel goes as a split send of its own."""
    order_id = released_tmall_order(refunding_sub_orders=f"{TID[:-1]}8", refunds_at_intake="83120938472001234")
    fake.add_order("tmall", TID, {"tid": int(TID), "orders": {"order": [{"oid": int(f"{TID[:-1]}7"), "outer_sku_id": "CUP-CELADON-6PK"}, {"oid": int(f"{TID[:-1]}8"), "outer_sku_id": "TM-CUP6"}]}})
    assert parcel_shipped(order_id, "wms.gz", "SF1400000002") == "queued"
    deliver_queued(aws)
    [sent] = fake.accepted("tmall", "taobao.logistics.offline.send")
    assert (sent["params"].get("is_split"), sent["params"].get("sub_tid")) == ("1", f"{TID[:-1]}7")


def test_a_merged_shipment_is_written_back_to_each_member_s_own_trade_with_its_own_lines(seeded, fake, shanghai_order):  # noqa: F811
    """合单 (decision 87): the members keep their channel ids and lines, and write-back tells each
    channel about its own order; the shipment order's joined external id is no platform's trade."""
    from functions.inventory_lock.handler import handler as inventory_lock
    from functions.notification.handler import handler as notification
    from functions.routing.handler import handler as routing
    from shared.merging.merge import merge_orders
    from tests.integration.conftest import context

    orders, actor = order_store(), Actor(kind=ActorKind.CHANNEL, name="tmall")
    members = []
    for tid, sku, price, minute in (("3891207745120938811", "TEA-LONGJING-250G", "168.00", 0), ("3891207745120938821", "CUP-CELADON-6PK", "89.00", 20)):
        order = OrderIn.model_validate({**shanghai_order, "channel": "tmall", "external_id": tid, "placed_at": f"2026-11-11T00:{minute:02d}:05+08:00", "lines": [{"sku": sku, "quantity": 1, "unit_price": price}]})
        stored, _ = orders.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="order received from tmall", actor=actor, details={"shop": "tmall-flagship"}))
        orders.transition(stored, OrderStatus.APPROVED, transition_entry(stored.status, OrderStatus.APPROVED, actor))
        fake.add_order("tmall", tid, {"tid": int(tid), "orders": {"order": [{"oid": int(tid) + 1, "outer_sku_id": sku}]}})
        members.append(stored.order_id)
    record = merge_orders(members, Actor.system("test"), "same parcel", orders, inventory_store(), lambda *args: None, lambda events: None, require_rule_saving=False)
    shipment_id = record.shipment_order_id
    routing({"order_id": shipment_id, "route_attempt": 0}, context())
    inventory_lock({"order_id": shipment_id}, context())
    notification({"order_id": shipment_id}, context())
    [note] = orders.details(shipment_id).outbound_notes
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=shipment_id, warehouse_id=note.warehouse_id, occurred_at="2026-11-11T09:00:00Z", carrier="SF", tracking_number="SF99"), "wms.test", orders, inventory_store())
    assert request_writeback(shipment_id, note.warehouse_id, orders, channel_sync_store(), queues.send) == "queued"
    deliver_queued(seeded)
    sent = fake.accepted("tmall", "taobao.logistics.offline.send")
    assert sorted((s["params"]["tid"], s["params"]["out_sid"]) for s in sent) == [("3891207745120938811", "SF99"), ("3891207745120938821", "SF99")]
    assert channel_sync_store().failed() == [] and not any("is_split" in s["params"] for s in sent)  # each trade ships whole in this one parcel
    records = channel_sync_store().records([f"WB-{note.note_id.removeprefix('ON-')}-{m}" for m in members])
    assert sorted((r.order_id, r.external_id, [(l.sku, l.quantity) for l in r.lines]) for r in records) == sorted(
        [(members[0], "3891207745120938811", [("TEA-LONGJING-250G", 1)]), (members[1], "3891207745120938821", [("CUP-CELADON-6PK", 1)])]
    )
    # The order pages list them: each member its own, the shipment its members'.
    from shared.operations.order_aftersales import order_after_sales

    for member in members:
        assert [(w.order_id, w.state.value) for w in order_after_sales(member, orders, channel_sync_store()).writebacks] == [(member, "DONE")]
    assert sorted(w.order_id for w in order_after_sales(shipment_id, orders, channel_sync_store()).writebacks) == sorted(members)


def test_two_sub_orders_of_one_sku_shipped_in_two_parcels_are_each_written_back_by_their_own_oid(aws, fake):  # noqa: F811
    """A Tmall trade with the same SKU in two sub-orders (a paid one and a gift), split over two
    warehouses: each parcel's is_split send names a different sub-order, so that both are shipped."""
    order = OrderIn.model_validate(
        {
            "channel": "tmall", "external_id": TID, "buyer": {"buyer_id": "tb_lin**"}, "placed_at": "2026-11-11T00:00:41+08:00",
            "lines": [
                {"sku": "CUP-CELADON-6PK", "channel_sku": "CUP-CELADON-6PK", "channel_line_id": "3891207745120938812", "quantity": 1, "unit_price": "89.00"},
                {"sku": "CUP-CELADON-6PK", "channel_sku": "CUP-CELADON-6PK", "channel_line_id": "3891207745120938813", "quantity": 1, "unit_price": "0.00", "gift": True},
            ],
        }
    )
    orders = order_store()
    stored, _ = orders.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="order received from tmall", actor=Actor(kind=ActorKind.CHANNEL, name="tmall"), details={"shop": "tmall-flagship"}))
    fake.add_order("tmall", TID, {"tid": int(TID), "orders": {"order": [{"oid": 3891207745120938812, "outer_sku_id": "CUP-CELADON-6PK"}, {"oid": 3891207745120938813, "outer_sku_id": "CUP-CELADON-6PK"}]}})
    for warehouse in ("WH-GZ", "WH-SH"):
        note = OutboundNote(
            note_id=outbound_note_id(stored.order_id, warehouse), order_id=stored.order_id, warehouse_id=warehouse, lines=[PlannedLine(sku="CUP-CELADON-6PK", quantity=1)],
            created_at="2026-11-11T01:00:00Z", state=NoteState.SHIPPED, carrier="SF", tracking_number=f"SF-{warehouse}", shipped_at="2026-11-11T08:00:00Z",
        )
        orders.db.put_item(**orders.outbound_note_put(note)["Put"])
    for warehouse in ("WH-GZ", "WH-SH"):
        assert request_writeback(stored.order_id, warehouse, orders, channel_sync_store(), queues.send) == "queued"
    deliver_queued(aws)
    sent = fake.accepted("tmall", "taobao.logistics.offline.send")
    assert sorted(s["params"]["sub_tid"] for s in sent) == ["3891207745120938812", "3891207745120938813"]


def test_a_backordered_line_split_off_into_a_child_order_is_written_back_as_a_package_of_the_same_trade(aws, fake):  # noqa: F811
    """BACKORDER_MODE=lines (decision 23): the parent ships what exists, the child `<tid>#backorder`
    later. Both are packages of the one Tmall trade: each an is_split send of its own sub-orders,
    never a whole-trade send of the parent that claims the waiting lines shipped, and never the
    child's internal external id, which no platform knows."""
    from shared.usecases.split_backorder import split_off_backorder

    order = OrderIn.model_validate(
        {
            "channel": "tmall", "external_id": TID, "buyer": {"buyer_id": "tb_lin**"}, "placed_at": "2026-11-11T00:00:41+08:00",
            "lines": [
                {"sku": "CUP-CELADON-6PK", "channel_sku": "CUP-CELADON-6PK", "channel_line_id": "3891207745120938812", "quantity": 1, "unit_price": "89.00"},
                {"sku": "GIFTBOX-MOONCAKE", "channel_sku": "GIFTBOX-MOONCAKE", "channel_line_id": "3891207745120938813", "quantity": 1, "unit_price": "258.00"},
            ],
        }
    )
    orders, actor = order_store(), Actor(kind=ActorKind.CHANNEL, name="tmall")
    parent, _ = orders.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="order received from tmall", actor=actor, details={"shop": "tmall-flagship"}))
    parent = orders.transition(parent, OrderStatus.APPROVED, transition_entry(parent.status, OrderStatus.APPROVED, actor))
    child_id = split_off_backorder(parent, {"GIFTBOX-MOONCAKE": 1}, orders)
    orders.transition(parent, OrderStatus.ROUTED, transition_entry(parent.status, OrderStatus.ROUTED, actor, backordered_lines={"GIFTBOX-MOONCAKE": 1}, backorder_order_id=child_id))
    fake.add_order("tmall", TID, {"tid": int(TID), "orders": {"order": [{"oid": 3891207745120938812, "outer_sku_id": "CUP-CELADON-6PK"}, {"oid": 3891207745120938813, "outer_sku_id": "GIFTBOX-MOONCAKE"}]}})
    for order_id, warehouse, sku in ((parent.order_id, "WH-GZ", "CUP-CELADON-6PK"), (child_id, "WH-SH", "GIFTBOX-MOONCAKE")):
        note = OutboundNote(
            note_id=outbound_note_id(order_id, warehouse), order_id=order_id, warehouse_id=warehouse, lines=[PlannedLine(sku=sku, quantity=1)],
            created_at="2026-11-11T01:00:00Z", state=NoteState.SHIPPED, carrier="SF", tracking_number=f"SF-{warehouse}", shipped_at="2026-11-11T08:00:00Z",
        )
        orders.db.put_item(**orders.outbound_note_put(note)["Put"])
        assert request_writeback(order_id, warehouse, orders, channel_sync_store(), queues.send) == "queued"
        deliver_queued(aws)
    sent = [s["params"] for s in fake.accepted("tmall", "taobao.logistics.offline.send")]
    assert [(s["tid"], s["out_sid"], s.get("is_split"), s.get("sub_tid")) for s in sent] == [
        (TID, "SF-WH-GZ", "1", "3891207745120938812"), (TID, "SF-WH-SH", "1", "3891207745120938813")
    ]
    assert channel_sync_store().failed() == []


def test_a_jd_order_in_three_parcels_is_written_back_once_with_every_waybill_when_the_last_ships(aws, fake):  # noqa: F811
    """JD's shipment call ships the whole order and takes every waybill at once (decision 267): a
    call per parcel shipped it with the first waybill, and JD refused the second."""
    import json

    from shared.aws.clients import client

    fake.add_shop("jd", "oms-tea-jd")
    client("secretsmanager").put_secret_value(SecretId=aws.env["PLATFORM_CREDENTIALS_ARN"], SecretString=json.dumps(fake.credentials()))
    order = OrderIn.model_validate(
        {
            "channel": "jd", "external_id": "281734659021", "buyer": {"buyer_id": "jd_zhang_w"}, "placed_at": "2026-11-11T00:00:41+08:00",
            "lines": [{"sku": sku, "quantity": 1, "unit_price": "89.00"} for sku in ("CUP-CELADON-6PK", "TEA-LONGJING-250G", "TEA-PUER-357G")],
        }
    )
    orders = order_store()
    stored, _ = orders.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="order received from jd", actor=Actor(kind=ActorKind.CHANNEL, name="jd"), details={"shop": "oms-tea-jd"}))
    fake.add_order("jd", "281734659021", {"orderId": "281734659021", "orderState": "WAIT_SELLER_STOCK_OUT"})
    parcels = {"WH-BJ": ("SF", "SF-BJ-1", "CUP-CELADON-6PK"), "WH-GZ": ("ZTO", "ZT-GZ-1", "TEA-LONGJING-250G"), "WH-SH": ("SF", "SF-SH-1", "TEA-PUER-357G")}
    for warehouse, (carrier, _, sku) in parcels.items():
        note = OutboundNote(
            note_id=outbound_note_id(stored.order_id, warehouse), order_id=stored.order_id, warehouse_id=warehouse, lines=[PlannedLine(sku=sku, quantity=1)],
            created_at="2026-11-11T01:00:00Z", state=NoteState.SENT, carrier=carrier,
        )
        orders.db.put_item(**orders.outbound_note_put(note)["Put"])

    def ship(warehouse: str) -> str:
        carrier, waybill, _ = parcels[warehouse]
        apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=stored.order_id, warehouse_id=warehouse, occurred_at="2026-11-11T08:00:00Z", carrier=carrier, tracking_number=waybill), "wms", orders, inventory_store())
        return request_writeback(stored.order_id, warehouse, orders, channel_sync_store(), queues.send)

    assert ship("WH-SH") == "waiting for 2 more parcel(s)"
    assert ship("WH-BJ") == "waiting for 1 more parcel(s)"
    assert deliver_queued(aws) == []  # nothing sent to JD yet
    assert ship("WH-GZ") == "queued"
    assert request_writeback(stored.order_id, "WH-SH", orders, channel_sync_store(), queues.send) == "already pending"  # a repeat of any parcel's event
    deliver_queued(aws)
    [sent] = fake.accepted("jd", "jingdong.pop.order.shipment")
    assert (sent["params"]["logiCoprId"], sent["params"]["logiNo"]) == ("467|1499", "SF-BJ-1,SF-SH-1|ZT-GZ-1")
    waits = [e for e in orders.details(stored.order_id).timeline if e.details.get("writeback") == "waits_for_parcels"]
    assert [e.details["shipped"] for e in waits] == [1, 2]
