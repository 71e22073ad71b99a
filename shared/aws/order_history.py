"""Reads of the orders table that review and its what-if replay need (key design:
docs/data-model.md):

  GSI by_buyer   buyer_key   = <channel>#<buyer_id>   placed_key = placed_at (UTC)   INCLUDE review attributes
  GSI by_address address_key = address fingerprint     placed_key                     INCLUDE review attributes
  GSI by_channel channel_key = <channel>#<shard>       created_at                     KEYS_ONLY (the last stored orders)

All are sparse: only order META items carry these attributes (set once, at intake).
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta
from typing import Any

from shared.aws import order_items
from shared.aws.dynamo import TableAdapter, batch_get, query_index
from shared.aws.order_store import TABLE_ENV, StoredOrder
from shared.clock import iso
from shared.aws.order_listing import channel_partitions
from shared.orders import Channel, OrderIn
from shared.recent_orders import RecentOrder, RecentOrders, address_key, buyer_key

MAX_RECENT_PER_KEY = 200  # a buyer or address with more orders in the window is held anyway


class OrderHistory(TableAdapter):
    TABLE_ENV = TABLE_ENV

    def around(self, order: OrderIn, minutes: int) -> RecentOrders:
        """The same buyer's and the same address's orders placed within `minutes` of this one."""
        if minutes <= 0:
            return RecentOrders()
        window = timedelta(minutes=minutes)
        low, high = iso(order.placed_at - window), iso(order.placed_at + window) + "~"  # "~" sorts after any suffix
        items = self._recent("by_buyer", "buyer_key", buyer_key(order), low, high)
        address = address_key(order)
        if address:
            items += self._recent("by_address", "address_key", address, low, high)
        unique = {i["order_id"]: i for i in items}
        # The indexes do not carry the status (it would rewrite them on every status change):
        # read it for the other orders found, usually none or a few.
        others = [{"pk": f"ORDER#{order_id}", "sk": "META"} for order_id in unique if order_id != order.order_id]
        status = {i["order_id"]: i["status"] for i in batch_get(self.db, self.table, others)} if others else {}
        return RecentOrders(
            RecentOrder(
                order_id=i["order_id"],
                buyer_key=i["buyer_key"],
                address_key=i.get("address_key"),
                lines_key=i["lines_key"],
                placed_at=datetime.fromisoformat(i["placed_key"].replace("Z", "+00:00")),
                status=status.get(i["order_id"], ""),
                receiver_key=i.get("receiver_key"),
            )
            for i in unique.values()
            if i["order_id"] == order.order_id or i["order_id"] in status
        )

    def _recent(self, index: str, key: str, value: str, low: str, high: str) -> list[dict[str, Any]]:
        return query_index(self.db, self.table, index, key, value, "placed_key", low, high, limit=MAX_RECENT_PER_KEY)

    def last_stored(self, count: int, now: datetime | None = None) -> list[StoredOrder]:
        """The `count` most recently stored orders, newest first: every channel's by_channel shards
        read newest first and merged (decision 92; `now` is kept for callers, the index needs no
        day window)."""
        partitions = [p for channel in Channel for p in channel_partitions(channel.value)]
        pages = [
            query_index(self.db, self.table, "by_channel", "channel_key", partition, "created_at", "0", "~", newest_first=True, limit=count)
            for partition in partitions
        ]
        newest = heapq.merge(*[[(i["created_at"], i["pk"]) for i in items] for items in pages], reverse=True)
        keys = [pk for _, pk in list(newest)[:count]]
        metas = batch_get(self.db, self.table, [{"pk": pk, "sk": "META"} for pk in keys])
        items = {i["pk"]: i for i in order_items.hydrate(self.db, self.table, metas)}
        return [StoredOrder.model_validate(items[pk]) for pk in keys if pk in items]
