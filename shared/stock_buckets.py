"""Bucketed stock for hot SKUs (docs/decisions.md, entry 11): the arithmetic, as values.

On DynamoDB one stock item takes at most ~500 transactional reservations per second. For a SKU
flagged hot, ops splits one warehouse's stock into K bucket items before a flash sale; each bucket
keeps its own on_hand, reserved, safety_stock and available, with the same identity
(on_hand = available + reserved + safety_stock) and the same `available >= q` condition, so
oversell stays impossible while K items share the writes. Routing sees the buckets' sum.

Safety stock stays whole on bucket 0: a count or a new safety level then changes one bucket's
safety, and no bucket is left with a sliver of safety stock it can never sell below.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from pydantic import BaseModel, Field

from shared.inventory import BucketShare, StockBucket, StockRecord

# A split, a merge and a WMS count write every bucket in one transaction (≤ 100 items), and a line
# may span every bucket next to the order's two items. 32 leaves room to spare; 8 is the advice.
MAX_BUCKETS = 32
SAFETY_BUCKET = 0


class WarehouseStock(BaseModel, defer_build=True):
    """One warehouse's stock of a SKU as stored: a single record, or its buckets (never both)."""

    sku: str
    warehouse_id: str
    record: StockRecord | None = None
    buckets: list[StockBucket] = Field(default_factory=list)  # in bucket order
    as_of: str | None = None  # the last WMS count applied (every bucket carries the same)

    @property
    def bucketed(self) -> bool:
        return bool(self.buckets)

    @property
    def exists(self) -> bool:
        return self.record is not None or self.bucketed

    @property
    def available(self) -> int:
        return self.total().available if self.exists else 0

    def total(self) -> StockRecord | None:
        """The warehouse's figures whichever the layout: the record, or the buckets summed."""
        if not self.bucketed:
            return self.record
        return StockRecord(
            sku=self.sku,
            warehouse_id=self.warehouse_id,
            on_hand=sum(b.on_hand for b in self.buckets),
            reserved=sum(b.reserved for b in self.buckets),
            safety_stock=sum(b.safety_stock for b in self.buckets),
        )


def even_shares(total: int, parts: int) -> list[int]:
    """`total` in `parts` whole shares differing by at most one, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if k < extra else 0) for k in range(parts)]


def spread_count(count: int, floors: Sequence[int]) -> list[int]:
    """On hand per bucket for `count` units: each bucket first gets its floor (the units reserved
    in it, plus the safety stock on bucket 0) and what is left is shared evenly. A count below the
    floors (goods missing) takes the shortfall from the largest floors, never below zero."""
    surplus = count - sum(floors)
    if surplus >= 0:
        return [floor + share for floor, share in zip(floors, even_shares(surplus, len(floors)))]
    on_hand = list(floors)
    shortfall = -surplus
    for k in sorted(range(len(floors)), key=lambda k: -floors[k]):
        cut = min(on_hand[k], shortfall)
        on_hand[k] -= cut
        shortfall -= cut
    return on_hand


def split_into_buckets(record: StockRecord, bucket_count: int) -> list[StockBucket]:
    """A record with nothing reserved, as `bucket_count` buckets sharing its available evenly."""
    if record.reserved:
        raise ValueError(f"{record.sku}@{record.warehouse_id}: {record.reserved} units reserved; a split needs none")
    if not 2 <= bucket_count <= MAX_BUCKETS:
        raise ValueError(f"bucket count must be 2..{MAX_BUCKETS}, got {bucket_count}")
    floors = [record.safety_stock if k == SAFETY_BUCKET else 0 for k in range(bucket_count)]
    return [
        StockBucket(
            sku=record.sku,
            warehouse_id=record.warehouse_id,
            bucket=k,
            on_hand=on_hand,
            safety_stock=floors[k],
        )
        for k, on_hand in enumerate(spread_count(record.on_hand, floors))
    ]


def merge_buckets(buckets: Sequence[StockBucket]) -> StockRecord:
    first = buckets[0]
    return StockRecord(
        sku=first.sku,
        warehouse_id=first.warehouse_id,
        on_hand=sum(b.on_hand for b in buckets),
        reserved=sum(b.reserved for b in buckets),
        safety_stock=sum(b.safety_stock for b in buckets),
    )


def start_bucket(order_id: str, sku: str, attempt: int, bucket_count: int) -> int:
    """Where a reservation starts looking: spread over the buckets by order, different per attempt."""
    return zlib.crc32(f"{order_id}|{sku}|{attempt}".encode()) % bucket_count


def allocate(quantity: int, buckets: Sequence[StockBucket], start: int) -> list[BucketShare] | None:
    """Which buckets a line's units come from. One bucket with enough available, the first found
    going round from `start` (concurrent clients start at different buckets, so they rarely touch
    the same item); when no single bucket holds the line, the fullest buckets first (fewest items
    in the transaction). None when the buckets together have less than `quantity` available."""
    # A bucket below zero (a count found goods missing) lowers what the warehouse can promise.
    if not buckets or sum(b.available for b in buckets) < quantity:
        return None
    turn = [buckets[(start + i) % len(buckets)] for i in range(len(buckets))]
    for bucket in turn:
        if bucket.available >= quantity:
            return [BucketShare(bucket=bucket.bucket, quantity=quantity)]
    shares: list[BucketShare] = []
    remaining = quantity
    for bucket in sorted(turn, key=lambda b: -b.available):  # stable: ties keep the turn order
        take = min(bucket.available, remaining)
        if take > 0:
            shares.append(BucketShare(bucket=bucket.bucket, quantity=take))
            remaining -= take
        if not remaining:
            break
    return shares


def receiving_bucket(buckets: Sequence[StockBucket]) -> int:
    """Goods received go to the bucket with the least available: receipts even the buckets out."""
    return min(buckets, key=lambda b: (b.available, b.bucket)).bucket


class BucketTake(BaseModel, defer_build=True):
    """Units a decrease of on hand takes from one bucket; `unheld` of them were available."""

    bucket: int
    quantity: int = Field(gt=0)
    unheld: int = Field(ge=0)


def take_from_buckets(quantity: int, buckets: Sequence[StockBucket]) -> list[BucketTake] | None:
    """Where a decrease of on hand (damage, loss, adjustment) comes from: units nobody holds first,
    fullest buckets first, then whatever is on hand. None when the buckets hold less on hand."""
    if sum(b.on_hand for b in buckets) < quantity:
        return None
    taken: dict[int, BucketTake] = {}
    remaining = quantity
    for bucket in sorted(buckets, key=lambda b: -b.available):
        take = min(max(bucket.available, 0), remaining)
        if take:
            taken[bucket.bucket] = BucketTake(bucket=bucket.bucket, quantity=take, unheld=take)
            remaining -= take
    for bucket in buckets:
        if not remaining:
            break
        already = taken[bucket.bucket].quantity if bucket.bucket in taken else 0
        take = min(bucket.on_hand - already, remaining)
        if take > 0:
            unheld = taken[bucket.bucket].unheld if bucket.bucket in taken else 0
            taken[bucket.bucket] = BucketTake(bucket=bucket.bucket, quantity=already + take, unheld=unheld)
            remaining -= take
    return [taken[k] for k in sorted(taken)]
