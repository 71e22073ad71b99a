"""One reservation record per order reserved with its status change (decision 183), on moto: what
is stored, that settling part of it keeps the rest HELD (and undeletable), that the after-sales
give-back shrinks a line inside it, that records of one line (chunked, stored before decision 183)
are read and settled beside it, and that an order still holding lines takes the chunked path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.aftersales.stock import give_back_units
from shared.aws import dynamo, reservation_records
from shared.aws.reservation_claims import ReservationClaims
from shared.aws.stores import inventory_store, order_store
from shared.aws.order_store import NoteState, OutboundNote
from shared.clock import iso, utc_now
from shared.errors import ReservationInProgress, StoreUnavailable
from shared.ids import outbound_note_id
from shared.inventory import ReservationLine, ReservationState, StockRecord
from shared.lifecycle import Actor, OrderStatus, transition_entry
from shared.routing import PlannedLine
from shared.usecases import parcel_updates
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from shared.usecases.reserve_stock import reserve_stock
from shared.usecases.settle_reservations import commit_shipment, release_reservation
from shared.usecases.stock_allocation import reserve_lines
from shared.usecases.sweep_reservations import sweep_expired_reservations
from tests.integration.inventory_books import assert_books_balance, routed_order


def _records(order_id: str) -> list[dict]:
    store = inventory_store()
    return dynamo.query_partition(store.db, store.table, f"RESERVATION#{order_id}", consistent=True)


def test_an_order_reserved_with_its_status_change_keeps_every_line_in_one_record(aws):
    store = inventory_store()
    stocked = [("A-1", "WH-A"), ("A-2", "WH-A"), ("B-1", "WH-B")]
    for sku, warehouse in stocked:
        store.put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=10))
    order_id = routed_order([("WH-A", "A-1", 2), ("WH-A", "A-2", 1), ("WH-B", "B-1", 3)])
    version = order_store().load(order_id).version
    reserve_stock(order_id, order_store(), store)

    [record] = _records(order_id)
    assert record["sk"] == reservation_records.group_key(version + 1) and sorted(record["lines"]) == ["WH-A#A-1", "WH-A#A-2", "WH-B#B-1"]
    assert "expiry_shard" not in record and "expires_at_epoch" not in record
    lines = store.reservations(order_id)
    assert [(l.warehouse_id, l.sku, l.quantity, l.state) for l in lines] == [("WH-A", "A-1", 2, "HELD"), ("WH-A", "A-2", 1, "HELD"), ("WH-B", "B-1", 3, "HELD")]
    assert {l.group for l in lines} == {record["sk"]}
    assert [store.stock_record(s, w).reserved for s, w in stocked] == [2, 1, 3]

    # One warehouse ships: its two lines settle in one update of the record, the other stays HELD
    # and the record gets no expiry while it does.
    assert len(commit_shipment(order_id, "WH-A", store)) == 2
    assert commit_shipment(order_id, "WH-A", store) == []  # once
    [record] = _records(order_id)
    assert "expires_at_epoch" not in record
    assert [l.state for l in store.reservations(order_id)] == [ReservationState.COMMITTED, ReservationState.COMMITTED, ReservationState.HELD]
    assert (store.stock_record("A-1", "WH-A").on_hand, store.stock_record("A-1", "WH-A").reserved) == (8, 0)
    assert sweep_expired_reservations(order_store(), store, now=iso(utc_now() + timedelta(hours=1))).expired_lines == 0  # owned: never in the expiry index
    assert_books_balance(stocked)

    # The last HELD line given back: now the record may expire.
    [released] = release_reservation(order_id, "cancelled", store)
    assert (released.sku, store.stock_record("B-1", "WH-B").reserved, store.stock_record("B-1", "WH-B").available) == ("B-1", 0, 10)
    [record] = _records(order_id)
    assert record["expires_at_epoch"] and record["lines"]["WH-B#B-1"]["released_reason"] == "cancelled"
    assert release_reservation(order_id, "cancelled", store) == []
    assert_books_balance(stocked)


def test_units_taken_out_of_a_parcel_shrink_the_line_inside_the_shared_record(aws):
    store = inventory_store()
    store.put_stock(StockRecord(sku="PART-1", warehouse_id="WH-A", on_hand=10))
    store.put_stock(StockRecord(sku="PART-2", warehouse_id="WH-A", on_hand=10))
    order_id = routed_order([("WH-A", "PART-1", 5), ("WH-A", "PART-2", 1)])
    reserve_stock(order_id, order_store(), store)
    line = next(l for l in store.reservations(order_id) if l.sku == "PART-1")
    assert give_back_units(store, line, 2)
    assert not give_back_units(store, line, 2)  # read before the first: changed since
    after = {l.sku: l for l in store.reservations(order_id)}
    assert (after["PART-1"].quantity, after["PART-1"].state, after["PART-2"].quantity) == (3, ReservationState.HELD, 1)
    assert (store.stock_record("PART-1", "WH-A").reserved, store.stock_record("PART-1", "WH-A").available) == (3, 7)
    assert len(commit_shipment(order_id, "WH-A", store)) == 2
    assert store.stock_record("PART-1", "WH-A").on_hand == 7  # the 3 left shipped
    assert_books_balance([("PART-1", "WH-A"), ("PART-2", "WH-A")])


def test_an_order_holding_lines_of_a_crashed_delivery_is_reserved_through_the_chunked_path(aws):
    """Lines HELD in records of their own by a chunked delivery that crashed (under its claim,
    now lapsed) are adopted or given back, never held a second time in a shared record; and a
    release settles both layouts of one order together."""
    store = inventory_store()
    for sku in ("OLD-1", "OLD-2", "OLD-3"):
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-A", on_hand=10))
    order_id = routed_order([("WH-A", "OLD-1", 2), ("WH-A", "OLD-2", 1)])
    now = iso(utc_now())
    routed, claims = order_store().load(order_id), ReservationClaims(order_store())
    assert claims.claim(routed, "crashed", now, now)  # lapsed as soon as written
    crashed = [
        ReservationLine(order_id=order_id, warehouse_id="WH-A", sku="OLD-1", quantity=2, created_at=now, hold_expires_at=now),  # the plan's: adopted
        ReservationLine(order_id=order_id, warehouse_id="WH-A", sku="OLD-3", quantity=4, created_at=now, hold_expires_at=now),  # not the plan's: given back
    ]
    assert reserve_lines(store, crashed, expires=True, lead_items=[claims.check_item(routed, "crashed")])
    reserve_stock(order_id, order_store(), store)

    assert order_store().load(order_id).status == OrderStatus.RESERVED
    held = {(l.sku, l.quantity) for l in store.reservations(order_id) if l.state == ReservationState.HELD}
    assert held == {("OLD-1", 2), ("OLD-2", 1)}
    assert [store.stock_record(s, "WH-A").reserved for s in ("OLD-1", "OLD-2", "OLD-3")] == [2, 1, 0]
    assert all("lines" not in record for record in _records(order_id))  # records of one line only
    assert_books_balance([(s, "WH-A") for s in ("OLD-1", "OLD-2", "OLD-3")])

    # A second order: a record of one line stored before decision 183 beside a shared one.
    other = routed_order([("WH-A", "OLD-3", 1)])
    reserve_stock(other, order_store(), store)
    legacy = ReservationLine(order_id=other, warehouse_id="WH-A", sku="OLD-2", quantity=1, created_at=now, hold_expires_at=now)
    dynamo.transact_write(store.db, store.reserve_items([legacy], expires=False))
    assert {(l.sku, l.group is None) for l in store.reservations(other)} == {("OLD-3", False), ("OLD-2", True)}
    assert len(release_reservation(other, "cancelled", store)) == 2
    assert all(l.state == ReservationState.RELEASED for l in store.reservations(other))
    assert_books_balance([(s, "WH-A") for s in ("OLD-1", "OLD-2", "OLD-3")])


def test_a_delivery_that_missed_a_chunked_delivery_s_lines_cannot_hold_them_again(aws, monkeypatch):
    """Two deliveries of one order's lock: A took the chunked path (it claims the order, then
    writes lines of their own under the claim); B read the order's reservations before A's chunk
    landed, so it tries the one-transaction path. That transaction requires no claim on the order:
    B holds nothing and leaves the order to A (ReservationInProgress), and the stock is reserved
    once, not twice."""
    store = inventory_store()
    store.put_stock(StockRecord(sku="DUP-1", warehouse_id="WH-A", on_hand=10))
    order_id = routed_order([("WH-A", "DUP-1", 3)])
    orders = order_store()
    current = orders.load(order_id)
    claims = ReservationClaims(orders)
    now = utc_now()
    assert claims.claim(current, "delivery-A", iso(now), iso(now + timedelta(seconds=20)))
    a_line = ReservationLine(order_id=order_id, warehouse_id="WH-A", sku="DUP-1", quantity=3, created_at=iso(now), hold_expires_at=iso(now + timedelta(minutes=5)))
    assert reserve_lines(store, [a_line], expires=True, lead_items=[claims.check_item(current, "delivery-A")])

    seen_before_a = {"calls": 0}
    read = store.reservations

    def stale_first_read(oid):  # B's look at the order's lines, taken before A's chunk landed
        seen_before_a["calls"] += 1
        return [] if seen_before_a["calls"] == 1 else read(oid)

    monkeypatch.setattr(store, "reservations", stale_first_read)
    with pytest.raises(ReservationInProgress):
        reserve_stock(order_id, orders, store)
    assert store.stock_record("DUP-1", "WH-A").reserved == 3
    assert [(l.quantity, l.state, l.group) for l in read(order_id)] == [(3, ReservationState.HELD, None)]
    assert orders.load(order_id).status == OrderStatus.ROUTED


def test_a_shared_record_released_in_several_transactions_still_gets_its_expiry(aws):
    """60 lines share one record, but a release gives them back 50-odd to a transaction: no single
    update settles every line the record held, so the release reads it once more at the end and
    gives it its expiry. Without that it would stay in the table for good."""
    store = inventory_store()
    skus = [f"MANY-{i:02d}" for i in range(60)]
    for sku in skus:
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-A", on_hand=5))
    order_id = routed_order([("WH-A", sku, 1) for sku in skus])
    reserve_stock(order_id, order_store(), store)
    [record] = _records(order_id)
    assert len(record["lines"]) == 60

    assert len(release_reservation(order_id, "cancelled", store)) == 60
    [record] = _records(order_id)
    assert record["expires_at_epoch"] and all(line["state"] == "RELEASED" for line in record["lines"].values())
    assert_books_balance([(sku, "WH-A") for sku in skus])


def test_a_shipment_whose_stock_commit_failed_commits_on_the_update_s_redelivery(aws, monkeypatch):
    """The parcel's note moved to SHIPPED, then settling its stock failed (a throttle, or two
    warehouses' shipments meeting on the order's shared record): the message is redelivered, finds
    the note SHIPPED (a duplicate) and still commits the stock, which would otherwise stay HELD."""
    store = inventory_store()
    store.put_stock(StockRecord(sku="SHIP-1", warehouse_id="WH-A", on_hand=10))
    order_id = routed_order([("WH-A", "SHIP-1", 2)])
    orders = order_store()
    reserve_stock(order_id, orders, store)
    reserved = orders.load(order_id)
    orders.transition(reserved, OrderStatus.RELEASED, transition_entry(reserved.status, OrderStatus.RELEASED, Actor.system("test")))
    note = OutboundNote(
        note_id=outbound_note_id(order_id, "WH-A"), order_id=order_id, warehouse_id="WH-A",
        lines=[PlannedLine(sku="SHIP-1", quantity=2)], created_at=iso(utc_now()), state=NoteState.SENT,
    )
    orders.db.put_item(**orders.outbound_note_put(note)["Put"])
    update = ParcelUpdate(order_id=order_id, warehouse_id="WH-A", occurred_at=iso(utc_now()), carrier="SF", tracking_number="SF-1")

    def throttled(*_args):
        raise StoreUnavailable("throttled")

    settle = parcel_updates.commit_shipment
    monkeypatch.setattr(parcel_updates, "commit_shipment", throttled)
    with pytest.raises(StoreUnavailable):
        apply_parcel_update("ParcelShipped", update, "wms", orders, store)
    monkeypatch.setattr(parcel_updates, "commit_shipment", settle)
    assert [l.state for l in store.reservations(order_id)] == [ReservationState.HELD]

    assert apply_parcel_update("ParcelShipped", update, "wms", orders, store) == "duplicate"
    assert [l.state for l in store.reservations(order_id)] == [ReservationState.COMMITTED]
    assert (store.stock_record("SHIP-1", "WH-A").on_hand, store.stock_record("SHIP-1", "WH-A").reserved) == (8, 0)
    assert_books_balance([("SHIP-1", "WH-A")])


def test_switched_off_the_lines_are_written_one_record_each_as_before(aws, monkeypatch):
    """The first deploy of the layout (SHARED_RECORDS=0): functions not yet updated must not meet
    a shared record, so none is written."""
    from shared.aws import write_layout

    monkeypatch.setenv(write_layout.SWITCH_ENV, "0")
    store = inventory_store()
    store.put_stock(StockRecord(sku="OFF-1", warehouse_id="WH-A", on_hand=10))
    store.put_stock(StockRecord(sku="OFF-2", warehouse_id="WH-A", on_hand=10))
    order_id = routed_order([("WH-A", "OFF-1", 1), ("WH-A", "OFF-2", 2)])
    reserve_stock(order_id, order_store(), store)
    assert sorted(r["sk"] for r in _records(order_id)) == ["WH-A#OFF-1", "WH-A#OFF-2"]
    assert len(commit_shipment(order_id, "WH-A", store)) == 2
    assert_books_balance([("OFF-1", "WH-A"), ("OFF-2", "WH-A")])
