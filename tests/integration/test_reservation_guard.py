"""When the inventory lock must read the order's reservation records before its one-transaction
path (decision 203), on moto. Lines are HELD for a ROUTED order only by a chunked delivery, whose
claim stays on the order and cancels that transaction, or by an earlier reservation of the order,
which `reservation_id` names. A first reservation therefore reads nothing; each way an order can
come to the lock with lines held is reserved exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.aftersales.domain import AfterSalesRequest
from shared.aftersales.stock import give_back_units
from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases import AfterSales, before_release
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aws.messaging import publish
from shared.aws.reservation_claims import ReservationClaims
from shared.aws.stores import inventory_store, order_store, outbox_publisher
from shared.clock import iso, utc_now
from shared.errors import ReservationInProgress, StoreUnavailable
from shared.inventory import ReservationLine, ReservationState, StockRecord
from shared.lifecycle import Actor, ActorKind, OrderStatus
from shared.recovery.operator import RetryRequest, retry_order
from shared.usecases import record_exception as exceptions
from shared.usecases.reserve_stock import reserve_stock
from shared.usecases.stock_allocation import reserve_lines
from shared.usecases.sweep_reservations import sweep_expired_reservations
from tests.integration.inventory_books import assert_books_balance, routed_order
from tests.integration.test_operations import STEPS, drive

TEA = ("TEA-LONGJING-250G", "WH-SH")
CUP = ("CUP-CELADON-6PK", "WH-SH")


def _held(order_id: str) -> list[tuple[str, int]]:
    return sorted((l.sku, l.quantity) for l in inventory_store().reservations(order_id) if l.state == ReservationState.HELD)


def _crashed_chunked_delivery(order_id: str, lines: list[tuple[str, int]], *, lapsed: bool) -> None:
    """What a chunked delivery leaves when it dies between chunks: its claim on the order, and
    lines of their own written under it (their hold already run out when `lapsed`)."""
    orders, store = order_store(), inventory_store()
    current = orders.load(order_id)
    claims = ReservationClaims(orders)
    now = utc_now()
    until = now - timedelta(seconds=1) if lapsed else now + timedelta(seconds=20)
    assert claims.claim(current, "crashed-delivery", iso(now - timedelta(seconds=30)), iso(until))
    held = [
        ReservationLine(order_id=order_id, warehouse_id="WH-A", sku=sku, quantity=q, created_at=iso(now), hold_expires_at=iso(until))
        for sku, q in lines
    ]
    assert reserve_lines(store, held, expires=True, lead_items=[claims.check_item(current, "crashed-delivery")])


def test_a_first_reservation_reads_no_reservation_record(aws, monkeypatch):
    store = inventory_store()
    store.put_stock(StockRecord(sku="FIRST-1", warehouse_id="WH-A", on_hand=5))
    order_id = routed_order([("WH-A", "FIRST-1", 2)])

    def no_read(_order_id):
        raise AssertionError("a first reservation read the order's reservation records")

    with monkeypatch.context() as patched:
        patched.setattr(store, "reservations", no_read)
        reserve_stock(order_id, order_store(), store)
    assert order_store().load(order_id).status == OrderStatus.RESERVED and _held(order_id) == [("FIRST-1", 2)]


def test_a_crashed_chunked_delivery_s_claim_sends_the_order_to_the_chunked_path(aws):
    """No read tells the lock about a crashed delivery's lines: its claim cancels the
    one-transaction path. While the claim is live the lock waits (ReservationInProgress, nothing
    held); once it lapsed the chunked path adopts the plan's line and gives the other back."""
    store = inventory_store()
    for sku in ("CR-1", "CR-2", "CR-3"):
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-A", on_hand=10))
    live = routed_order([("WH-A", "CR-1", 2), ("WH-A", "CR-2", 1)])
    _crashed_chunked_delivery(live, [("CR-1", 2)], lapsed=False)
    with pytest.raises(ReservationInProgress):
        reserve_stock(live, order_store(), store)
    assert order_store().load(live).status == OrderStatus.ROUTED and _held(live) == [("CR-1", 2)]

    lapsed = routed_order([("WH-A", "CR-1", 2), ("WH-A", "CR-2", 1)])
    _crashed_chunked_delivery(lapsed, [("CR-1", 2), ("CR-3", 4)], lapsed=True)
    reserve_stock(lapsed, order_store(), store)
    assert order_store().load(lapsed).status == OrderStatus.RESERVED
    assert _held(lapsed) == [("CR-1", 2), ("CR-2", 1)]
    assert all(l.group is None for l in store.reservations(lapsed))  # adopted, not held again in a shared record
    assert [store.stock_record(s, "WH-A").reserved for s in ("CR-1", "CR-2", "CR-3")] == [4, 1, 0]
    assert_books_balance([(s, "WH-A") for s in ("CR-1", "CR-2", "CR-3")])


def test_a_crashed_chunked_delivery_whose_holds_the_sweeper_gave_back_is_reserved_once(aws):
    store = inventory_store()
    store.put_stock(StockRecord(sku="SW-1", warehouse_id="WH-A", on_hand=3))
    order_id = routed_order([("WH-A", "SW-1", 3)])
    _crashed_chunked_delivery(order_id, [("SW-1", 3)], lapsed=True)
    report = sweep_expired_reservations(order_store(), store, now=iso(utc_now() + timedelta(seconds=1)))
    assert report.released_lines == 1 and store.stock_record("SW-1", "WH-A").available == 3

    reserve_stock(order_id, order_store(), store)
    assert order_store().load(order_id).status == OrderStatus.RESERVED and _held(order_id) == [("SW-1", 3)]
    assert store.stock_record("SW-1", "WH-A").available == 0
    assert_books_balance([("SW-1", "WH-A")])


@pytest.fixture
def deps(seeded):
    return AfterSales(order_store(), AfterSalesStore(order_store()), inventory_store(), publish, outbox_publisher(), lambda order_id, run: True)


_CHANNEL = Actor(kind=ActorKind.CHANNEL, name="own_shop")


def _amended_with_give_back_crashed(deps, order: dict, refund_id: str, monkeypatch) -> AfterSalesRequest:
    """A refund of one tea amends the RESERVED order back to RECEIVED, and the function dies
    before giving the old reservation back: the old lines stay HELD. Returns the refund, for its
    repeat."""
    def crash(*_args, **_kwargs):
        raise StoreUnavailable("the function died before the give-back")

    request = AfterSalesRequest.model_validate(
        {"channel": order["channel"], "channel_order_id": order["external_id"], "refund_id": refund_id, "lines": [{"sku": TEA[0], "quantity": 1}]}
    )
    with monkeypatch.context() as patched, pytest.raises(StoreUnavailable):
        patched.setattr(before_release, "release_reservation", crash)
        apply_refund(request, _CHANNEL, deps)
    return request


def test_an_amendment_whose_give_back_crashed_leaves_the_old_lines_to_the_lock(deps, shanghai_order, monkeypatch):
    """A refund amends a RESERVED order (back to RECEIVED), then dies before giving the old
    reservation back; the stuck-order re-drive runs the order again before the refund's repeat.
    The order kept its reservation_id, so the lock reads the old record's HELD lines and takes the
    chunked path: the line still wanted is adopted, the refunded unit given back, nothing held twice."""
    order_id = drive(shanghai_order, "RESERVED")
    tea_before = inventory_store().stock_record(*TEA).reserved

    _amended_with_give_back_crashed(deps, shanghai_order, "RF-CRASH", monkeypatch)
    assert order_store().load(order_id).status == OrderStatus.RECEIVED and _held(order_id) == [(CUP[0], 1), (TEA[0], 2)]

    for stage in ("APPROVED", "ROUTED", "RESERVED"):
        for step in STEPS[stage]:
            step(order_id)
    assert order_store().load(order_id).status == OrderStatus.RESERVED
    assert _held(order_id) == [(CUP[0], 1), (TEA[0], 1)]
    assert inventory_store().stock_record(*TEA).reserved == tea_before - 1
    assert_books_balance([TEA, CUP])


def test_an_exception_whose_give_back_crashed_is_reserved_once_after_the_operator_s_retry(seeded, shanghai_order, monkeypatch):
    """A unit of the RESERVED order given back inside its shared record (the after-sales
    give-back), then RESERVED → EXCEPTION whose give-back dies (the step's retries spent): the
    order sits in EXCEPTION holding lines that no longer match its plan. The operator's retry gives
    them back before routing again, and the lock reserves the plan once."""
    order_id = drive(shanghai_order, "RESERVED")
    tea_before = inventory_store().stock_record(*TEA).reserved
    tea_line = next(l for l in inventory_store().reservations(order_id) if l.sku == TEA[0])
    assert give_back_units(inventory_store(), tea_line, 1)
    with monkeypatch.context() as patched:
        patched.setattr(exceptions, "release_reservation", lambda *_a, **_k: [])
        exceptions.record_exception(order_id, {"Error": "States.Timeout", "Cause": "test"}, order_store(), inventory_store(), lambda _events: None)
    assert order_store().load(order_id).status == OrderStatus.EXCEPTION and _held(order_id) == [(CUP[0], 1), (TEA[0], 1)]

    retried = retry_order(order_id, RetryRequest(operator="ops-li", reason="test"), order_store(), inventory_store(), lambda *_a: None)
    assert retried.status == OrderStatus.APPROVED and _held(order_id) == []
    for stage in ("ROUTED", "RESERVED"):
        for step in STEPS[stage]:
            step(order_id)
    assert order_store().load(order_id).status == OrderStatus.RESERVED
    assert _held(order_id) == [(CUP[0], 1), (TEA[0], 2)]
    assert inventory_store().stock_record(*TEA).reserved == tea_before
    assert_books_balance([TEA, CUP])


def test_an_amendment_whose_give_back_crashed_and_whose_rerun_backordered_is_given_back_by_the_repeat(deps, shanghai_order, monkeypatch):
    """As above, but the re-run finds no stock (the old holds count against it) and the order
    waits BACKORDERED, where routing never reaches the lock. A BACKORDERED order holds nothing of
    its own, so the refund's repeat gives the old reservation back instead of leaving it held
    until the backorder release reaches the lock."""
    order_id = drive(shanghai_order, "RESERVED")
    store = inventory_store()

    request = _amended_with_give_back_crashed(deps, shanghai_order, "RF-CRASH-BO", monkeypatch)
    assert _held(order_id) == [(CUP[0], 1), (TEA[0], 2)]

    for warehouse in store.warehouses():  # nothing left anywhere for the re-run to route
        for sku in (TEA[0], CUP[0]):
            record = store.stock_record(sku, warehouse.warehouse_id)
            if record is not None and record.available > 0:
                store.put_stock(record.model_copy(update={"safety_stock": record.safety_stock + record.available}))
    for stage in ("APPROVED", "ROUTED"):
        for step in STEPS[stage]:
            step(order_id)
    assert order_store().load(order_id).status == OrderStatus.BACKORDERED and _held(order_id) == [(CUP[0], 1), (TEA[0], 2)]

    assert apply_refund(request, _CHANNEL, deps) == "duplicate"
    assert order_store().load(order_id).status == OrderStatus.BACKORDERED and _held(order_id) == []
    assert_books_balance([TEA, CUP])


def test_an_order_amended_before_decision_203_gets_its_reservation_id_back_from_the_backfill(deps, shanghai_order, monkeypatch, capsys):
    """Before 203 the amendment cleared `reservation_id`. Such an order whose give-back crashed
    reaches the lock with its old lines HELD and no id: the lock would hold the stock twice. The
    backfill gives it the id (conditioned, so a second run writes nothing), and the lock then adopts
    the line still wanted and gives the refunded unit back."""
    from shared.recovery.backfill_reservation_ids import main as backfill

    order_id = drive(shanghai_order, "RESERVED")
    untouched = drive(
        {**shanghai_order, "external_id": "SHOP-20261111-000777", "buyer": {"buyer_id": "C-30030", "name": "赵六"},
         "receiver": {**shanghai_order["receiver"], "name": "赵六", "phone": "13700137000", "detail": "世纪大道300号"}},
        "RESERVED",
    )
    tea_before = inventory_store().stock_record(*TEA).reserved

    _amended_with_give_back_crashed(deps, shanghai_order, "RF-OLD", monkeypatch)
    orders = order_store()
    key = {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": "META"}}
    # as the amendment wrote it before 203: set_fields={"reservation_id": None}, a SET of NULL
    orders.db.update_item(TableName=orders.table, Key=key, UpdateExpression="SET reservation_id = :none", ExpressionAttributeValues={":none": {"NULL": True}})
    assert orders.load(order_id).reservation_id is None and _held(order_id) == [(CUP[0], 1), (TEA[0], 2)]

    inventory_table = inventory_store().table
    assert backfill([orders.table, inventory_table]) == 0
    assert "2 order(s) hold reservation lines; 1 given a reservation_id, 1 had one" in capsys.readouterr().out
    assert orders.load(order_id).reservation_id is not None
    assert backfill([orders.table, inventory_table]) == 0
    assert "; 0 given a reservation_id, 2 had one" in capsys.readouterr().out  # repeatable

    for stage in ("APPROVED", "ROUTED", "RESERVED"):
        for step in STEPS[stage]:
            step(order_id)
    assert _held(order_id) == [(CUP[0], 1), (TEA[0], 1)] and _held(untouched) == [(CUP[0], 1), (TEA[0], 2)]
    assert inventory_store().stock_record(*TEA).reserved == tea_before - 1
    assert_books_balance([TEA, CUP])


def test_a_refund_s_repeat_gives_nothing_back_once_a_new_run_adopted_the_old_lines(deps, shanghai_order, monkeypatch):
    """The repeat reads the order still RECEIVED; before its give-back, the stuck-order re-drive
    runs review, routing and the lock, which adopts the old lines for the RESERVED order. The
    give-back is conditioned on the order as the repeat read it, so it gives nothing back: the
    RESERVED order keeps exactly the lines it needs (without the condition it freed them and the
    order would ship stock it no longer held)."""
    order_id = drive(shanghai_order, "RESERVED")

    request = _amended_with_give_back_crashed(deps, shanghai_order, "RF-RACE", monkeypatch)
    assert order_store().load(order_id).status == OrderStatus.RECEIVED

    store = deps.inventory
    read = store.reservations
    raced = []

    def the_rerun_wins_the_race(order):
        if not raced:  # the repeat's give-back reads the lines: the re-drive runs meanwhile
            raced.append(order)
            for stage in ("APPROVED", "ROUTED", "RESERVED"):
                for step in STEPS[stage]:
                    step(order_id)
        return read(order)

    monkeypatch.setattr(store, "reservations", the_rerun_wins_the_race)
    assert apply_refund(request, _CHANNEL, deps) == "duplicate"
    monkeypatch.setattr(store, "reservations", read)

    assert raced and order_store().load(order_id).status == OrderStatus.RESERVED
    assert _held(order_id) == [(CUP[0], 1), (TEA[0], 1)]
    assert_books_balance([TEA, CUP])
