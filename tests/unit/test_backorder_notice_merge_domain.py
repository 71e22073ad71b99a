"""Pure parts of backorder release, customer notices and merging: signals, language, phones,
candidate groups, the rule, and the MERGED transitions."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from shared.aws.order_store import StoredOrder
from shared.backorders.signals import RestockSignal, after_count, after_movement
from shared.inventory import StockDelta, StockSnapshot
from shared.lifecycle import OrderStatus, is_allowed
from shared.merging.groups import candidate_groups
from shared.merging.rule import merge_rule
from shared.notices.compose import language_for, masked, phone_e164, request_for
from shared.orders import OrderIn, ReceiverAddress

RECEIVER = {"name": "王小明", "phone": "13800138000", "province": "上海市", "city": "上海市", "district": "浦东新区", "detail": "世纪大道100号"}


def order(n: int, buyer: str = "C-1", minutes: int = 0, channel: str = "own_shop", **receiver) -> OrderIn:
    placed = datetime(2026, 11, 11, tzinfo=timezone.utc) + timedelta(minutes=minutes)
    return OrderIn.model_validate({"channel": channel, "external_id": f"E-{n}", "buyer": {"buyer_id": buyer}, "receiver": {**RECEIVER, **receiver}, "lines": [{"sku": "TEA-LONGJING-250G", "quantity": n, "unit_price": "168.00"}], "placed_at": placed.isoformat()})


def stored(o: OrderIn, status: OrderStatus = OrderStatus.BACKORDERED) -> StoredOrder:
    return StoredOrder(order_id=o.order_id, status=status, version=3, created_at="x", updated_at="x", fingerprint="f", order=o)


def test_receipts_signal_and_decreases_refusals_do_not():
    receipt = StockDelta(delta_id="GRN-1", sku="S", warehouse_id="W", change=5)
    assert after_movement(receipt, "applied") == RestockSignal(sku="S", warehouse_id="W", trigger="movement:GRN-1")
    assert after_movement(receipt, "duplicate") is not None  # a re-delivery after a failed send signals again
    assert after_movement(receipt, "refused") is None
    assert after_movement(receipt, "counted") is None  # the count that held it signalled already
    assert after_movement(StockDelta(delta_id="ADJ", sku="S", warehouse_id="W", change=-1), "applied") is None
    count = StockSnapshot(sku="S", warehouse_id="W", on_hand=4, as_of="2026-11-11T00:00:00Z")
    assert after_count(count, "created").trigger == "count:S:W:2026-11-11T00:00:00.000000Z"  # one text per instant
    assert after_count(count, "stale") is None and after_count(count.model_copy(update={"on_hand": 0}), "applied") is None
    long = RestockSignal(sku="S", trigger="movement:" + "x" * 200)
    assert len(long.deduplication_id) <= 128 and long.continued("t").deduplication_id != long.deduplication_id


def test_language_by_store_then_destination_and_phones_in_e164():
    assert language_for(order(1)) == "zh"
    assert language_for(order(1, channel="shopify")) == "en"
    assert language_for(order(1, country="US", province="CA", phone="+1 415 555 0134")) == "en"
    assert language_for(order(1, country="HK", province="Hong Kong", phone="+852 9123 4567")) == "zh"
    assert phone_e164(ReceiverAddress(**RECEIVER)) == "+8613800138000"
    assert phone_e164(ReceiverAddress(**{**RECEIVER, "phone": "13800000000"})) is None  # a placeholder
    assert masked("+8613800138000") == "+86138****8000"


def test_events_ask_for_the_notices_the_customer_needs():
    assert request_for("ParcelShipped", {"order_id": "O", "warehouse_id": "W", "tracking_number": "T"}).notice_id == "shipped#W"
    assert request_for("OrderBackordered", {"order_id": "O"}).notice_id == "delayed#BACKORDERED"
    assert request_for("StuckOrderEscalated", {"order_id": "O", "status": "BACKORDERED"}).notice_id == "delayed#BACKORDERED"
    assert request_for("OrderStuck", {"order_id": "O", "status": "EXCEPTION"}) is None
    assert request_for("OutboundNoteCreated", {"order_id": "O"}) is None


def test_candidates_are_one_persons_orders_to_one_address_within_the_window():
    rule = merge_rule()
    a, b = stored(order(1)), stored(order(2, minutes=30))
    late = stored(order(3, minutes=rule.window_minutes + 31))
    other_buyer_same_phone = stored(order(4, buyer="C-9", channel="tmall", minutes=40))  # same receiver, another channel
    elsewhere = stored(order(5, minutes=10, detail="人民广场1号"))
    released = stored(order(6, minutes=5), OrderStatus.RELEASED)
    [group] = candidate_groups([late, b, elsewhere, a, released, other_buyer_same_phone], rule)
    assert [s.order_id for s in group] == [a.order_id, b.order_id, other_buyer_same_phone.order_id]


def test_the_rule_needs_both_minimums():
    rule = merge_rule()
    assert rule.worth_it(Decimal("20.00"), Decimal("4.00"))
    assert not rule.worth_it(Decimal("20.00"), Decimal("0.50"))  # under 1 yuan
    assert not rule.worth_it(Decimal("400.00"), Decimal("4.00"))  # 1%: under 5%


@pytest.mark.parametrize(
    "pair, allowed",
    [
        ((OrderStatus.APPROVED, OrderStatus.MERGED), True),
        ((OrderStatus.BACKORDERED, OrderStatus.MERGED), True),
        ((OrderStatus.ON_HOLD, OrderStatus.MERGED), False),
        ((OrderStatus.ROUTED, OrderStatus.MERGED), False),
        ((OrderStatus.RELEASED, OrderStatus.MERGED), False),
        ((OrderStatus.MERGED, OrderStatus.APPROVED), True),
        ((OrderStatus.MERGED, OrderStatus.SHIPPED), True),
        ((OrderStatus.MERGED, OrderStatus.CANCELLED), True),
        ((OrderStatus.MERGED, OrderStatus.ROUTED), False),
        ((OrderStatus.MERGED, OrderStatus.EXCEPTION), False),
    ],
)
def test_merged_transitions_pair_by_pair(pair, allowed):
    assert is_allowed(*pair) is allowed
