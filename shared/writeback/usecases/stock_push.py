"""库存同步: available stock per SKU out to each channel, coalesced, with a buffer per channel.

Every path that changes a SKU's stock marks it changed (one conditional update, no read). Every
minute the push reads the marked SKUs, computes each channel's quantity (the sum of available
over the warehouses, × the channel's share, − its buffer; shared/data/channel_stock.json) and
queues one push per channel and shop whose quantity differs from the last one pushed there. So a
thousand reservations of one SKU in a minute make one call per channel. A mark is cleared only if
no change came after it was read; else the next run pushes again."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from shared.clock import now_iso
from shared.writeback.aws.store import ChannelSyncStore
from shared.writeback.channels import PLATFORMS
from shared.writeback.domain import StockPush, push_id

CONFIG_FILE = Path(__file__).resolve().parents[2] / "data" / "channel_stock.json"


class ChannelStockRule(BaseModel, extra="forbid"):
    buffer: int = Field(ge=0, description="Units held back from the channel")
    share: Decimal = Field(gt=0, le=1, description="The part of available stock the channel may sell")


class ChannelStockConfig(BaseModel, extra="forbid"):
    channels: dict[str, ChannelStockRule]

    def model_post_init(self, _: Any) -> None:
        unknown = sorted(set(self.channels) - set(PLATFORMS))
        if unknown:
            raise ValueError(f"channel_stock.json names channels without a stock call: {', '.join(unknown)}")

    def quantity(self, channel: str, available: int) -> int | None:
        rule = self.channels.get(channel)
        if rule is None:
            return None
        return max(0, math.floor(max(available, 0) * rule.share) - rule.buffer)


@lru_cache(maxsize=1)
def shipped_stock_config() -> ChannelStockConfig:
    document = json.loads(CONFIG_FILE.read_text("utf-8"))
    document.pop("_source", None)
    return ChannelStockConfig.model_validate(document)


def push_changed_stock(store: ChannelSyncStore, available_of: Callable[[str], int], send: Callable[[str, dict[str, Any]], None], config: ChannelStockConfig | None = None) -> dict[str, int]:
    """Queues the pushes the marked SKUs need. `available_of(sku)`: sellable over every warehouse."""
    config = config or shipped_stock_config()
    window = now_iso()
    counts = {"skus": 0, "pushes": 0, "unchanged": 0}
    for mark in store.changed():
        sku = mark["sk"]
        available = available_of(sku)
        pushed = store.last_pushed(sku)
        for listing in store.listings(sku):
            channel, shop = listing["channel"], listing["shop"]
            quantity = config.quantity(channel, available)
            if quantity is None:
                continue
            if pushed.get(f"{channel}#{shop}") == quantity:
                counts["unchanged"] += 1
                continue
            push = StockPush(push_id=push_id(channel, shop, sku, quantity, window), channel=channel, shop=shop, sku=sku, quantity=quantity, available=available, listing=listing["listing"])
            store.remember_pushed(sku, channel, shop, quantity)  # before the send: a push overtaken by this one is dropped
            send(channel, {"kind": "stock", "push": push.model_dump(mode="json"), "attempt": 1})
            counts["pushes"] += 1
        store.clear_changed(sku, int(mark["changes"]), mark["pk"])
        counts["skus"] += 1
    return counts
