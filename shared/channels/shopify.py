"""Shopify: the Order resource, as the `orders/create` webhook delivers it (the bare order) or as
the REST Admin API returns it (`{"order": {...}}`). Prices are decimal strings in the shop's
currency; line discounts come as `discount_allocations` (older payloads: `total_discount`)."""

from __future__ import annotations

import re

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from shared.channels import shopify_refunds
from shared.channels.common import (
    ChannelLines,
    ChannelOrder,
    Count,
    Money,
    PlatformId,
    PlatformModel,
    Text,
    UpdatedAt,
    canonical,
    channel_updated,
    read_platform,
    refuse_status,
    to_cents,
)
from shared.orders import Channel, PaymentStatus

CHANNEL = Channel.SHOPIFY
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"

_PAYMENT = {
    "paid": PaymentStatus.PAID,
    "partially_refunded": PaymentStatus.PAID,  # what is left of the order is paid for
    "authorized": PaymentStatus.UNPAID,  # authorised, not captured yet
    "pending": PaymentStatus.UNPAID,
    "partially_paid": PaymentStatus.UNPAID,
}


class DiscountAllocation(PlatformModel):
    amount: Money


class LineItem(PlatformModel):
    id: PlatformId | None = None
    sku: Text | None = None
    variant_id: int | None = Field(default=None, strict=True)
    quantity: Count
    price: Money
    total_discount: Money | None = None
    discount_allocations: list[DiscountAllocation] = Field(default_factory=list, max_length=100)

    @property
    def discount(self) -> Decimal:
        if self.discount_allocations:
            return sum((a.amount for a in self.discount_allocations), Decimal("0.00"))
        return self.total_discount or Decimal("0.00")


class Address(PlatformModel):
    name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    phone: Text | None = None
    address1: Text | None = None
    address2: Text | None = None
    city: Text | None = None
    province: Text | None = None
    zip: Text | None = None
    country_code: Text | None = None

    @property
    def full_name(self) -> str:
        return self.name or " ".join(p for p in (self.first_name, self.last_name) if p)


class Amount(PlatformModel):
    amount: Money


class PriceSet(PlatformModel):
    shop_money: Amount  # the shop's currency, the one `currency` names


class ShippingLine(PlatformModel):
    price: Money
    discounted_price: Money | None = None


class Customer(PlatformModel):
    id: int = Field(strict=True, gt=0)
    first_name: Text | None = None
    last_name: Text | None = None


class Order(PlatformModel):
    id: PlatformId
    currency: Text
    created_at: datetime
    updated_at: UpdatedAt = None
    financial_status: Text | None = None
    cancelled_at: datetime | None = None
    total_price: Money  # Shopify always sends it: an order without it is malformed
    # After refunds and edits: what is left of the order when some of it was refunded.
    current_total_price: Money | None = None
    current_total_tax: Money | None = None
    current_total_discounts: Money | None = None
    total_discounts: Money | None = None
    total_tax: Money | None = None
    taxes_included: bool | None = None
    total_shipping_price_set: PriceSet | None = None
    shipping_lines: list[ShippingLine] = Field(default_factory=list, max_length=50)
    email: Text | None = None
    contact_email: Text | None = None
    phone: Text | None = None  # the order's contact phone: the receiver's when the shipping address has none
    total_tip_received: Money | None = None  # a tip is inside total_price
    customer: Customer | None = None
    shipping_address: Address | None = None
    line_items: list[LineItem] = Field(min_length=1, max_length=500)
    refunds: list[shopify_refunds.Refund] = Field(default_factory=list, max_length=100)


def unwrap(document: Any) -> Any:
    """A webhook body is the bare order; a REST answer wraps it as {"order": {...}}."""
    if isinstance(document, dict) and set(document) == {"order"}:
        return document["order"]
    return document


def parse(document: Any) -> ChannelOrder:
    order = read_platform(Order, unwrap(document))
    if order.cancelled_at is not None:
        raise refuse_status("cancelled_at", "cancelled", "shopify")
    status = (order.financial_status or "paid").lower()
    if status not in _PAYMENT:
        raise refuse_status("financial_status", order.financial_status, "shopify")
    lines = ChannelLines("line_items")
    refunded = shopify_refunds.refunded_quantities(order.refunds)  # refunded lines never ship
    for index, item in enumerate(order.line_items):
        # The merchant's SKU when the shop sets one; otherwise the variant is the only identity.
        variant = f"variant:{item.variant_id}" if item.variant_id else None
        left = item.quantity - refunded.get(item.id or "", 0)
        if left > 0:
            lines.add(index, [("sku", item.sku), ("variant_id", variant)], left, item.price, item.discount if left == item.quantity else to_cents(item.discount * left / item.quantity), line_id=item.id)
    if not lines.lines:
        raise refuse_status("refunds", "every line refunded", "shopify")
    return canonical(
        {
            "channel": CHANNEL,
            "external_id": order.id,
            "buyer": _buyer(order),
            "receiver": _receiver(order.shipping_address, order.phone),
            "currency": order.currency,
            "lines": lines.lines,
            "payment_status": _PAYMENT[status],
            "order_total": order.current_total_price if refunded and order.current_total_price is not None else order.total_price,
            **_charges(_what_is_left(order) if refunded else order, sum((line["discount"] for line in lines.lines), Decimal("0.00"))),
            "placed_at": order.created_at,
        },
        lines.sku_fields,
        # The refunds already subtracted: their refunds/create webhook, when it comes, is recorded only.
        received_via=channel_updated(order.updated_at) | ({"refunds_at_intake": ",".join(r.id for r in order.refunds)} if order.refunds else {}),
    )


def _what_is_left(order: Order) -> Order:
    """A partly refunded order's totals are its current_* ones (Shopify keeps the originals too)."""
    current = {"total_tax": order.current_total_tax, "total_discounts": order.current_total_discounts}
    return order.model_copy(update={k: v for k, v in current.items() if v is not None})


def _charges(order: Order, line_discounts: Decimal) -> dict[str, Any]:
    """What total_price holds besides the lines: shipping (total_shipping_price_set, else the
    shipping lines), tax when prices exclude it, and discounts not allocated to a line."""
    if order.total_shipping_price_set is not None:
        shipping = order.total_shipping_price_set.shop_money.amount
    else:
        shipping = sum((line.price for line in order.shipping_lines), Decimal("0.00"))
    shipping_discount = sum((line.price - line.discounted_price for line in order.shipping_lines if line.discounted_price is not None), Decimal("0.00"))
    tax = order.total_tax if order.total_tax and not order.taxes_included else None
    unallocated = max((order.total_discounts or Decimal("0.00")) - line_discounts, Decimal("0.00"))
    charges = [{"kind": "tax", "amount": tax}] if tax else []
    if order.total_tip_received:  # total_price holds "line items, discounts, shipping, taxes, and tips"
        charges.append({"kind": "tip", "amount": order.total_tip_received})
    return {
        "shipping_fee": shipping,
        "charges": charges,
        "order_discount": max(unallocated, shipping_discount),
    }


def _buyer(order: Order) -> dict[str, Any]:
    email = _email(order.email or order.contact_email)
    if order.customer is None:  # a guest checkout
        return {"buyer_id": f"shopify-guest-{order.email or order.id}", "email": email}
    name = " ".join(p for p in (order.customer.first_name, order.customer.last_name) if p)
    return {"buyer_id": f"shopify-{order.customer.id}", "name": name or None, "email": email}


def _email(value: str | None) -> str | None:
    """The buyer's email for notices (decision 126); one that is not an address is left out."""
    value = (value or "").strip()
    return value if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) and len(value) <= 254 else None


def _receiver(address: Address | None, order_phone: str | None) -> dict[str, Any] | None:
    if address is None:  # digital goods, or an address still to come
        return None
    detail = " ".join(p for p in (address.address1, address.address2) if p)
    return {
        "name": address.full_name,
        # A shipping address's phone is optional at Shopify's checkout; the order's contact phone
        # (`phone`) then is the one to call, as Tmall's receiver_phone or JD's telephone stand in.
        "phone": address.phone or order_phone or "",
        "province": address.province or "",
        "city": address.city or "",
        "detail": detail,
        "postal_code": address.zip or None,
        "country": (address.country_code or "CN").upper(),
    }
