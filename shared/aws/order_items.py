"""How one order is laid out in items of the orders table (docs/data-model.md, decision 90).

  pk = ORDER#<order_id>  sk = META         the order's state: status, version, times, bookkeeping and
                                           the index keys; rewritten on every status change, so small
                         sk = META#ORDER   the order's content (lines, buyer, addresses) and its first
                                           timeline entry (RECEIVED); written at intake, rewritten only
                                           by an amendment or a reviewer's correction
                         sk = META#PLAN    the routing plan; written by the transition that decided it
                                           (in a transaction; a plain one writes META#PLAN!<v><token>
                                           and names it in META's plan_key, decision 154)

A status change then rewrites ~0.7 KB instead of the whole order (1-2 KB, more with a plan),
and index entries, conditions and the by_status key stay on META. `load` reads the three items
with one consistent Query (begins_with "META"); batch readers (listings, the stuck scan, the
what-if replay) read META through the indexes, then the content items of the orders they keep
(`hydrate`).

Orders stored before the split hold `order` and `plan` on META itself: readers take the content
items where they exist and META's own attributes otherwise, and every write of content moves it
to its item (and removes it from META), so old and new orders live side by side
(`migrate_order_content` moves the rest in the background).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.aws.dynamo import batch_get, from_item, query_prefix, to_item, to_value

META = "META"
CONTENT = "META#ORDER"
PLAN = "META#PLAN"
# Attributes that live on their own item, not on META: attribute -> sort key of its item.
MOVED = {"order": CONTENT, "plan": PLAN}
PLAN_KEY = "plan_key"  # on META: the sort key of the plan item in force, when not META#PLAN (decision 154)
_READS = 3  # reads of one order at most while its named plan is being replaced (decision 189)


def pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def read_order(db: Any, table: str, order_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(META with its content merged in, the content item) read consistently in one Query, or
    (None, content) when the order's state is not stored (yet)."""
    items = read_with_plan(lambda: query_prefix(db, table, pk(order_id), META))
    meta = items.get(META)
    return (merged(meta, items) if meta is not None else None), items.get(CONTENT)


def read_with_plan(read: Callable[[], list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """An order's items by sort key from `read` (a consistent query of its META… items or of its
    partition), read again while META names a plan the same read did not find. A plan is put
    before META names it, and the plan it replaces is deleted only after (decision 189), so a read
    that met META before a re-route and the plan items after it misses the plan it was given."""
    for _ in range(_READS):
        items = {item["sk"]: item for item in read()}
        named = items.get(META, {}).get(PLAN_KEY)
        if not named or named in items:
            break
    return items


def merged(meta: dict[str, Any], items: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """META with its moved attributes taken from their items (sort key -> item), where present."""
    document = dict(meta)
    for attribute, sk in _moved_keys(meta):
        if sk in items and attribute in items[sk]:
            document[attribute] = items[sk][attribute]
    return document


def _moved_keys(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """(attribute, sort key of its item): the plan in force is the one META's `plan_key` names
    when a change written without a transaction set it (decision 154), META#PLAN otherwise."""
    return [(attribute, meta.get(PLAN_KEY) or sk if attribute == "plan" else sk) for attribute, sk in MOVED.items()]


def hydrate(db: Any, table: str, metas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """META items (from a batch read) with their content and plan, read in batches of 100 keys."""
    wanted = [{"pk": m["pk"], "sk": sk} for m in metas for _, sk in _moved_keys(m)]
    if not wanted:
        return metas
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for item in batch_get(db, table, wanted):
        found.setdefault(item["pk"], {})[item["sk"]] = item
    return [merged(m, found.get(m["pk"], {})) for m in metas]


def moved_writes(table: str, order_id: str, fields: dict[str, Any], plan_sk: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Splits a status change's fields into those META keeps and the transaction items that write
    the moved ones (content: an update that keeps the first timeline entry; plan: a put, under
    `plan_sk` when given, which META then names as `plan_key`, decision 154)."""
    kept = {k: v for k, v in fields.items() if k not in MOVED}
    items: list[dict[str, Any]] = []
    if "order" in fields:
        items.append(content_update(table, order_id, fields["order"]))
    if "plan" in fields:
        kept["plan_summary"] = plan_summary(fields["plan"])
        if plan_sk is not None:
            kept[PLAN_KEY] = plan_sk
        item = {"pk": pk(order_id), "sk": plan_sk or PLAN, "plan": fields["plan"]}
        items.append({"Put": {"TableName": table, "Item": to_item(item)}})
    return kept, items


def plan_summary(plan: dict[str, Any] | None) -> dict[str, Any] | None:
    """What META keeps of a plan for the readers of its change stream (the operations aggregates:
    warehouses, packages and cost per order, shared/operations/domain.py), which see META only."""
    if plan is None:
        return None
    return {
        "shipments": [{"warehouse_id": s["warehouse_id"], "cost": s.get("cost")} for s in plan.get("shipments") or []],
        "total_cost": plan.get("total_cost"),
        "strategy": plan.get("strategy"),
    }


def content_update(table: str, order_id: str, order: dict[str, Any]) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": to_item({"pk": pk(order_id), "sk": CONTENT}),
            "UpdateExpression": "SET #order = :order",
            "ExpressionAttributeNames": {"#order": "order"},
            "ExpressionAttributeValues": {":order": to_value(order)},
        }
    }


def migrate_order_content(db: Any, table: str) -> int:
    """Moves `order` and `plan` off the META items of orders stored before the split (decision
    90) into their own items; each order in one transaction conditioned on its version, so it runs
    beside live traffic and can be repeated. Returns how many orders it moved."""
    from botocore.exceptions import ClientError

    moved = 0
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "sk = :meta AND (attribute_exists(#order) OR attribute_exists(#plan))",
        "ExpressionAttributeNames": {"#order": "order", "#plan": "plan"},
        "ExpressionAttributeValues": {":meta": to_value(META)},
    }
    while True:
        page = db.scan(**kwargs)
        for raw in page["Items"]:
            meta = from_item(raw)
            order_id = meta["pk"].removeprefix("ORDER#")
            kept, writes = moved_writes(table, order_id, {k: meta[k] for k in MOVED if k in meta})
            summary = {":summary": to_value(kept["plan_summary"])} if "plan_summary" in kept else {}
            strip = {
                "Update": {
                    "TableName": table,
                    "Key": to_item({"pk": meta["pk"], "sk": META}),
                    "UpdateExpression": ("SET #summary = :summary " if summary else "") + "REMOVE #order, #plan",
                    "ConditionExpression": "#version = :seen",
                    "ExpressionAttributeNames": {"#order": "order", "#plan": "plan", "#version": "version", **({"#summary": "plan_summary"} if summary else {})},
                    "ExpressionAttributeValues": {":seen": to_value(meta["version"]), **summary},
                }
            }
            try:
                db.transact_write_items(TransactItems=[strip, *writes])
                moved += 1
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise  # cancelled: the order moved on meanwhile (and its writer moved the content)
        if "LastEvaluatedKey" not in page:
            return moved
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
