"""Other recent orders as the review sees them: duplicates (same buyer, same lines, short window),
merge candidates (合单: same buyer, address and channel, not yet released to the warehouse) and
many orders to one address. Pure: shared/aws/order_history.py finds the recent orders through
sparse indexes on the buyer and address keys defined here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel

from shared.clock import iso
from shared.orders import OrderIn
from shared.reference import address_fingerprint

# Statuses in which an order has not reached the warehouse yet and can still be merged.
MERGEABLE_STATUSES = frozenset({"RECEIVED", "ON_HOLD", "APPROVED", "ROUTED", "RESERVED", "BACKORDERED"})


def buyer_key(order: OrderIn) -> str:
    # Buyer ids are per channel (a Tmall nick is not an own-shop customer number).
    return f"{order.channel.value}#{order.buyer.buyer_id}"


def address_key(order: OrderIn) -> str | None:
    receiver = order.receiver
    if receiver is None or not receiver.detail.strip():
        return None
    return address_fingerprint(receiver)


def lines_key(order: OrderIn) -> str:
    """Equal for two orders of the same SKUs in the same quantities, in any line order."""
    lines = sorted(f"{line.sku}\x1f{line.quantity}" for line in order.lines)
    return hashlib.sha256("\x1e".join(lines).encode()).hexdigest()[:24]


DAY_SHARDS = 8  # spreads one day's writes to the by_day index over this many partitions (150 WCU/s each at 1,200 orders/s)


def index_attributes(order_id: str, order: OrderIn, created_at: str) -> dict[str, str]:
    """Top-level attributes of a stored order that put it into the sparse indexes review reads:
    by_buyer and by_address (keyed on placed time) and by_day (keyed on stored time)."""
    shard = int(hashlib.sha256(order_id.encode()).hexdigest()[:8], 16) % DAY_SHARDS
    attributes = {
        "buyer_key": buyer_key(order),
        "lines_key": lines_key(order),
        "placed_key": iso(order.placed_at),
        "day_key": day_key(created_at[:10], shard),
    }
    address = address_key(order)
    if address:
        attributes["address_key"] = address
    return attributes


def day_key(day: str, shard: int) -> str:
    return f"{day}#{shard}"


class RecentOrder(BaseModel, defer_build=True):
    order_id: str
    buyer_key: str
    address_key: str | None
    lines_key: str
    placed_at: datetime
    status: str

    @classmethod
    def of(cls, order_id: str, order: OrderIn, status: str) -> RecentOrder:
        return cls(
            order_id=order_id,
            buyer_key=buyer_key(order),
            address_key=address_key(order),
            lines_key=lines_key(order),
            placed_at=order.placed_at,
            status=status,
        )


class RecentOrders:
    """Recent orders indexed by buyer and by address; each question excludes the order asked about."""

    def __init__(self, orders: Iterable[RecentOrder] = ()):
        self.by_buyer: dict[str, list[RecentOrder]] = {}
        self.by_address: dict[str, list[RecentOrder]] = {}
        for recent in orders:
            self.add(recent)

    def add(self, recent: RecentOrder) -> None:
        self.by_buyer.setdefault(recent.buyer_key, []).append(recent)
        if recent.address_key:
            self.by_address.setdefault(recent.address_key, []).append(recent)

    def __bool__(self) -> bool:
        return bool(self.by_buyer)

    @staticmethod
    def _near(candidates: list[RecentOrder], order_id: str, placed_at: datetime, minutes: int) -> list[RecentOrder]:
        window = timedelta(minutes=minutes)
        near = [r for r in candidates if r.order_id != order_id and abs(r.placed_at - placed_at) <= window]
        if len(near) > 1:
            near.sort(key=lambda r: (r.placed_at, r.order_id))
        return near

    def duplicates(self, order_id: str, buyer: str, lines: str, placed_at: datetime, minutes: int) -> tuple[str, ...]:
        candidates = self.by_buyer.get(buyer)
        if not candidates:
            return ()
        return tuple(r.order_id for r in self._near(candidates, order_id, placed_at, minutes) if r.lines_key == lines)

    def merge_candidates(self, order_id: str, buyer: str, address: str | None, placed_at: datetime, minutes: int) -> tuple[str, ...]:
        candidates = self.by_buyer.get(buyer)
        if not candidates or not address:
            return ()
        return tuple(
            r.order_id for r in self._near(candidates, order_id, placed_at, minutes) if r.address_key == address and r.status in MERGEABLE_STATUSES
        )

    def to_same_address(self, order_id: str, address: str | None, placed_at: datetime, minutes: int) -> tuple[str, ...]:
        candidates = self.by_address.get(address) if address else None
        if not candidates:
            return ()
        return tuple(r.order_id for r in self._near(candidates, order_id, placed_at, minutes))
