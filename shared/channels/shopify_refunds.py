"""Shopify after-sales: the `refunds/create` webhook (the bare Refund resource; the REST answer wraps
it as {"refund": {...}}) and `orders/cancelled` (the bare Order with `cancelled_at` set). Refund
lines name the order's line item by `line_item_id`, with the line item itself (its `sku`) inside;
the money refunded is the sum of the refund's successful `refund` transactions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from shared.aftersales.domain import AfterSalesKind, AfterSalesRequest, RefundState, RequestedLine, read_request
from shared.channels.common import Count, Money, PlatformId, PlatformModel, Text, read_platform
from shared.orders import Channel

TOPIC_REFUND = "refunds/create"
TOPIC_CANCELLED = "orders/cancelled"


class RefundedItem(PlatformModel):
    sku: Annotated[str, Field(max_length=200)] | None = None  # as long as a refunded line's SKU may be


class RefundLineItem(PlatformModel):
    line_item_id: PlatformId
    quantity: Count
    line_item: RefundedItem | None = None


class Transaction(PlatformModel):
    amount: Money
    kind: Text | None = None
    status: Text | None = None
    currency: Text | None = None


class Refund(PlatformModel):
    id: PlatformId
    order_id: PlatformId | None = None  # present in a webhook body; an order's embedded refunds omit nothing either
    created_at: datetime | None = None
    note: Text | None = None
    restock: bool | None = None
    refund_line_items: list[RefundLineItem] = Field(default_factory=list, max_length=500)
    transactions: list[Transaction] = Field(default_factory=list, max_length=100)


class CancelledOrder(PlatformModel):
    id: PlatformId
    currency: Text | None = None
    cancelled_at: datetime
    cancel_reason: Text | None = None
    total_price: Money | None = None


def refunded_quantities(refunds: list[Refund]) -> dict[str, int]:
    """Units refunded per line item id, over every refund an order carries."""
    refunded: dict[str, int] = {}
    for refund in refunds:
        for line in refund.refund_line_items:
            refunded[line.line_item_id] = refunded.get(line.line_item_id, 0) + line.quantity
    return refunded


def is_cancellation(document: Any) -> bool:
    """An order webhook whose order is cancelled: an after-sales message, not an order to fulfil."""
    order = document.get("order", document) if isinstance(document, dict) else None
    return isinstance(order, dict) and bool(order.get("cancelled_at"))


def parse_refund(document: Any) -> AfterSalesRequest:
    body = document["refund"] if isinstance(document, dict) and set(document) == {"refund"} else document
    refund = read_platform(Refund, body)
    money = [t for t in refund.transactions if (t.kind or "refund") == "refund" and (t.status or "success") == "success"]
    return read_request(
        {
            "channel": Channel.SHOPIFY,
            "channel_order_id": refund.order_id,
            "refund_id": refund.id,
            "kind": AfterSalesKind.REFUND,
            "whole_order": not refund.refund_line_items,
            "lines": [
                RequestedLine(line_id=line.line_item_id, sku=line.line_item.sku if line.line_item else None, quantity=line.quantity)
                for line in refund.refund_line_items
            ],
            "amount": sum((t.amount for t in money), Decimal("0.00")),
            "currency": next((t.currency for t in money if t.currency), None),
            "channel_status": "refunded" if money else "requested",
            "state": RefundState.SUCCESS if money else RefundState.REQUESTED,
            "reason": refund.note or "",
            "restock": refund.restock,
        },
        field_of={"channel_order_id": "order_id", "refund_id": "id"},
    )


def parse_cancellation(document: Any) -> AfterSalesRequest:
    body = document["order"] if isinstance(document, dict) and set(document) == {"order"} else document
    order = read_platform(CancelledOrder, body)
    return read_request(
        {
            "channel": Channel.SHOPIFY,
            "channel_order_id": order.id,
            "refund_id": f"cancel-{order.id}",
            "kind": AfterSalesKind.CANCEL,
            "whole_order": True,
            "lines": [],
            "amount": order.total_price,
            "currency": order.currency,
            "channel_status": "cancelled",
            "state": RefundState.SUCCESS,
            "reason": order.cancel_reason or "cancelled in Shopify",
        },
        field_of={"channel_order_id": "id"},
    )
