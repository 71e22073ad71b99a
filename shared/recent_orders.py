"""Other recent orders as the review sees them: duplicates (same buyer or same receiver, same
lines), merge candidates (合单: same buyer or receiver, same address, not yet released to the
warehouse, on any channel), many orders to one address, and the same lines to one address from
other buyers. The receiver (normalised phone + address fingerprint) identifies a person across
channels, where buyer ids do not. Pure: shared/aws/order_history.py finds the recent orders through
sparse indexes on the buyer and address keys defined here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel

from shared.clock import iso
from shared.orders import OrderIn
from shared.phone import normalized as normalized_phone
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


def receiver_key(order: OrderIn, address: str | None | bool = False) -> str | None:
    """Equal for two orders to the same phone at the same address, whatever the channel.
    `address`: the order's address_key where the caller has it (False: compute it), so each key
    is computed once per order (review's Subject holds them all, decision 177)."""
    if address is False:
        address = address_key(order)
    if not address:
        return None
    return receiver_key_of(normalized_phone(order.receiver.phone) if order.receiver is not None else "", address)  # type: ignore[arg-type]


def receiver_key_of(phone_digits: str | None, address: str | None) -> str | None:
    if not address or not phone_digits:
        return None
    return hashlib.sha256(f"{phone_digits}|{address}".encode()).hexdigest()[:24]


def lines_key(order: OrderIn) -> str:
    """Equal for two orders of the same SKUs in the same quantities, in any line order."""
    lines = sorted(f"{line.sku}\x1f{line.quantity}" for line in order.lines)
    return hashlib.sha256("\x1e".join(lines).encode()).hexdigest()[:24]


DAY_SHARDS = 8  # by_day's shards, while it was written (retired, decision 92; the footprint model re-prices old runs)


def index_attributes(order_id: str, order: OrderIn, created_at: str) -> dict[str, str]:
    """Top-level attributes of a stored order that put it into the sparse indexes review reads:
    by_buyer and by_address (keyed on placed time). (by_day is retired, decision 92: the what-if
    replay reads the last stored orders through by_channel.)"""
    attributes = {
        "buyer_key": buyer_key(order),
        "lines_key": lines_key(order),
        "placed_key": iso(order.placed_at),
    }
    address = address_key(order)
    if address:
        attributes["address_key"] = address
    receiver = receiver_key(order, address)
    if receiver:
        attributes["receiver_key"] = receiver
    return attributes


class RecentOrder(BaseModel, defer_build=True):
    order_id: str
    buyer_key: str
    address_key: str | None
    lines_key: str
    placed_at: datetime
    status: str
    receiver_key: str | None = None  # absent on orders stored before receivers were keyed

    @classmethod
    def of(cls, order_id: str, order: OrderIn, status: str) -> RecentOrder:
        """An order with its keys (a review holding the order's Subject: Subject.recent_order)."""
        address = address_key(order)
        return cls(
            order_id=order_id,
            buyer_key=buyer_key(order),
            address_key=address,
            lines_key=lines_key(order),
            placed_at=order.placed_at,
            status=status,
            receiver_key=receiver_key(order, address),
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

    def any_of(self, buyer: str, address: str | None) -> bool:
        """Whether any recent order has this buyer or this address: every question below finds
        its candidates among those, so without any each answers nothing."""
        return buyer in self.by_buyer or (address is not None and address in self.by_address)

    @staticmethod
    def _near(candidates: list[RecentOrder], order_id: str, placed_at: datetime, minutes: int) -> list[RecentOrder]:
        window = timedelta(minutes=minutes)
        near = [r for r in candidates if r.order_id != order_id and abs(r.placed_at - placed_at) <= window]
        if len(near) > 1:
            near.sort(key=lambda r: (r.placed_at, r.order_id))
        return near

    def _candidates(self, buyer: str, address: str | None) -> list[RecentOrder]:
        by_buyer, by_address = self.by_buyer.get(buyer, []), self.by_address.get(address, []) if address else []
        if not by_address:
            return by_buyer
        seen = {r.order_id for r in by_buyer}
        return by_buyer + [r for r in by_address if r.order_id not in seen]

    def duplicates(self, order_id: str, buyer: str, receiver: str | None, address: str | None, lines: str, placed_at: datetime, minutes: int) -> tuple[str, ...]:
        """The same lines from the same buyer, or to the same receiver on any channel."""
        candidates = [r for r in self._candidates(buyer, address) if r.lines_key == lines and (r.buyer_key == buyer or (receiver and r.receiver_key == receiver))]
        return tuple(r.order_id for r in self._near(candidates, order_id, placed_at, minutes)) if candidates else ()

    def merge_candidates(self, order_id: str, buyer: str, receiver: str | None, address: str | None, placed_at: datetime, minutes: int) -> tuple[str, ...]:
        """Not yet released orders to the same address from the same buyer or receiver, any channel."""
        if not address:
            return ()
        candidates = [
            r for r in self.by_address.get(address, ())
            if r.status in MERGEABLE_STATUSES and (r.buyer_key == buyer or (receiver and r.receiver_key == receiver))
        ]  # fmt: skip
        return tuple(r.order_id for r in self._near(candidates, order_id, placed_at, minutes)) if candidates else ()

    def same_lines_to_address(self, order_id: str, buyer: str, receiver: str | None, address: str | None, lines: str, placed_at: datetime, minutes: int) -> tuple[str, ...]:
        """The same lines to the same address from other buyers and receivers (several accounts, one scalper)."""
        if not address:
            return ()
        candidates = [
            r for r in self.by_address.get(address, ())
            if r.lines_key == lines and r.buyer_key != buyer and (receiver is None or r.receiver_key != receiver)
        ]  # fmt: skip
        return tuple(r.order_id for r in self._near(candidates, order_id, placed_at, minutes)) if candidates else ()

    def to_same_address(self, order_id: str, address: str | None, placed_at: datetime, minutes: int) -> tuple[str, ...]:
        candidates = self.by_address.get(address) if address else None
        if not candidates:
            return ()
        return tuple(r.order_id for r in self._near(candidates, order_id, placed_at, minutes))
