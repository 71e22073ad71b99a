"""Stock and reservations (库存锁定), as values: the rules every store operation keeps.

Per SKU and warehouse: available = on_hand − reserved − safety_stock, and that identity holds
after every operation (and per bucket, for a hot SKU's stock split into buckets: see
shared/stock_buckets.py). A reservation holds stock for one order line until it is committed (the
parcel shipped: on_hand and reserved both fall) or released (cancel, reject, expiry: reserved
falls, available rises).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator, model_validator

from shared.clock import CHINA_TIME, to_utc
from shared.routing import RoutingPlan

# A DynamoDB transaction holds at most 100 items. A reserved line takes its reservation record
# plus one stock update per stock item it draws from: two on unbucketed stock, more when a line on
# bucketed stock spans buckets (ReservationLine.transaction_items). The order's status change takes
# two more. The line counts below hold for unbucketed stock; transactions are packed by items.
# Reserved with the order's status change, an order's lines share one record (decision 183): one
# item for the record, then one stock update per stock item of each line.
TRANSACTION_ITEMS = 100
ITEMS_PER_LINE = 2
ORDER_ITEMS = 2
GROUP_RECORD_ITEMS = 1
LINES_WITH_ORDER = TRANSACTION_ITEMS - ORDER_ITEMS - GROUP_RECORD_ITEMS  # 97
LINES_PER_CHUNK = TRANSACTION_ITEMS // ITEMS_PER_LINE  # 50

# How long a reservation may stay unconfirmed (its order not yet RESERVED or later) before the
# sweeper gives the stock back. A healthy order gets from reservation to RESERVED in one transaction.
HOLD_SECONDS = 15 * 60
# Released and committed reservation records stay this long for audit; DynamoDB TTL then deletes them.
AUDIT_RETENTION_SECONDS = 30 * 24 * 3600
EXPIRY_SHARDS = 10  # spreads the sparse expiry index over partitions at promotion write rates


class StockRecord(BaseModel, defer_build=True):
    sku: str
    warehouse_id: str
    on_hand: int = Field(ge=0)
    reserved: int = Field(default=0, ge=0)
    safety_stock: int = Field(default=0, ge=0)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.safety_stock


class StockBucket(StockRecord):
    """One of the K items a hot SKU's stock in one warehouse is split into (shared/stock_buckets.py)."""

    bucket: int = Field(ge=0)


class BucketShare(BaseModel, defer_build=True):
    """Units of a reservation line held in one bucket."""

    bucket: int = Field(ge=0)
    quantity: int = Field(gt=0)


class ReservationState(StrEnum):
    HELD = "HELD"  # stock set aside for the order
    COMMITTED = "COMMITTED"  # shipped: on hand went down with it
    RELEASED = "RELEASED"  # given back (cancel, reject, expiry)


class ReservationLine(BaseModel, defer_build=True):
    order_id: str
    warehouse_id: str
    sku: str
    quantity: int = Field(gt=0)
    state: ReservationState = ReservationState.HELD
    created_at: str
    hold_expires_at: str  # ISO-8601 UTC; compared as strings by the expiry index
    released_reason: str | None = None
    # Bucketed stock only: the buckets the units came from, so that release and commit give back
    # exactly those. None: the warehouse's stock is one item.
    allocations: list[BucketShare] | None = None
    # The sort key of the order's shared reservation record holding this line (decision 183), or
    # None: the line is a record of its own (`<warehouse>#<sku>`, chunked reservations and holds).
    group: str | None = None
    group_held: list[str] | None = None  # as read: the shared record's lines then HELD (not stored)

    @property
    def stock_items(self) -> int:
        return len(self.allocations) if self.allocations else 1

    @property
    def transaction_items(self) -> int:
        """Items this line takes in a reserve, release or commit transaction: record + stock."""
        return 1 + self.stock_items

    def summary(self) -> dict:
        return {"sku": self.sku, "warehouse_id": self.warehouse_id, "quantity": self.quantity}


def reservation_lines(order_id: str, plan: RoutingPlan, created_at: str, hold_expires_at: str) -> list[ReservationLine]:
    """One reservation per (warehouse, sku) of the plan: repeated SKUs in a shipment are summed."""
    quantities: dict[tuple[str, str], int] = {}
    for shipment in plan.shipments:
        for line in shipment.lines:
            key = (shipment.warehouse_id, line.sku)
            quantities[key] = quantities.get(key, 0) + line.quantity
    return [
        ReservationLine(
            order_id=order_id, warehouse_id=w, sku=s, quantity=q, created_at=created_at, hold_expires_at=hold_expires_at
        )
        for (w, s), q in sorted(quantities.items())
    ]


def transaction_batches(lines: Sequence[ReservationLine], room: int = TRANSACTION_ITEMS) -> Iterator[list[ReservationLine]]:
    """Consecutive lines packed into transactions of at most `room` items (50 unbucketed lines each)."""
    batch: list[ReservationLine] = []
    used = 0
    for line in lines:
        if batch and used + line.transaction_items > room:
            yield batch
            batch, used = [], 0
        batch.append(line)
        used += line.transaction_items
    if batch:
        yield batch


def warehouse_instant(value: str) -> str:
    """A WMS/ERP time as one fixed-width UTC string (2026-11-11T10:00:00.000000Z), so that times
    compare as text in a DynamoDB condition exactly as they compare as instants: "18:00+08:00"
    is 10:00Z, and "10:00:00.5Z" is after "10:00:00Z" (as sent, the text says the opposite). A
    time without an offset is China time, as the warehouses' own times are (their cut-offs, the
    channels' order times): Chinese WMSs and ERPs write local Beijing time ("2026-11-11 18:00:00"),
    and read as UTC it would be 8 hours late, so a movement the last count holds would be applied
    on top of it and one after it recorded as counted (decision 252)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO-8601 time: {value!r}") from None
    try:
        moment = to_utc(moment.replace(tzinfo=CHINA_TIME) if moment.tzinfo is None else moment)
    except ValueError:  # "0001-01-01 00:00:00" (an ERP's empty date) is before year 1 in UTC
        raise ValueError(f"not a time in range: {value!r}") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StockSnapshot(BaseModel, defer_build=True):
    """A WMS/ERP count: how many units are physically in the warehouse, as of `as_of`.

    Units reserved for orders not yet shipped are still on the shelf, so they are part of the
    count; applying a snapshot sets on_hand and keeps every reservation."""

    sku: str
    warehouse_id: str
    on_hand: int = Field(ge=0)
    as_of: str = Field(description="ISO-8601 time of the count (China time when it has no offset); older snapshots are ignored")
    safety_stock: int | None = Field(default=None, ge=0)

    @field_validator("as_of")
    @classmethod
    def _instant(cls, value: str) -> str:
        return warehouse_instant(value)


class StockDelta(BaseModel, defer_build=True):
    """A movement the WMS/ERP reports: goods received (+), damaged or adjusted (−)."""

    delta_id: str = Field(min_length=1, description="Unique per movement: a repeat is applied once")
    sku: str
    warehouse_id: str
    change: int
    reason: str = Field(default="adjustment", max_length=100)
    occurred_at: str | None = Field(
        default=None,
        description=(
            "ISO-8601 time the movement happened in the warehouse (China time when it has no offset). A movement at or "
            "before the count last applied is part of that count: it is recorded, not applied again. Without it, "
            "a movement is applied whenever it arrives"
        ),
    )

    @field_validator("occurred_at")
    @classmethod
    def _instant(cls, value: str | None) -> str | None:
        return None if value is None else warehouse_instant(value)

    @model_validator(mode="after")
    def _not_zero(self) -> StockDelta:
        if self.change == 0:
            raise ValueError("change must not be 0")
        return self
