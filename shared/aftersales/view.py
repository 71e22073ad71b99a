"""What operations see of an order's after-sales (GET /orders/{order_id}/aftersales)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.aftersales.records import RefundRecord, Rma
from shared.aftersales.store import AfterSalesStore
from shared.aws.order_store import OrderStore
from shared.lifecycle import OrderStatus


class AfterSalesView(BaseModel, defer_build=True):
    order_id: str
    status: OrderStatus
    refunds: list[RefundRecord]
    returns: list[Rma]


def after_sales_of(order_id: str, orders: OrderStore, records: AfterSalesStore) -> AfterSalesView:
    """Raises OrderNotFound (404)."""
    order = orders.load(order_id)
    return AfterSalesView(order_id=order_id, status=order.status, refunds=records.refunds(order_id), returns=records.rmas(order_id))
