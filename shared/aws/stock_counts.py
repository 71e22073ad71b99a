"""The stock sync's writes on the inventory table: WMS/ERP counts (StockSnapshot) and movements
(StockMovement), applied without losing a reservation (docs/data-model.md).

  pk = STOCK#<sku>            sk = <warehouse_id>[#b<k>]  on_hand set by a count, moved by a movement;
                                                      `as_of` is the count applied last
  pk = STOCKDELTA#<delta_id>  sk = APPLIED            marks a movement as applied (or as counted)
                                                      once

A count sets on_hand and keeps `reserved` as it is inside the write, so the identity available =
on_hand − reserved − safety_stock holds; an older count than the one applied is stale. A movement
with a time at or before the applied count is part of it and is only recorded; a later one is
applied while the count is still older (decision 251). Times are shared.inventory's fixed-width
UTC text, so text order is time order in a condition. Bucketed stock (a hot SKU): a count is
spread over the buckets, a receipt goes to the emptiest, a decrease to those that hold the units
(shared/stock_buckets.py)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shared.aws.dynamo import raise_if_transient, to_item, to_value
from shared.aws.inventory_store import InventoryStore, stock_key
from shared.errors import UnknownWarehouse
from shared.inventory import AUDIT_RETENTION_SECONDS, StockBucket, StockDelta, StockRecord, StockSnapshot, warehouse_instant
from shared.stock_buckets import SAFETY_BUCKET, WarehouseStock, receiving_bucket, spread_count, take_from_buckets

# A movement with a time is applied only while the stock's last count is older than it.
AFTER_THE_COUNT = "(attribute_not_exists(as_of) OR as_of < :occurred)"


def apply_snapshot(store: InventoryStore, snapshot: StockSnapshot) -> str:
    """Sets on_hand from a count, keeping every reservation. Returns 'applied', 'created' or
    'stale' (a newer count was applied already). A bucketed warehouse's count is spread over
    its buckets, each keeping its own reservations."""
    for _ in range(5):  # safety stock, a bucket's reservations or the layout may change meanwhile
        stock = store.warehouse_stock(snapshot.sku, snapshot.warehouse_id)
        if canonical_count_time(store, stock):
            continue  # a count stored before decision 251, its time now rewritten: read again
        if stock.bucketed:
            outcome = _count_buckets(store, snapshot, stock.buckets)
        elif stock.record is not None:
            outcome = _count_record(store, snapshot, stock.record)
        else:
            known_warehouse(store, snapshot.warehouse_id, f"count of {snapshot.sku}")
            outcome = _create_counted(store, snapshot)
        if outcome:
            return outcome
    raise RuntimeError(f"stock {snapshot.sku}@{snapshot.warehouse_id} kept changing while applying a snapshot")


def known_warehouse(store: InventoryStore, warehouse_id: str, what: str) -> None:
    """Raises UnknownWarehouse unless the warehouse is set up: asked only before stock is created
    where none was (a known item's warehouse was known when it was made), one read."""
    if store.item("WAREHOUSE", warehouse_id) is None:
        raise UnknownWarehouse(warehouse_id, what)


def _create_counted(store: InventoryStore, snapshot: StockSnapshot) -> str | None:
    record = StockRecord(sku=snapshot.sku, warehouse_id=snapshot.warehouse_id, on_hand=snapshot.on_hand, safety_stock=snapshot.safety_stock or 0)
    created = store.new_stock_put(record, snapshot.as_of, {})
    return "created" if store.all_or_nothing([created, _no_buckets_check(store, snapshot.sku, snapshot.warehouse_id)]) else None


def _count_record(store: InventoryStore, snapshot: StockSnapshot, current: StockRecord) -> str | None:
    key = stock_key(snapshot.sku, snapshot.warehouse_id)
    safety = current.safety_stock if snapshot.safety_stock is None else snapshot.safety_stock
    counted = _updated_if(
        store,
        key,
        # available = count − safety − reserved, with reserved read inside the write
        "SET on_hand = :count, safety_stock = :safety, available = :free - reserved, as_of = :as_of",
        "safety_stock = :old_safety AND (attribute_not_exists(as_of) OR as_of < :as_of)",
        {
            ":count": snapshot.on_hand,
            ":safety": safety,
            ":free": snapshot.on_hand - safety,
            ":old_safety": current.safety_stock,
            ":as_of": snapshot.as_of,
        },
    )
    return "applied" if counted else _stale_or_retry(store, snapshot, key)


def _updated_if(store: InventoryStore, key: dict[str, str], update: str, condition: str, values: dict[str, Any]) -> bool:
    """One conditioned UpdateItem of a stock item; False when its condition failed."""
    try:
        store.db.update_item(
            TableName=store.table,
            Key=to_item(key),
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeValues={name: to_value(value) for name, value in values.items()},
        )
        return True
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False


def _count_buckets(store: InventoryStore, snapshot: StockSnapshot, buckets: list[StockBucket]) -> str | None:
    """Every bucket in one transaction: on hand = its reserved (+ the safety stock on bucket 0)
    + an even share of the rest. `reserved` is read inside each write, so a reservation made
    since our read is kept; one that would leave its bucket below what we planned cancels
    the transaction instead (`reserved <= :cap`), and the count is spread again."""
    safety = buckets[SAFETY_BUCKET].safety_stock if snapshot.safety_stock is None else snapshot.safety_stock
    safety_of = {b.bucket: safety if b.bucket == SAFETY_BUCKET else 0 for b in buckets}
    on_hands = spread_count(snapshot.on_hand, [b.reserved + safety_of[b.bucket] for b in buckets])
    items = []
    for bucket, on_hand in zip(buckets, on_hands):
        items.append(
            {
                "Update": {
                    "TableName": store.table,
                    "Key": to_item(stock_key(bucket.sku, bucket.warehouse_id, bucket.bucket)),
                    "UpdateExpression": "SET on_hand = :count, safety_stock = :safety, available = :free - reserved, as_of = :as_of",
                    "ConditionExpression": (
                        "bucket_count = :buckets AND safety_stock = :old_safety AND reserved <= :cap "
                        "AND (attribute_not_exists(as_of) OR as_of < :as_of)"
                    ),
                    "ExpressionAttributeValues": {
                        ":count": to_value(on_hand),
                        ":safety": to_value(safety_of[bucket.bucket]),
                        ":free": to_value(on_hand - safety_of[bucket.bucket]),
                        ":buckets": to_value(len(buckets)),
                        ":old_safety": to_value(bucket.safety_stock),
                        ":cap": to_value(max(bucket.reserved, on_hand - safety_of[bucket.bucket])),
                        ":as_of": to_value(snapshot.as_of),
                    },
                }
            }
        )
    if store.all_or_nothing(items):
        return "applied"
    return _stale_or_retry(store, snapshot, stock_key(snapshot.sku, snapshot.warehouse_id, buckets[0].bucket))


def _stale_or_retry(store: InventoryStore, snapshot: StockSnapshot, key: dict[str, str]) -> str | None:
    latest = store.item(key["pk"], key["sk"]) or {}
    return "stale" if latest.get("as_of", "") >= snapshot.as_of else None


def movement_applied(store: InventoryStore, delta_id: str) -> bool:
    return repeat_outcome(store, delta_id) is not None


def repeat_outcome(store: InventoryStore, delta_id: str) -> str | None:
    """What a movement found already marked was: 'counted' when a count held it (no restock
    signal, no change for the channels), 'duplicate' when it was applied; None when unmarked."""
    marker = store.item(f"STOCKDELTA#{delta_id}", "APPLIED")
    if marker is None:
        return None
    return "counted" if "counted_as_of" in marker else "duplicate"


def canonical_count_time(store: InventoryStore, stock: WarehouseStock) -> bool:
    """Rewrites a count time stored as sent (before decision 251: "…T18:00:00+08:00") to the
    fixed-width UTC text every comparison now assumes, on the single item or every bucket, each
    only while it still holds the old text. True when it rewrote (read the stock again); a time
    that is not ISO-8601 at all is left (it compares as before)."""
    if stock.as_of is None:
        return False
    try:
        canonical = warehouse_instant(stock.as_of)
    except ValueError:
        return False
    if canonical == stock.as_of:
        return False
    keys = [stock_key(b.sku, b.warehouse_id, b.bucket) for b in stock.buckets] or [stock_key(stock.sku, stock.warehouse_id)]
    for key in keys:  # one that changed meanwhile was rewritten by its count
        _updated_if(store, key, "SET as_of = :new", "as_of = :old", {":new": canonical, ":old": stock.as_of})
    return True


def delta_items(store: InventoryStore, delta: StockDelta, now_epoch: int, stock: WarehouseStock) -> list[dict[str, Any]]:
    """A movement applied once (the marker fails on a repeat), never driving on_hand below 0.
    On bucketed stock a receipt goes to the emptiest bucket and a decrease to the buckets
    that hold the units (`stock` as read; every bucket write is conditioned on what it
    assumed). The marker comes first, then the stock items."""
    items = [_movement_marker(store, delta, now_epoch)]
    if stock.bucketed:
        return items + _bucket_movement_items(store, delta, stock.buckets)
    values = {":d": to_value(delta.change), ":zero": to_value(0), ":sku": to_value(delta.sku), ":wh": to_value(delta.warehouse_id)}
    update: dict[str, Any] = {
        "TableName": store.table,
        "Key": to_item(stock_key(delta.sku, delta.warehouse_id)),
        "UpdateExpression": (
            "SET on_hand = if_not_exists(on_hand, :zero) + :d, available = if_not_exists(available, :zero) + :d, "
            "reserved = if_not_exists(reserved, :zero), safety_stock = if_not_exists(safety_stock, :zero), "
            "sku = :sku, warehouse_id = :wh"
        ),
        "ExpressionAttributeValues": values,
    }
    # The item as read must still be there: a split in between moved its stock to buckets.
    conditions = ["attribute_exists(pk)"] if stock.exists else []
    if delta.change < 0:
        conditions.append("on_hand >= :taken")
        values[":taken"] = to_value(-delta.change)
    if delta.occurred_at is not None:  # a count applied since the read may hold it already
        conditions.append(AFTER_THE_COUNT)
        values[":occurred"] = to_value(delta.occurred_at)
    if conditions:
        update["ConditionExpression"] = " AND ".join(conditions)
    items.append({"Update": update})
    if not stock.exists:  # a new single item must not appear next to buckets made meanwhile
        items.append(_no_buckets_check(store, delta.sku, delta.warehouse_id))
    return items


def record_counted(store: InventoryStore, delta: StockDelta, now_epoch: int, as_of: str) -> bool:
    """A movement the count applied as of `as_of` already holds (it happened at or before it):
    its marker only, saying so, so that a repeat finds it and the stock is left as counted. One
    conditioned put, not a transaction (1 write unit, not 2): the count's time only moves
    forward, so no stock item needs a condition. False when the marker was there already."""
    try:
        store.db.put_item(**_movement_marker(store, delta, now_epoch, counted_as_of=as_of)["Put"])
        return True
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise_if_transient(error)
        raise


def _movement_marker(store: InventoryStore, delta: StockDelta, now_epoch: int, **extra: str) -> dict[str, Any]:
    marker = {"pk": f"STOCKDELTA#{delta.delta_id}", "sk": "APPLIED", **delta.model_dump(exclude_none=True), **extra, "expires_at_epoch": now_epoch + AUDIT_RETENTION_SECONDS}
    return {"Put": {"TableName": store.table, "Item": to_item(marker), "ConditionExpression": "attribute_not_exists(pk)"}}


def _bucket_movement_items(store: InventoryStore, delta: StockDelta, buckets: list[StockBucket]) -> list[dict[str, Any]]:
    if delta.change > 0:
        plan = [(receiving_bucket(buckets), delta.change, "attribute_exists(pk)", {})]
    else:
        takes = take_from_buckets(-delta.change, buckets)
        if takes is None:
            raise ValueError(f"{delta.sku}@{delta.warehouse_id}: buckets hold less than {-delta.change} on hand")
        plan = [
            (t.bucket, -t.quantity, "attribute_exists(pk) AND on_hand >= :taken AND available >= :unheld", {":taken": t.quantity, ":unheld": t.unheld})
            for t in takes
        ]
    if delta.occurred_at is not None:  # every bucket carries the count's as_of
        plan = [(bucket, change, f"{condition} AND {AFTER_THE_COUNT}", {**values, ":occurred": delta.occurred_at}) for bucket, change, condition, values in plan]
    return [
        {
            "Update": {
                "TableName": store.table,
                "Key": to_item(stock_key(delta.sku, delta.warehouse_id, bucket)),
                "UpdateExpression": "SET on_hand = on_hand + :d, available = available + :d",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": {":d": to_value(change), **{k: to_value(v) for k, v in values.items()}},
            }
        }
        for bucket, change, condition, values in plan
    ]


def _no_buckets_check(store: InventoryStore, sku: str, warehouse_id: str) -> dict[str, Any]:
    return {
        "ConditionCheck": {
            "TableName": store.table,
            "Key": to_item(stock_key(sku, warehouse_id, SAFETY_BUCKET)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
