"""A line an after-sales request refunds or an intercept takes out of a parcel: in the after-sales
events (shared/events.py re-exports it, and the events' JSON Schemas name it) and in the refund
records. Its own module so that the refund records do not import every domain event with it
(the after-sales API's cold start, issue 11)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RefundedLine(BaseModel, defer_build=True):
    line_id: str = Field(description="The channel's line id (Shopify line item, Tmall oid, Douyin sku order), else the SKU")
    sku: str
    quantity: int = Field(ge=1)
