"""Write-backs and stock pushes: what oms tells a channel, and what became of it.

A write-back (发货回传) is one package: the note a warehouse shipped, with its carrier, waybill
and lines. Its id is derived from the note, so a repeated ParcelShipped finds the same record
and makes no second call. A stock push (库存同步) is one SKU's sellable quantity for one channel."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.backoff import doubling

MAX_ATTEMPTS = 6  # calls before a write-back is given up, recorded as failed and dead-lettered


class WriteBackState(StrEnum):
    PENDING = "PENDING"  # queued, not yet accepted by the platform
    DONE = "DONE"  # the platform accepted it
    FAILED = "FAILED"  # given up after MAX_ATTEMPTS or refused: operations must look (list, redrive)
    NOT_NEEDED = "NOT_NEEDED"  # oms's own shop: nobody to tell


class PackageLine(BaseModel):
    sku: str
    channel_sku: str | None = None
    channel_line_id: str | None = None  # the platform's id of the order line (Tmall oid, Shopify line item id)
    quantity: int = Field(ge=1)


class Parcel(BaseModel):
    carrier: str | None = None
    tracking_number: str


class WriteBack(BaseModel):
    """The platform call to make for one shipped package, with everything the call needs."""

    writeback_id: str
    order_id: str
    channel: str
    shop: str | None = None
    external_id: str
    note_id: str
    warehouse_id: str
    carrier: str | None
    service: str | None = None
    tracking_number: str
    shipped_at: str
    lines: list[PackageLine]
    split: bool = Field(description="The order ships in more than one package: each is written back alone")
    parcels: list[Parcel] = Field(default_factory=list, description="Every parcel of the order, for a platform that takes them in one call (JD); empty: this package alone")


class WriteBackRecord(WriteBack):
    state: WriteBackState = WriteBackState.PENDING
    attempts: int = 0
    last_error: str | None = None
    platform_reference: str | None = None  # what the platform answered (fulfillment id, request id)
    created_at: str
    updated_at: str


class CallFailed(Exception):
    """The platform did not take the call. `retryable`: a 5xx, a throttle, no connection;
    `retry_after`: the seconds the platform asked to wait (429 Retry-After)."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retryable, self.retry_after = reason, retryable, retry_after


class StockPush(BaseModel):
    """One SKU's sellable quantity for one channel's shop, after the channel's buffer."""

    push_id: str
    channel: str
    shop: str
    sku: str
    quantity: int = Field(ge=0)
    available: int = Field(description="Sellable across the warehouses, before the channel's share and buffer")
    listing: dict[str, str] = Field(description="The platform's ids of the item the SKU is sold as")


def writeback_id(note_id: str) -> str:
    return f"WB-{note_id.removeprefix('ON-')}"


def push_id(channel: str, shop: str, sku: str, quantity: int, window: str) -> str:
    digest = hashlib.sha256(f"{channel}\x1f{shop}\x1f{sku}\x1f{quantity}\x1f{window}".encode()).hexdigest()
    return f"SP-{digest[:20].upper()}"


def backoff_seconds(attempt: int, base: float, retry_after: float | None = None, cap: float = 900.0) -> float:
    """How long to wait before the next call: what the platform asked for, else doubling from
    `base` (SQS delays a message by at most 900 s)."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), cap)
    return doubling(attempt, base, cap)
