"""Restock signals: a stock change that can make a waiting order servable names its SKU once.

Pure. A receipt (positive movement) or a count (snapshot) that was applied sends one; a decrease,
a refused movement or a duplicate does not. The signal's id is the stock change's own id, so a
re-delivered receipt is dropped by the FIFO queue's deduplication."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, Field

from shared.inventory import StockDelta, StockSnapshot


class RestockSignal(BaseModel, defer_build=True):
    sku: str = Field(min_length=1)
    warehouse_id: str | None = None
    trigger: str = Field(min_length=1, description="The stock change that raised it (movement id, count), or a continuation")
    pass_number: int = Field(default=0, ge=0, description="0 for the stock change; n for the n-th continuation of its pass")
    next_token: str | None = Field(default=None, description="Where a continuation resumes reading the waiting orders")

    @property
    def deduplication_id(self) -> str:
        """At most 128 characters, as SQS FIFO requires; the same change always gives the same id."""
        raw = f"{self.trigger}#{self.pass_number}"
        return raw if len(raw) <= 128 else hashlib.sha256(raw.encode()).hexdigest()

    def continued(self, next_token: str | None) -> RestockSignal:
        return self.model_copy(update={"pass_number": self.pass_number + 1, "next_token": next_token})


def after_movement(delta: StockDelta, outcome: str) -> RestockSignal | None:
    """A receipt that was applied, or found applied (a re-delivery after the signal's send failed:
    the FIFO queue drops the repeat within five minutes, and a later one only looks again); not a
    decrease or a refusal."""
    if outcome not in ("applied", "duplicate") or delta.change <= 0:
        return None
    return RestockSignal(sku=delta.sku, warehouse_id=delta.warehouse_id, trigger=f"movement:{delta.delta_id}")


def after_count(snapshot: StockSnapshot, outcome: str) -> RestockSignal | None:
    """A count that was applied (it may have raised what is available: the release checks)."""
    if outcome not in ("applied", "created") or snapshot.on_hand <= 0:
        return None
    return RestockSignal(sku=snapshot.sku, warehouse_id=snapshot.warehouse_id, trigger=f"count:{snapshot.sku}:{snapshot.warehouse_id}:{snapshot.as_of}")
