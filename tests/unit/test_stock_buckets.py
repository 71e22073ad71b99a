"""Bucket arithmetic for hot SKUs: splitting, counting, allocating, taking, packing transactions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.inventory import BucketShare, ReservationLine, StockBucket, StockRecord, transaction_batches
from shared.stock_buckets import allocate, merge_buckets, receiving_bucket, split_into_buckets, spread_count, take_from_buckets


def buckets(*available: int, reserved: int = 0) -> list[StockBucket]:
    return [StockBucket(sku="S", warehouse_id="W", bucket=k, on_hand=a + reserved, reserved=reserved) for k, a in enumerate(available)]


def line(quantity: int = 1, allocations: list[BucketShare] | None = None) -> ReservationLine:
    return ReservationLine(order_id="O", warehouse_id="W", sku="S", quantity=quantity, created_at="t", hold_expires_at="t", allocations=allocations)


def test_split_shares_available_evenly_and_keeps_safety_stock_whole_on_bucket_0():
    split = split_into_buckets(StockRecord(sku="S", warehouse_id="W", on_hand=23, safety_stock=2), 4)
    assert [(b.on_hand, b.safety_stock, b.available) for b in split] == [(8, 2, 6), (5, 0, 5), (5, 0, 5), (5, 0, 5)]
    assert merge_buckets(split) == StockRecord(sku="S", warehouse_id="W", on_hand=23, safety_stock=2)


def test_split_of_stock_below_its_safety_level_leaves_the_other_buckets_empty():
    split = split_into_buckets(StockRecord(sku="S", warehouse_id="W", on_hand=1, safety_stock=3), 3)
    assert [(b.on_hand, b.available) for b in split] == [(1, -2), (0, 0), (0, 0)]


def test_a_count_keeps_each_buckets_reservations_and_a_short_count_takes_from_the_largest():
    assert spread_count(20, [3, 0, 5, 2]) == [6, 3, 7, 4]
    assert spread_count(4, [3, 0, 5, 2]) == [2, 0, 0, 2]


def test_allocation_takes_one_bucket_from_the_start_and_spans_the_fullest_when_none_suffices():
    stock = buckets(2, 5, 0, 5)
    assert allocate(3, stock, start=2) == [BucketShare(bucket=3, quantity=3)]
    assert allocate(3, stock, start=0) == [BucketShare(bucket=1, quantity=3)]
    assert allocate(9, stock, start=0) == [BucketShare(bucket=1, quantity=5), BucketShare(bucket=3, quantity=4)]
    assert allocate(13, stock, start=0) is None


@given(st.lists(st.integers(-3, 20), min_size=1, max_size=8), st.integers(1, 60), st.integers(0, 7))
def test_allocation_never_takes_more_than_a_bucket_has_nor_refuses_what_the_buckets_hold(available, quantity, start):
    stock = [StockBucket(sku="S", warehouse_id="W", bucket=k, on_hand=max(a, 0), safety_stock=max(-a, 0)) for k, a in enumerate(available)]
    shares = allocate(quantity, stock, start % len(stock))
    if sum(b.available for b in stock) < quantity:
        assert shares is None
    else:
        assert shares is not None and sum(s.quantity for s in shares) == quantity
        assert all(s.quantity <= stock[s.bucket].available for s in shares)
        assert len({s.bucket for s in shares}) == len(shares)


@given(st.integers(0, 200), st.lists(st.integers(0, 30), min_size=1, max_size=8))
def test_a_count_is_spread_whole_and_never_below_zero(count, floors):
    spread = spread_count(count, floors)
    assert sum(spread) == count and min(spread) >= 0
    if count >= sum(floors):
        assert all(on_hand >= floor for on_hand, floor in zip(spread, floors))


def test_receipts_refill_the_emptiest_bucket_and_decreases_take_unheld_units_first():
    stock = buckets(4, 0, 6, reserved=2)
    assert receiving_bucket(stock) == 1
    takes = take_from_buckets(12, stock)
    assert [(t.bucket, t.quantity, t.unheld) for t in takes] == [(0, 6, 4), (2, 6, 6)]
    assert take_from_buckets(17, stock) is None


def test_transactions_are_packed_by_items_fifty_single_item_lines_each():
    plain = [line() for _ in range(120)]
    assert [len(batch) for batch in transaction_batches(plain)] == [50, 50, 20]
    spanning = line(3, [BucketShare(bucket=k, quantity=1) for k in range(3)])  # 4 items
    assert [len(batch) for batch in transaction_batches([spanning] * 30)] == [25, 5]
