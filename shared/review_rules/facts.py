"""The fact catalogue: every field a rule's condition may ask about, and how it is computed.

A fact is computed at most once per order (or per line), only if some rule asks for it. Facts
that cannot be known have no value (None): an SKU missing from the price list has no floor, an
order without an invoice request has no tax id. Every comparison with a missing value is false,
so a rule never fires on what it cannot know; `missing` / `exists` ask about that explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared import phone as phones
from shared import uscc
from shared.divisions import ResolvedAddress, resolve
from shared.orders import Channel, CustomerType, InvoiceKind, OrderIn, OrderLine, PaymentStatus
from shared.recent_orders import RecentOrders, address_key, buyer_key, lines_key
from shared.reference import BlacklistKind, PriceEntry, ReferenceData

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

    __slots__ = ("order_id", "order", "context", "cache", "_lines", "_resolved", "_address_key", "_phone_digits", "_buyer_key")

    def __init__(self, order_id: str, order: OrderIn, context: ReviewContext):
        self.order_id, self.order, self.context = order_id, order, context
        self.cache: dict[Any, Any] = {}
        self._lines: list[LineView] | None = None
        self._resolved: ResolvedAddress | None = None
        self._address_key: str | None | bool = False  # False: not computed yet (None: no address)
        self._phone_digits: str | None | bool = False
        self._buyer_key: str | None = None

    @property
    def lines(self) -> list[LineView]:
        if self._lines is None:
            prices = self.context.reference.prices
            self._lines = [LineView(n, line, prices.get(line.sku)) for n, line in enumerate(self.order.lines, start=1)]
        return self._lines

    @property
    def resolved(self) -> ResolvedAddress:
        if self._resolved is None:
            r = self.order.receiver
            self._resolved = resolve(r.province, r.city, r.district) if r is not None else ResolvedAddress()
        return self._resolved

    @property
    def address_key(self) -> str | None:
        """The delivery address's fingerprint (blacklist, other orders to it), computed once."""
        if self._address_key is False:
            self._address_key = address_key(self.order)
        return self._address_key  # type: ignore[return-value]

    @property
    def phone_digits(self) -> str | None:
        if self._phone_digits is False:
            r = self.order.receiver
            self._phone_digits = phones.normalized(r.phone) if r is not None and r.phone.strip() else None
        return self._phone_digits  # type: ignore[return-value]

    def recent(self, question: str, minutes: int) -> tuple[str, ...]:
        recent, order = self.context.recent, self.order
        if not recent:
            return ()
        if self._buyer_key is None:
            self._buyer_key = buyer_key(order)
        buyer = self._buyer_key
        if question == "duplicates":
            return recent.duplicates(self.order_id, buyer, lines_key(order), order.placed_at, minutes) if buyer in recent.by_buyer else ()
        if question == "merge_candidates":
            return recent.merge_candidates(self.order_id, buyer, self.address_key, order.placed_at, minutes)
        return recent.to_same_address(self.order_id, self.address_key, order.placed_at, minutes)


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


# -- order ----------------------------------------------------------------------------------


def _lines_total(s: Subject) -> Decimal:
    total = s.cache.get("_lines_total")
    if total is None:
        total = s.cache["_lines_total"] = s.order.total
    return total


def _payable(s: Subject) -> Decimal:
    declared = s.order.order_total
    return declared if declared is not None else _lines_total(s)


def _total_difference(s: Subject) -> Decimal | None:
    declared = s.order.order_total
    return None if declared is None else abs(declared - _lines_total(s))


_ADDRESS_FIELDS_ZH = {"name": "收货人", "phone": "电话", "province": "省份", "city": "城市", "detail": "详细地址"}


def _missing_address_fields(s: Subject) -> tuple[str, ...]:
    r = s.order.receiver
    return tuple(f for f in _ADDRESS_FIELDS_ZH if r is None or not getattr(r, f).strip())


def _receiver_text(attribute: str) -> Callable[[Subject], str | None]:
    def extract(s: Subject) -> str | None:
        r = s.order.receiver
        return getattr(r, attribute).strip() or None if r is not None else None

    return extract


def _phone_valid(s: Subject) -> bool | None:
    digits = s.phone_digits
    return None if digits is None else phones.is_normalized_valid(digits)


def _blacklisted(kind: BlacklistKind, value_of: Callable[[Subject], str | None]) -> Callable[[Subject], bool]:
    def extract(s: Subject) -> bool:
        listed = s.context.reference.blacklist.get(kind)
        if not listed:  # nothing of this kind listed (the usual case): no key to compute
            return False
        value = value_of(s)
        return value is not None and value in listed

    return extract


def _remote(s: Subject) -> bool | None:
    codes = s.resolved.codes
    return any(c in s.context.reference.remote_codes for c in codes) if codes else None


# -- invoice --------------------------------------------------------------------------------


def _invoice_title_present(s: Subject) -> bool | None:
    invoice = s.order.invoice
    return None if invoice is None else bool(invoice.title.strip())


def _invoice_tax_id(s: Subject) -> str | None:
    invoice = s.order.invoice
    return (invoice.tax_id or "").strip() or None if invoice is not None else None


def _invoice_tax_id_valid(s: Subject) -> bool | None:
    tax_id = _invoice_tax_id(s)
    return None if tax_id is None else uscc.is_valid(tax_id)


def _invoice_amount_difference(s: Subject) -> Decimal | None:
    invoice = s.order.invoice
    if invoice is None or invoice.amount is None:
        return None
    return abs(invoice.amount - _payable(s))


# -- credit ---------------------------------------------------------------------------------


def _credit_account(s: Subject):  # noqa: ANN202 - CreditAccount | None
    return s.context.reference.credit.get(s.order.buyer.buyer_id)


def _credit_exposure(s: Subject) -> Decimal | None:
    account = _credit_account(s)
    return None if account is None else account.outstanding + _payable(s)


def _buyer_typical(s: Subject) -> int | None:
    profile = s.context.reference.profiles.get(s.order.buyer.buyer_id)
    return None if profile is None else profile.typical_line_quantity


# -- lines ----------------------------------------------------------------------------------


def _net_unit_price(s: Subject, v: LineView) -> Decimal | None:
    line = v.line
    if line.quantity <= 0:
        return None
    return ((line.unit_price * line.quantity - line.discount) / line.quantity).quantize(CENT)


def _discount_rate(s: Subject, v: LineView) -> Decimal | None:
    gross = v.line.unit_price * v.line.quantity
    return None if gross <= 0 else v.line.discount / gross


def _price_attribute(attribute: str) -> Callable[[Subject, LineView], Any]:
    def extract(s: Subject, v: LineView) -> Any:
        return None if v.price is None else getattr(v.price, attribute)

    return extract


def _times_sku_typical(s: Subject, v: LineView) -> Decimal | None:
    typical = v.price.typical_quantity if v.price is not None else None
    return None if not typical else Decimal(v.line.quantity) / typical


def _times_buyer_typical(s: Subject, v: LineView) -> Decimal | None:
    typical = _buyer_typical(s)
    return None if not typical else Decimal(v.line.quantity) / typical


def _choices(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(e.value for e in enum)


def _catalogue(*facts: Fact) -> dict[str, Fact]:
    return {f.name: f for f in facts}


CATALOGUE: dict[str, Fact] = _catalogue(
    # the order
    Fact("order.channel", Kind.CHOICE, "Sales channel", lambda s: s.order.channel.value, choices=_choices(Channel)),
    Fact("order.customer_type", Kind.CHOICE, "B2C consumer or B2B business buyer", lambda s: s.order.buyer.customer_type.value, choices=_choices(CustomerType)),
    Fact("order.payment_status", Kind.CHOICE, "PAID, UNPAID or COD (cash on delivery)", lambda s: s.order.payment_status.value, choices=_choices(PaymentStatus)),
    Fact("order.currency", Kind.TEXT, "ISO-4217 currency", lambda s: s.order.currency),
    Fact("order.line_count", Kind.COUNT, "Number of lines", lambda s: len(s.order.lines)),
    Fact("order.total_quantity", Kind.COUNT, "Units over all lines", lambda s: sum(line.quantity for line in s.order.lines)),
    Fact("order.lines_total", Kind.MONEY, "Sum of line amounts (unit price × quantity − discount)", _lines_total),
    Fact("order.declared_total", Kind.MONEY, "The total the channel says the buyer pays (may be absent)", lambda s: s.order.order_total),
    Fact("order.payable", Kind.MONEY, "What the buyer pays: the declared total, else the lines' total", _payable, costly=True),
    Fact("order.total_difference", Kind.MONEY, "Absolute difference between the declared total and the lines' total", _total_difference, costly=True),
    # the buyer
    Fact("buyer.id", Kind.TEXT, "Buyer id in its channel", lambda s: s.order.buyer.buyer_id),
    Fact("buyer.blacklisted", Kind.BOOL, "The buyer id is on the buyer blacklist", _blacklisted(BlacklistKind.BUYER, lambda s: s.order.buyer.buyer_id)),
    Fact("buyer.typical_line_quantity", Kind.COUNT, "The buyer's usual quantity per line (buyer profile)", _buyer_typical),
    # the receiver's address
    Fact("address.missing_fields", Kind.TEXT_LIST, "Required address parts that are empty", _missing_address_fields, zh_items=_ADDRESS_FIELDS_ZH, costly=True),
    Fact("address.province", Kind.TEXT, "Province as written", _receiver_text("province")),
    Fact("address.city", Kind.TEXT, "City as written", _receiver_text("city")),
    Fact("address.district", Kind.TEXT, "District as written", _receiver_text("district")),
    Fact("address.province_known", Kind.BOOL, "The province is a Chinese provincial-level division", lambda s: s.resolved.province_known),
    Fact("address.city_matches_province", Kind.BOOL, "The city exists in that province", lambda s: s.resolved.city_matches_province),
    Fact("address.district_matches_city", Kind.BOOL, "The district exists in that city", lambda s: s.resolved.district_matches_city),
    Fact("address.remote", Kind.BOOL, "The province, city or district is on the remote-area list", _remote, costly=True),
    Fact("address.blacklisted", Kind.BOOL, "The delivery address is on the address blacklist", _blacklisted(BlacklistKind.ADDRESS, lambda s: s.address_key)),
    Fact("address.phone", Kind.TEXT, "Receiver phone as written", _receiver_text("phone")),
    Fact("address.phone_valid", Kind.BOOL, "The phone is a Chinese mobile or landline number", _phone_valid),
    Fact("address.phone_blacklisted", Kind.BOOL, "The receiver phone is on the phone blacklist", _blacklisted(BlacklistKind.PHONE, lambda s: s.phone_digits)),
    # the invoice request
    Fact("invoice.requested", Kind.BOOL, "The buyer asked for an invoice (发票)", lambda s: s.order.invoice is not None),
    Fact("invoice.kind", Kind.CHOICE, "normal (普通发票) or vat_special (专用发票)", lambda s: s.order.invoice.kind.value if s.order.invoice else None, choices=_choices(InvoiceKind)),
    Fact("invoice.title_present", Kind.BOOL, "The invoice title (抬头) is filled in", _invoice_title_present),
    Fact("invoice.tax_id", Kind.TEXT, "The buyer's unified social credit code as written", _invoice_tax_id),
    Fact("invoice.tax_id_valid", Kind.BOOL, "The tax id is an 18-character code with a correct GB 32100-2015 check character", _invoice_tax_id_valid, costly=True),
    Fact("invoice.amount", Kind.MONEY, "The amount the invoice should show, when the buyer gave one", lambda s: s.order.invoice.amount if s.order.invoice else None),
    Fact("invoice.amount_difference", Kind.MONEY, "Absolute difference between the invoice amount and what the buyer pays", _invoice_amount_difference, costly=True),
    # credit (B2B)
    Fact("credit.has_account", Kind.BOOL, "The buyer has a credit account", lambda s: _credit_account(s) is not None),
    Fact("credit.limit", Kind.MONEY, "The buyer's credit limit", lambda s: a.limit if (a := _credit_account(s)) else None),
    Fact("credit.outstanding", Kind.MONEY, "What the buyer owes now", lambda s: a.outstanding if (a := _credit_account(s)) else None),
    Fact("credit.exposure", Kind.MONEY, "Outstanding plus this order", _credit_exposure, costly=True),
    # other recent orders (windowed: "minutes" either side of this order's placed_at)
    Fact("recent.duplicates", Kind.ORDER_IDS, "Orders of the same buyer with the same lines", lambda s, minutes: s.recent("duplicates", minutes), args=("minutes",)),
    Fact("recent.merge_candidates", Kind.ORDER_IDS, "Orders of the same buyer, address and channel not yet released (合单)", lambda s, minutes: s.recent("merge_candidates", minutes), args=("minutes",)),
    Fact("recent.orders_to_address", Kind.ORDER_IDS, "Other orders to the same delivery address", lambda s, minutes: s.recent("to_same_address", minutes), args=("minutes",)),
    # each line (a rule that asks about a line is checked for every line)
    Fact("line.number", Kind.COUNT, "Line number, from 1", lambda s, v: v.number, per_line=True),
    Fact("line.sku", Kind.TEXT, "SKU", lambda s, v: v.line.sku, per_line=True),
    Fact("line.quantity", Kind.COUNT, "Quantity", lambda s, v: v.line.quantity, per_line=True),
    Fact("line.unit_price", Kind.MONEY, "Unit price before discount", lambda s, v: v.line.unit_price, per_line=True),
    Fact("line.discount", Kind.MONEY, "Discount on the line", lambda s, v: v.line.discount, per_line=True),
    Fact("line.amount", Kind.MONEY, "Unit price × quantity − discount", lambda s, v: v.line.amount, per_line=True),
    Fact("line.net_unit_price", Kind.MONEY, "Unit price after the line's discount", _net_unit_price, per_line=True, costly=True),
    Fact("line.discount_rate", Kind.RATE, "Discount as a share of unit price × quantity", _discount_rate, per_line=True, costly=True),
    Fact("line.listed", Kind.BOOL, "The SKU is on the price list", lambda s, v: v.price is not None, per_line=True),
    Fact("line.list_price", Kind.MONEY, "Price-list price", _price_attribute("list_price"), per_line=True),
    Fact("line.price_floor", Kind.MONEY, "Lowest net unit price the price list allows", _price_attribute("floor"), per_line=True),
    Fact("line.price_ceiling", Kind.MONEY, "Highest unit price the price list allows", _price_attribute("ceiling"), per_line=True),
    Fact("line.max_discount_rate", Kind.RATE, "The SKU's own discount limit on the price list", _price_attribute("max_discount_rate"), per_line=True),
    Fact("line.sku_typical_quantity", Kind.COUNT, "The SKU's usual quantity per line (price list)", _price_attribute("typical_quantity"), per_line=True),
    Fact("line.times_sku_typical", Kind.NUMBER, "Quantity ÷ the SKU's usual quantity", _times_sku_typical, per_line=True, costly=True),
    Fact("line.times_buyer_typical", Kind.NUMBER, "Quantity ÷ the buyer's usual quantity per line", _times_buyer_typical, per_line=True, costly=True),
)
