"""The fact catalogue: every field a rule's condition may ask about, and how it is computed.

A fact is computed at most once per order (or per line), only if some rule asks for it. Facts
that cannot be known have no value (None): an SKU missing from the price list has no floor, an
order without an invoice request has no tax id. Every comparison with a missing value is false,
so a rule never fires on what it cannot know; `missing` / `exists` ask about that explicitly.

Money facts are in the order's currency; price-list amounts (kept in CNY) are converted with the
FX rate of the reference data, so a USD order is compared with the CNY list and an order in a
currency without a rate has no floor (and `order.fx_rate_known` is false).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared import uscc
from shared.orders import Channel, CustomerType, InvoiceKind, PaymentStatus
from shared.reference import BlacklistKind, company_name_key
from shared.review_rules.address_facts import ADDRESS_FACTS, blacklisted
from shared.review_rules.subject import NUMERIC, Fact, Kind, LineView, ReviewContext, Subject

__all__ = ["CATALOGUE", "NUMERIC", "Fact", "Kind", "LineView", "ReviewContext", "Subject"]

CENT = Decimal("0.01")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# -- order ----------------------------------------------------------------------------------


def _lines_total(s: Subject) -> Decimal:
    total = s.cache.get("_lines_total")
    if total is None:
        total = s.cache["_lines_total"] = s.order.total
    return total


_NO_CHARGES = Decimal("0.00")


def _charges_total(s: Subject) -> Decimal:
    charges = s.order.charges
    return sum((c.amount for c in charges), Decimal("0.00")) if charges else _NO_CHARGES


def _expected_total(s: Subject) -> Decimal:
    return _lines_total(s) + s.order.shipping_fee + _charges_total(s) - s.order.order_discount


def _payable(s: Subject) -> Decimal:
    declared = s.order.order_total
    return declared if declared is not None else _expected_total(s)


def _total_difference(s: Subject) -> Decimal | None:
    declared = s.order.order_total
    return None if declared is None else abs(declared - _expected_total(s))


def _fx(s: Subject) -> Decimal | None:
    """CNY per unit of the order's currency: 1 for CNY, None when the reference data has no rate."""
    currency = s.order.currency
    if currency == "CNY":
        return Decimal(1)
    rate = s.context.reference.fx.get(currency)
    return None if rate is None else rate.rate


def _fx_age_days(s: Subject) -> int | None:
    rate = s.context.reference.fx.get(s.order.currency)
    return None if rate is None else (s.order.placed_at.date() - rate.as_of).days


# -- buyer and customs -----------------------------------------------------------------------


def _id_number(s: Subject) -> str | None:
    return (s.order.buyer.id_number or "").strip().upper() or None


def _id_number_valid(s: Subject) -> bool | None:
    """GB 11643: 17 digits and an ISO 7064 MOD 11-2 check character."""
    number = _id_number(s)
    if number is None:
        return None
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11] == number[17]


# -- invoice --------------------------------------------------------------------------------


def _invoice_title_present(s: Subject) -> bool | None:
    invoice = s.order.invoice
    return None if invoice is None else bool(invoice.title.strip())


def _invoice_tax_id(s: Subject) -> str | None:
    invoice = s.order.invoice
    return (invoice.tax_id or "").strip().upper() or None if invoice is not None else None


def _invoice_tax_id_valid(s: Subject) -> bool | None:
    tax_id = _invoice_tax_id(s)
    return None if tax_id is None else uscc.is_valid(tax_id)


def _registered_company(s: Subject):  # noqa: ANN202 - Company | None
    tax_id = _invoice_tax_id(s)
    return None if tax_id is None else s.context.reference.companies.get(tax_id)


def _title_matches_company(s: Subject) -> bool | None:
    company = _registered_company(s)
    if company is None or not s.order.invoice.title.strip():  # type: ignore[union-attr]
        return None
    return company_name_key(company.name) == company_name_key(s.order.invoice.title)  # type: ignore[union-attr]


def _invoice_amount_difference(s: Subject) -> Decimal | None:
    invoice = s.order.invoice
    if invoice is None or invoice.amount is None:
        return None
    return abs(invoice.amount - _payable(s))


# -- credit (kept in CNY) ---------------------------------------------------------------------


def _credit_account(s: Subject):  # noqa: ANN202 - CreditAccount | None
    return s.context.reference.credit.get(s.order.buyer.buyer_id)


def _credit_exposure(s: Subject) -> Decimal | None:
    account, rate = _credit_account(s), _fx(s)
    return None if account is None or rate is None else account.outstanding + (_payable(s) * rate).quantize(CENT)


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


def _price_amount(attribute: str) -> Callable[[Subject, LineView], Decimal | None]:
    """A price-list amount (CNY) in the order's currency."""

    def extract(s: Subject, v: LineView) -> Decimal | None:
        amount = None if v.price is None else getattr(v.price, attribute)
        if amount is None or s.order.currency == "CNY":
            return amount
        rate = _fx(s)
        return None if rate is None else (amount / rate).quantize(CENT)

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
    Fact("order.fx_rate_known", Kind.BOOL, "The order is in CNY, or the reference data has a rate for its currency", lambda s: _fx(s) is not None),
    Fact("order.fx_rate_age_days", Kind.COUNT, "Days between the rate's date and the order (foreign currencies only)", _fx_age_days),
    Fact("order.cross_border", Kind.BOOL, "A cross-border import parcel (跨境): customs needs the buyer's ID number", lambda s: s.order.cross_border),
    Fact("order.line_count", Kind.COUNT, "Number of lines", lambda s: len(s.order.lines)),
    Fact("order.paid_line_count", Kind.COUNT, "Lines that are not gifts (赠品)", lambda s: sum(1 for line in s.order.lines if not line.gift)),
    Fact("order.total_quantity", Kind.COUNT, "Units over all lines", lambda s: sum(line.quantity for line in s.order.lines)),
    Fact("order.lines_total", Kind.MONEY, "Sum of line amounts (unit price × quantity − discount)", _lines_total),
    Fact("order.shipping_fee", Kind.MONEY, "Freight the buyer pays (运费)", lambda s: s.order.shipping_fee),
    Fact("order.charges_total", Kind.MONEY, "Other charges (tax, insurance, ...)", _charges_total),
    Fact("order.order_discount", Kind.MONEY, "Discount on the whole order (店铺券), not on a line", lambda s: s.order.order_discount),
    Fact("order.expected_total", Kind.MONEY, "Lines + shipping + charges − the order's discount", _expected_total, costly=True),
    Fact("order.declared_total", Kind.MONEY, "The total the channel says the buyer pays (may be absent)", lambda s: s.order.order_total),
    Fact("order.payable", Kind.MONEY, "What the buyer pays: the declared total, else the expected total", _payable, costly=True),
    Fact("order.total_difference", Kind.MONEY, "Absolute difference between the declared total and the expected total", _total_difference, costly=True),
    # the buyer
    Fact("buyer.id", Kind.TEXT, "Buyer id in its channel", lambda s: s.order.buyer.buyer_id),
    Fact("buyer.blacklisted", Kind.BOOL, "The buyer id is on the buyer blacklist", blacklisted(BlacklistKind.BUYER, lambda s: s.order.buyer.buyer_id)),
    Fact("buyer.typical_line_quantity", Kind.COUNT, "The buyer's usual quantity per line (buyer profile)", _buyer_typical),
    Fact("buyer.id_number", Kind.TEXT, "The buyer's ID number (订购人身份证号), when the channel sends it", _id_number),
    Fact("buyer.id_number_valid", Kind.BOOL, "The ID number has 18 characters and a correct GB 11643 check character", _id_number_valid, costly=True),
    # the receiver's address
    *ADDRESS_FACTS,
    # the invoice request
    Fact("invoice.requested", Kind.BOOL, "The buyer asked for an invoice (发票)", lambda s: s.order.invoice is not None),
    Fact("invoice.kind", Kind.CHOICE, "normal (普通发票) or vat_special (专用发票)", lambda s: s.order.invoice.kind.value if s.order.invoice else None, choices=_choices(InvoiceKind)),
    Fact("invoice.title_present", Kind.BOOL, "The invoice title (抬头) is filled in", _invoice_title_present),
    Fact("invoice.tax_id", Kind.TEXT, "The buyer's unified social credit code as written", _invoice_tax_id),
    Fact("invoice.tax_id_valid", Kind.BOOL, "The tax id is an 18-character code with a correct GB 32100-2015 check character", _invoice_tax_id_valid, costly=True),
    Fact("invoice.company_registered", Kind.BOOL, "The tax id belongs to a company in the registered-companies reference data", lambda s: _registered_company(s) is not None if _invoice_tax_id(s) else None),
    Fact("invoice.title_matches_company", Kind.BOOL, "The invoice title is the registered name of the company the tax id belongs to", _title_matches_company, costly=True),
    Fact("invoice.amount", Kind.MONEY, "The amount the invoice should show, when the buyer gave one", lambda s: s.order.invoice.amount if s.order.invoice else None),
    Fact("invoice.amount_difference", Kind.MONEY, "Absolute difference between the invoice amount and what the buyer pays", _invoice_amount_difference, costly=True),
    # credit (B2B, in CNY)
    Fact("credit.has_account", Kind.BOOL, "The buyer has a credit account", lambda s: _credit_account(s) is not None),
    Fact("credit.limit", Kind.MONEY, "The buyer's credit limit (CNY)", lambda s: a.limit if (a := _credit_account(s)) else None),
    Fact("credit.outstanding", Kind.MONEY, "What the buyer owes now (CNY)", lambda s: a.outstanding if (a := _credit_account(s)) else None),
    Fact("credit.exposure", Kind.MONEY, "Outstanding plus this order, converted to CNY", _credit_exposure, costly=True),
    # other recent orders (windowed: "minutes" either side of this order's placed_at)
    Fact("recent.duplicates", Kind.ORDER_IDS, "Orders with the same lines from the same buyer, or to the same receiver (phone and address) on any channel", lambda s, minutes: s.recent("duplicates", minutes), args=("minutes",)),
    Fact("recent.merge_candidates", Kind.ORDER_IDS, "Orders not yet released to the same address from the same buyer or receiver, any channel (合单)", lambda s, minutes: s.recent("merge_candidates", minutes), args=("minutes",)),
    Fact("recent.orders_to_address", Kind.ORDER_IDS, "Other orders to the same delivery address", lambda s, minutes: s.recent("to_same_address", minutes), args=("minutes",)),
    Fact("recent.same_lines_to_address", Kind.ORDER_IDS, "Orders of the same lines to the same address from other buyers and receivers", lambda s, minutes: s.recent("same_lines_to_address", minutes), args=("minutes",)),
    # each line (a rule that asks about a line is checked for every line)
    Fact("line.number", Kind.COUNT, "Line number, from 1", lambda s, v: v.number, per_line=True),
    Fact("line.sku", Kind.TEXT, "SKU", lambda s, v: v.line.sku, per_line=True),
    Fact("line.gift", Kind.BOOL, "The platform marks the line as a free gift (赠品)", lambda s, v: v.line.gift, per_line=True),
    Fact("line.quantity", Kind.COUNT, "Quantity", lambda s, v: v.line.quantity, per_line=True),
    Fact("line.unit_price", Kind.MONEY, "Unit price before discount", lambda s, v: v.line.unit_price, per_line=True),
    Fact("line.discount", Kind.MONEY, "Discount on the line", lambda s, v: v.line.discount, per_line=True),
    Fact("line.amount", Kind.MONEY, "Unit price × quantity − discount", lambda s, v: v.line.amount, per_line=True),
    Fact("line.net_unit_price", Kind.MONEY, "Unit price after the line's discount", _net_unit_price, per_line=True, costly=True),
    Fact("line.discount_rate", Kind.RATE, "Discount as a share of unit price × quantity", _discount_rate, per_line=True, costly=True),
    Fact("line.listed", Kind.BOOL, "The SKU is on the price list", lambda s, v: v.price is not None, per_line=True),
    Fact("line.list_price", Kind.MONEY, "Price-list price, in the order's currency", _price_amount("list_price"), per_line=True, costly=True),
    Fact("line.price_floor", Kind.MONEY, "Lowest net unit price the price list allows, in the order's currency", _price_amount("floor"), per_line=True, costly=True),
    Fact("line.price_ceiling", Kind.MONEY, "Highest unit price the price list allows, in the order's currency", _price_amount("ceiling"), per_line=True, costly=True),
    Fact("line.max_discount_rate", Kind.RATE, "The SKU's own discount limit on the price list", _price_attribute("max_discount_rate"), per_line=True),
    Fact("line.sku_typical_quantity", Kind.COUNT, "The SKU's usual quantity per line (price list)", _price_attribute("typical_quantity"), per_line=True),
    Fact("line.times_sku_typical", Kind.NUMBER, "Quantity ÷ the SKU's usual quantity", _times_sku_typical, per_line=True, costly=True),
    Fact("line.times_buyer_typical", Kind.NUMBER, "Quantity ÷ the buyer's usual quantity per line", _times_buyer_typical, per_line=True, costly=True),
)
