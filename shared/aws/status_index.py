"""The write-sharded status index of the orders table (GSI by_status, docs/data-model.md).

A raw status as the partition key is a hot key: in a promotion every new order is RECEIVED and
every status change writes the index partition of its status. So the key carries a shard derived
from the order id, `status_key = "<STATUS>#<shard>"` with shard in 0..STATUS_SHARDS-1, and a
reader gathers the shards: one query per shard, merged on `updated_at`, paged with one resume
key per shard inside the page token.
"""

from __future__ import annotations

import hashlib
from typing import Any

from shared.aws import page_tokens
from shared.aws.dynamo import to_value

INDEX = "by_status"
STATUS_SHARDS = 8  # changing it needs a migration like migrate_status_keys: keys embed the shard
_KEY_ATTRIBUTES = ("status_key", "updated_at", "pk", "sk")  # an index page's resume key

# The workflow's own statuses (decision 92): an order passes through them in about a second, so
# indexing each one cost a delete and a put per transition (8 of its write units). While in them
# an order has one entry in the sparse index by_flow, keyed "FLOW#<shard>" and sorted on
# created_at, which none of these transitions changes: it is written when the order enters the
# flow and deleted when it leaves it. by_status holds the other statuses only.
FLOW_INDEX = "by_flow"
FLOW_STATUSES = frozenset({"RECEIVED", "APPROVED", "ROUTED", "RESERVED"})
FLOW_SHARDS = 16  # every order enters and leaves: ~2.2 writes each, ~170 WCU/s a shard at 1,200 orders/s
_FLOW_KEY_ATTRIBUTES = ("flow_key", "created_at", "pk", "sk")


def in_flow(status: str) -> bool:
    return str(status) in FLOW_STATUSES


def flow_key(order_id: str) -> str:
    return f"FLOW#{int(hashlib.sha256(order_id.encode()).hexdigest()[:8], 16) % FLOW_SHARDS}"


def key_fields(status: str, order_id: str) -> tuple[dict[str, str], list[str]]:
    """(attributes to set, attributes to remove) on META for an order entering `status`."""
    if in_flow(status):
        return {"flow_key": flow_key(order_id)}, ["status_key"]
    return {"status_key": status_key(status, order_id)}, ["flow_key"]


def shard_of(order_id: str) -> int:
    return int(hashlib.sha256(order_id.encode()).hexdigest()[:8], 16) % STATUS_SHARDS


def status_key(status: str, order_id: str) -> str:
    return f"{status}#{shard_of(order_id)}"


def partitions(status: str) -> list[str]:
    """Every shard's key of one status, for a reader that gathers them."""
    if in_flow(status):
        return [f"FLOW#{shard}" for shard in range(FLOW_SHARDS)]
    return [f"{status}#{shard}" for shard in range(STATUS_SHARDS)]


def listing(status: str) -> tuple[str, str, list[str], str]:
    """(index, its key attribute, partitions, sort attribute) that list orders in `status`; for a
    workflow status the page holds the flow's orders, filtered on the status by the reader."""
    if in_flow(status):
        return FLOW_INDEX, "flow_key", partitions(status), "created_at"
    return INDEX, "status_key", partitions(status), "updated_at"


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
    id), optionally only those updated before `before`. For a workflow status (FLOW_STATUSES): the
    flow's entries, ordered on created_at, created before `before` (a superset: the reader keeps
    those still in `status` and updated before it)."""
    index, key_name, keys, sort = listing(status)
    resume = _FLOW_KEY_ATTRIBUTES if index == FLOW_INDEX else _KEY_ATTRIBUTES
    starts: dict[str, Any] = _decode(next_token, len(keys)) if next_token else {str(s): {} for s in range(len(keys))}
    fetched: dict[str, tuple[list[dict[str, Any]], dict[str, Any] | None]] = {}
    for shard, start in starts.items():
        if start is None:  # this shard is read to its end
            continue
        names = {"#k": key_name}
        values = {":k": to_value(keys[int(shard)])}
        condition = "#k = :k"
        if before is not None:
            names["#u"] = sort
            condition += " AND #u < :before"
            values[":before"] = to_value(before)
        kwargs: dict[str, Any] = {
            "TableName": table,
            "IndexName": index,
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
        return item[sort]["S"], item["pk"]["S"]

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
            following[shard] = {k: taken[-1][k] for k in resume}
        # else: nothing of this shard made the page; it resumes where it stood
    more = any(start is not None for start in following.values())
    return [item for _, item in merged], _encode(following) if more else None


def count_status(db: Any, table: str, status: str) -> int:
    """How many orders are in `status` (every shard, every page; the index's keys only). For a
    workflow status: the flow's orders whose META is in `status` (their status read by key)."""
    from shared.aws.dynamo import batch_get

    index, key_name, keys, _ = listing(status)
    total = 0
    for key in keys:
        kwargs: dict[str, Any] = {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": "#k = :k",
            "ExpressionAttributeNames": {"#k": key_name},
            "ExpressionAttributeValues": {":k": to_value(key)},
        }
        if index == INDEX:
            kwargs["Select"] = "COUNT"
        while True:
            page = db.query(**kwargs)
            if index == INDEX:
                total += page["Count"]
            else:
                metas = batch_get(db, table, [{"pk": i["pk"]["S"], "sk": i["sk"]["S"]} for i in page["Items"]], projection="#s", names={"#s": "status"})
                total += sum(1 for m in metas if m.get("status") == status)
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return total


def _encode(starts: dict[str, Any]) -> str:
    return page_tokens.encode(starts)


def _decode(token: str, shards: int = STATUS_SHARDS) -> dict[str, Any]:
    return page_tokens.decode(token, lambda starts: isinstance(starts, dict) and set(starts) == {str(s) for s in range(shards)})


def migrate_status_keys(db: Any, table: str) -> int:
    """Rewrites META items whose status_key is still the raw status (before sharding) to their
    shard's key; conditioned on the status unchanged, so it can run beside live traffic and be
    repeated. Returns how many items it rewrote."""
    return _rekey(
        db,
        table,
        "attribute_exists(status_key) AND NOT contains(status_key, :hash)",
        {":hash": to_value("#")},
        lambda status, order_id: ("SET status_key = :key", status_key(status, order_id)),
    )


def _rekey(db: Any, table: str, condition: str, values: dict[str, Any], rekey: Any) -> int:
    """Scans META items matching `condition` and rewrites each with `rekey(status, order_id)` ->
    (update expression setting :key, the key) or None to skip, conditioned on the status
    unchanged (its change wrote the right key meanwhile). Returns how many it rewrote."""
    rewritten = 0
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": f"sk = :meta AND {condition}",
        "ExpressionAttributeValues": {":meta": to_value("META"), **values},
        "ProjectionExpression": "pk, sk, #s",
        "ExpressionAttributeNames": {"#s": "status"},
    }
    while True:
        page = db.scan(**kwargs)
        for item in page["Items"]:
            status = item["status"]["S"]
            change = rekey(status, item["pk"]["S"].removeprefix("ORDER#"))
            if change is None:
                continue
            expression, key = change
            try:
                db.update_item(
                    TableName=table,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression=expression,
                    ConditionExpression="#s = :status",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":key": to_value(key), ":status": to_value(status)},
                )
                rewritten += 1
            except db.exceptions.ConditionalCheckFailedException:
                pass  # its status changed meanwhile, and with it the key
        if "LastEvaluatedKey" not in page:
            return rewritten
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def migrate_flow_keys(db: Any, table: str) -> int:
    """Moves orders stored before by_flow (decision 92) that are in a workflow status from
    by_status to by_flow: sets flow_key and removes status_key, conditioned on the status
    unchanged (repeatable, beside live traffic). Returns how many it moved."""
    return _rekey(
        db,
        table,
        "attribute_exists(status_key)",
        {},
        lambda status, order_id: ("SET flow_key = :key REMOVE status_key", flow_key(order_id)) if in_flow(status) else None,
    )
