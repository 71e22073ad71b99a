"""What a fact is computed from: the order under review with its context (reference data, recent
orders), each line with its price-list entry, and the fact's own description (kind, arguments)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.address_checks import phones
from shared.divisions import ResolvedAddress, resolve
from shared.orders import OrderIn, OrderLine
from shared.recent_orders import RecentOrder, RecentOrders, address_key, buyer_key, lines_key, receiver_key_of
from shared.phone import normalized as normalized_phone
from shared.reference import PriceEntry, ReferenceData

CENT = Decimal("0.01")


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # text from a fixed list (channel, payment status, ...)
    BOOL = "bool"
    COUNT = "count"  # whole number
    NUMBER = "number"  # decimal (ratios such as "times the usual quantity")
    MONEY = "money"  # yuan, two decimals
    RATE = "rate"  # a share: 0.3 is 30%; literals may be written "30%"
    TEXT_LIST = "text_list"
    ORDER_IDS = "order_ids"  # other orders; lt/le/gt/ge/eq compare how many there are


NUMERIC = frozenset({Kind.COUNT, Kind.NUMBER, Kind.MONEY, Kind.RATE})


@dataclass
class ReviewContext:
    """What a review may consult besides the order: reference data and recent orders."""

    reference: ReferenceData
    recent: RecentOrders

    @classmethod
    def empty(cls) -> ReviewContext:
        return cls(ReferenceData(), RecentOrders())


class LineView:
    """One order line during a review, with its price-list entry and its own fact cache."""

    __slots__ = ("number", "line", "price", "cache")

    def __init__(self, number: int, line: OrderLine, price: PriceEntry | None):
        self.number, self.line, self.price, self.cache = number, line, price, {}


class Subject:
    """One order under review: its facts are computed on first use and kept."""

    __slots__ = ("order_id", "order", "context", "cache", "_lines", "_resolved", "_address_key", "_phone", "_phone_digits", "_buyer_key", "_receiver_key", "_lines_key", "_near_others")

    def __init__(self, order_id: str, order: OrderIn, context: ReviewContext):
        self.order_id, self.order, self.context = order_id, order, context
        self.cache: dict[Any, Any] = {}
        self._lines: list[LineView] | None = None
        self._resolved: ResolvedAddress | None = None
        self._address_key: str | None | bool = False  # False: not computed yet (None: no address)
        self._phone: phones.Phone | None | bool = False
        self._phone_digits: str | None | bool = False
        self._buyer_key: str | None = None
        self._receiver_key: str | None | bool = False
        self._lines_key: str | None = None
        self._near_others: bool | None = None

    @property
    def lines(self) -> list[LineView]:
        if self._lines is None:
            prices = self.context.reference.prices
            self._lines = [LineView(n, line, prices.get(line.sku)) for n, line in enumerate(self.order.lines, start=1)]
        return self._lines

    @property
    def abroad(self) -> bool:
        r = self.order.receiver
        return r is not None and r.country != "CN"

    @property
    def resolved(self) -> ResolvedAddress:
        """China's divisions for a domestic address; nothing (cannot tell) for one abroad."""
        if self._resolved is None:
            r = self.order.receiver
            self._resolved = resolve(r.province, r.city, r.district) if r is not None and r.country == "CN" else ResolvedAddress()
        return self._resolved

    @property
    def address_key(self) -> str | None:
        """The delivery address's fingerprint (blacklist, other orders to it), computed once."""
        if self._address_key is False:
            self._address_key = address_key(self.order)
        return self._address_key  # type: ignore[return-value]

    @property
    def phone(self) -> phones.Phone | None:
        """The receiver phone judged by the plan of where the parcel goes (None: no phone)."""
        if self._phone is False:
            r = self.order.receiver
            region = phones.region_of(r.country, self.resolved.province_code) if r is not None else "CN"
            self._phone = phones.check(r.phone, region) if r is not None and r.phone.strip() else None
        return self._phone  # type: ignore[return-value]

    @property
    def phone_digits(self) -> str | None:
        """The phone as blacklists and receiver keys hold it (shared.phone.normalized)."""
        if self._phone_digits is False:
            r = self.order.receiver
            self._phone_digits = normalized_phone(r.phone) if r is not None and r.phone.strip() else None
        return self._phone_digits  # type: ignore[return-value]

    @property
    def receiver_key(self) -> str | None:
        if self._receiver_key is False:
            self._receiver_key = receiver_key_of(self.phone_digits, self.address_key)
        return self._receiver_key  # type: ignore[return-value]

    @property
    def buyer_key(self) -> str:
        if self._buyer_key is None:
            self._buyer_key = buyer_key(self.order)
        return self._buyer_key

    @property
    def lines_key(self) -> str:
        if self._lines_key is None:
            self._lines_key = lines_key(self.order)
        return self._lines_key

    def recent(self, question: str, minutes: int) -> tuple[str, ...]:
        if self._near_others is None:  # asked once per order: most orders share neither buyer nor address with another
            self._near_others = self.context.recent.any_of(self.buyer_key, self.address_key)
        if not self._near_others:
            return ()
        recent, order = self.context.recent, self.order
        buyer = self.buyer_key
        if question == "duplicates":
            return recent.duplicates(self.order_id, buyer, self.receiver_key, self.address_key, self.lines_key, order.placed_at, minutes)
        if question == "merge_candidates":
            return recent.merge_candidates(self.order_id, buyer, self.receiver_key, self.address_key, order.placed_at, minutes)
        if question == "same_lines_to_address":
            return recent.same_lines_to_address(self.order_id, buyer, self.receiver_key, self.address_key, self.lines_key, order.placed_at, minutes)
        return recent.to_same_address(self.order_id, self.address_key, order.placed_at, minutes)

    def recent_order(self, status: str) -> RecentOrder:
        """This order as the reviews of the orders after it see it (RecentOrder.of), on the keys
        its own review computed: each key is computed once per order, here or there."""
        return RecentOrder(
            order_id=self.order_id,
            buyer_key=self.buyer_key,
            address_key=self.address_key,
            lines_key=self.lines_key,
            placed_at=self.order.placed_at,
            status=status,
            receiver_key=self.receiver_key,
        )


@dataclass(frozen=True)
class Fact:
    name: str
    kind: Kind
    description: str
    extract: Callable[..., Any]  # (subject) or (subject, line) or (subject, **args)
    per_line: bool = False
    choices: tuple[str, ...] = ()
    args: tuple[str, ...] = ()  # windowed facts take "minutes"
    zh_items: dict[str, str] | None = None  # how a TEXT_LIST's items read in Chinese
    # Kept once computed; the rest are attribute reads, cheaper to repeat than to cache.
    costly: bool = False

