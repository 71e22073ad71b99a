"""Listing orders through the orders table's keys-only indexes (key design: docs/data-model.md).

The by_channel, by_status and by_customer indexes project only their keys: an order's status
change then rewrites no index entry whose key did not change (an ALL projection rewrote all
three on every transition), and each entry is one write unit whatever the order's size. A page
is read in two steps: the index gives the keys, newest first; one BatchGetItem gives the orders.

by_channel is write-sharded: channel_key = "<channel>#<shard>", the shard from the order id, so
one channel's orders spread over CHANNEL_SHARDS partitions (at a promotion's peak a channel
takes ~40% of 1,200 orders/s). A channel listing reads every shard (scatter) and merges them by
created_at (gather); its page token carries one cursor per shard.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable
from typing import Any

from shared.aws import page_tokens
from shared.aws.dynamo import batch_get, from_item, to_item, to_value

CHANNEL_SHARDS = 4


def channel_key(channel: str, order_id: str) -> str:
    shard = int(hashlib.sha256(order_id.encode()).hexdigest()[:8], 16) % CHANNEL_SHARDS
    return f"{channel}#{shard}"


def channel_partitions(channel: str) -> list[str]:
    return [f"{channel}#{shard}" for shard in range(CHANNEL_SHARDS)]


_DONE = "done"


def _cursors(position: Any, partitions: list[str], names: set[str]) -> bool:
    """A token of this listing: per partition, where it goes on (a key of these attributes), done,
    or not begun."""
    return isinstance(position, dict) and set(position) <= set(partitions) and all(c is None or c == _DONE or page_tokens.is_key(c, names) for c in position.values())


def list_page(
    db: Any,
    table: str,
    index: str,
    key: str,
    partitions: list[str],
    sort: str,
    *,
    limit: int,
    sort_range: tuple[str, str] | None = None,
    token: str | None = None,
    keep: Callable[[dict[str, Any]], bool] = lambda item: True,
    newest_first: bool = True,
) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` META items, newest `sort` first (oldest first with `newest_first=False`), over
    the index partitions `partitions`, then filtered by `keep` (so a page may hold fewer; follow
    the token)."""
    cursors: dict[str, Any] = page_tokens.decode(token, lambda c: _cursors(c, partitions, {"pk", "sk", key, sort})) if token else {}
    pages: dict[str, list[dict[str, Any]]] = {}
    more: dict[str, bool] = {}
    for partition in partitions:
        cursor = cursors.get(partition)
        if cursor == _DONE:
            continue
        kwargs: dict[str, Any] = {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": "#k = :k",
            "ExpressionAttributeNames": {"#k": key},
            "ExpressionAttributeValues": {":k": to_value(partition)},
            "ScanIndexForward": not newest_first,
            "Limit": limit,
        }
        if sort_range:
            kwargs["KeyConditionExpression"] += " AND #sort BETWEEN :from AND :to"
            kwargs["ExpressionAttributeNames"]["#sort"] = sort
            kwargs["ExpressionAttributeValues"].update({":from": to_value(sort_range[0]), ":to": to_value(sort_range[1])})
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        answer = db.query(**kwargs)
        pages[partition] = [from_item(i) for i in answer["Items"]]
        more[partition] = "LastEvaluatedKey" in answer
    merged = heapq.merge(*([(item[sort], item["pk"], partition, item) for item in items] for partition, items in pages.items()), reverse=newest_first)
    taken = [entry for _, entry in zip(range(limit), merged)]
    consumed: dict[str, int] = {}
    next_cursors = {p: c for p, c in cursors.items() if c == _DONE}
    for _, _, partition, item in taken:
        consumed[partition] = consumed.get(partition, 0) + 1
        next_cursors[partition] = to_item({name: item[name] for name in ("pk", "sk", key, sort)})
    for partition, items in pages.items():
        if consumed.get(partition, 0) == len(items) and not more[partition]:
            next_cursors[partition] = _DONE
        elif partition not in next_cursors:
            next_cursors[partition] = cursors.get(partition)
    finished = all(next_cursors.get(p) == _DONE for p in partitions)
    next_token = None if finished else page_tokens.encode(next_cursors)
    full = {i["pk"]: i for i in batch_get(db, table, [{"pk": item["pk"], "sk": "META"} for _, _, _, item in taken])}
    return [full[item["pk"]] for _, _, _, item in taken if item["pk"] in full and keep(full[item["pk"]])], next_token
