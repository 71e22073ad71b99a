"""The write-sharded status index of the orders table (GSI by_status, docs/data-model.md).

A raw status as the partition key is a hot key: in a promotion every new order is RECEIVED and
every status change writes the index partition of its status. So the key carries a shard derived
from the order id, `status_key = "<STATUS>#<shard>"` with shard in 0..STATUS_SHARDS-1, and a
reader gathers the shards: one query per shard, merged on `updated_at`, paged with one resume
key per shard inside the page token.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from shared.aws.dynamo import to_value

INDEX = "by_status"
STATUS_SHARDS = 8  # changing it needs a migration like migrate_status_keys: keys embed the shard
_KEY_ATTRIBUTES = ("status_key", "updated_at", "pk", "sk")  # an index page's resume key


def shard_of(order_id: str) -> int:
    return int(hashlib.sha256(order_id.encode()).hexdigest()[:8], 16) % STATUS_SHARDS


def status_key(status: str, order_id: str) -> str:
    return f"{status}#{shard_of(order_id)}"


def partitions(status: str) -> list[str]:
    """Every shard's key of one status, for a reader that gathers them."""
    return [f"{status}#{shard}" for shard in range(STATUS_SHARDS)]


def query_status(
    db: Any,
    table: str,
    status: str,
    *,
    limit: int,
    newest_first: bool,
    next_token: str | None = None,
    before: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of index entries (keys only) in `status` across the shards, ordered on updated_at (then order
    id), optionally only those updated before `before`."""
    starts: dict[str, Any] = _decode(next_token) if next_token else {str(s): {} for s in range(STATUS_SHARDS)}
    fetched: dict[str, tuple[list[dict[str, Any]], dict[str, Any] | None]] = {}
    for shard, start in starts.items():
        if start is None:  # this shard is read to its end
            continue
        names = {"#k": "status_key"}
        values = {":k": to_value(f"{status}#{shard}")}
        condition = "#k = :k"
        if before is not None:
            names["#u"] = "updated_at"
            condition += " AND #u < :before"
            values[":before"] = to_value(before)
        kwargs: dict[str, Any] = {
            "TableName": table,
            "IndexName": INDEX,
            "KeyConditionExpression": condition,
            "ScanIndexForward": not newest_first,
            "Limit": limit,
        }
        kwargs["ExpressionAttributeNames"], kwargs["ExpressionAttributeValues"] = names, values
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = db.query(**kwargs)
        fetched[shard] = (page["Items"], page.get("LastEvaluatedKey"))

    def order_key(item: dict[str, Any]) -> tuple[str, str]:
        return item["updated_at"]["S"], item["pk"]["S"]

    merged = sorted(
        ((shard, item) for shard, (items, _) in fetched.items() for item in items),
        key=lambda pair: order_key(pair[1]),
        reverse=newest_first,
    )[:limit]
    following = dict(starts)
    for shard, (items, last_key) in fetched.items():
        taken = [item for s, item in merged if s == shard]
        if len(taken) == len(items):
            following[shard] = last_key  # None: nothing more in this shard
        elif taken:
            following[shard] = {k: taken[-1][k] for k in _KEY_ATTRIBUTES}
        # else: nothing of this shard made the page; it resumes where it stood
    more = any(start is not None for start in following.values())
    return [item for _, item in merged], _encode(following) if more else None


def count_status(db: Any, table: str, status: str) -> int:
    """How many orders are in `status` (every shard, every page; the index's keys only)."""
    total = 0
    for shard in range(STATUS_SHARDS):
        kwargs: dict[str, Any] = {
            "TableName": table,
            "IndexName": INDEX,
            "KeyConditionExpression": "status_key = :k",
            "ExpressionAttributeValues": {":k": to_value(f"{status}#{shard}")},
            "Select": "COUNT",
        }
        while True:
            page = db.query(**kwargs)
            total += page["Count"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return total


def _encode(starts: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(starts, separators=(",", ":")).encode()).decode()


def _decode(token: str) -> dict[str, Any]:
    try:
        starts = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError as error:
        raise ValueError("next_token is not a token this API gave out") from error
    if not isinstance(starts, dict) or set(starts) != {str(s) for s in range(STATUS_SHARDS)}:
        raise ValueError("next_token is not a token this API gave out")
    return starts


def migrate_status_keys(db: Any, table: str) -> int:
    """Rewrites META items whose status_key is still the raw status (before sharding) to their
    shard's key; conditioned on the status unchanged, so it can run beside live traffic and be
    repeated. Returns how many items it rewrote."""
    rewritten = 0
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "sk = :meta AND attribute_exists(status_key) AND NOT contains(status_key, :hash)",
        "ExpressionAttributeValues": {":meta": to_value("META"), ":hash": to_value("#")},
        "ProjectionExpression": "pk, sk, #s",
        "ExpressionAttributeNames": {"#s": "status"},
    }
    while True:
        page = db.scan(**kwargs)
        for item in page["Items"]:
            order_id = item["pk"]["S"].removeprefix("ORDER#")
            status = item["status"]["S"]
            try:
                db.update_item(
                    TableName=table,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression="SET status_key = :key",
                    ConditionExpression="#s = :status",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":key": to_value(status_key(status, order_id)), ":status": to_value(status)},
                )
                rewritten += 1
            except db.exceptions.ConditionalCheckFailedException:
                pass  # its status changed meanwhile, and with it the key (already sharded)
        if "LastEvaluatedKey" not in page:
            return rewritten
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
