"""Warehouses, stock and reservations on DynamoDB. Key design (docs/data-model.md):

  pk = WAREHOUSE              sk = <warehouse_id>     a warehouse and its location
  pk = STOCK#<sku>            sk = <warehouse_id>     on_hand, reserved, safety_stock, available
  pk = STOCK#<sku>            sk = <warehouse>#b<k>   the same, per bucket of a hot SKU (never
                                                      next to the single item of that warehouse)
  pk = RESERVATION#<order_id> sk = <warehouse>#<sku>  one reserved order line, its state and expiry
  pk = RESERVATION#<order_id> sk = ORDER#<version>    the lines reserved with the order's status
                                                      change, in one record (reservation_records.py)
  pk = STOCKDELTA#<delta_id>  sk = APPLIED            marks a WMS/ERP movement as applied once
  pk = PACKAGES#<yyyy-mm-dd>#<shard> sk = <warehouse_id>  packages reserved that China day (daily
                                                      capacity), write-sharded: every reservation
                                                      adds one, so one key per day was the hottest
                                                      partition at a promotion's peak; reads sum
                                                      the shards (cached PACKAGE_CACHE_SECONDS)

`available` (= on_hand − reserved − safety_stock) is stored, because a DynamoDB condition cannot
do arithmetic: a reservation is `available >= :q` → `available -= q, reserved += q`, atomically.
Every other write keeps the identity in the same request.

Methods named *_items return TransactWriteItems entries, so a use case can put stock changes and
the order's status change in one transaction. For a reservation line they are its record, then one
stock update per stock item (ReservationLine.transaction_items), in that order.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from shared.aws import reservation_records
from shared.aws.clients import client, resource_name
from shared.aws.dynamo import TransactionCancelled, from_item, query_partition, raise_if_transient, to_item, to_value, transact_write
from shared.aws.kept_read import KeptRead
from shared.inventory import (
    AUDIT_RETENTION_SECONDS,
    EXPIRY_SHARDS,
    ReservationLine,
    ReservationState,
    StockBucket,
    StockDelta,
    StockRecord,
    StockSnapshot,
)
from shared.routing.model import RoutingPlan, StockLevel, Warehouse
from shared.routing.network import CHINA_TIME
from shared.stock_buckets import (
    SAFETY_BUCKET,
    WarehouseStock,
    receiving_bucket,
    spread_count,
    take_from_buckets,
)

_LOG = logging.getLogger("oms.inventory")
# A movement with a time is applied only while the stock's last count is older than it (times are
# shared.inventory.warehouse_instant's fixed-width UTC text, so text order is time order).
_AFTER_THE_COUNT = "(attribute_not_exists(as_of) OR as_of < :occurred)"
TABLE_ENV = "INVENTORY_TABLE"
EXPIRY_INDEX = "by_expiry"
_WAREHOUSE_CACHE_SECONDS = 60.0
PACKAGE_SHARDS = 16  # a day's package counts spread over this many partitions
PACKAGE_CACHE_SECONDS = 5.0  # daily capacity is a planning limit: a few seconds' lag is harmless
_HELD = ReservationState.HELD.value
_RESERVE = "SET available = available - :q, reserved = reserved + :q"
_RESERVE_CONDITION = "attribute_exists(pk) AND available >= :q"


def expiry_shard(order_id: str) -> str:
    return f"HELD#{int(hashlib.sha256(order_id.encode()).hexdigest(), 16) % EXPIRY_SHARDS}"


def stock_key(sku: str, warehouse_id: str, bucket: int | None = None) -> dict[str, str]:
    return {"pk": f"STOCK#{sku}", "sk": warehouse_id if bucket is None else f"{warehouse_id}#b{bucket}"}


def _warehouse_of(item: dict[str, Any]) -> str:
    return item["warehouse_id"] if "bucket" in item else item["sk"]


class InventoryStore:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self._table = table_name
        self._client = dynamodb
        self._warehouses: KeptRead[list[Warehouse]] = KeptRead()
        self._packages: KeptRead[dict[str, int]] = KeptRead()  # the newest day's, per warehouse
        # (sku, warehouse) pairs a read in this container found bucketed. A hint only: reservation
        # reads such stock before allocating and places other lines on the single item unread;
        # every write is conditioned on the item existing, so a stale hint costs one retry.
        self._bucketed: set[tuple[str, str]] = set()

    @property
    def table(self) -> str:
        return self._table or resource_name(TABLE_ENV)

    @property
    def db(self) -> Any:
        return self._client or client("dynamodb")

    # -- master data -------------------------------------------------------------------------

    def put_warehouse(self, warehouse: Warehouse) -> None:
        item = {"pk": "WAREHOUSE", "sk": warehouse.warehouse_id, **warehouse.model_dump()}
        self.db.put_item(TableName=self.table, Item=to_item(item))

    def warehouses(self) -> list[Warehouse]:
        """All warehouses; kept for a minute per container, as they change rarely."""
        return self._warehouses.get(None, _WAREHOUSE_CACHE_SECONDS, self._read_warehouses)

    def _read_warehouses(self) -> list[Warehouse]:
        from shared.routing.config import parse_warehouse  # the routing configuration: only where warehouses are read

        return [parse_warehouse(i) for i in query_partition(self.db, self.table, "WAREHOUSE")]  # a bad record is named

    # -- stock -------------------------------------------------------------------------------

    def put_stock(self, record: StockRecord) -> None:
        """Sets a stock record outright: seeding and tests. Live systems sync with snapshots/deltas."""
        item = {"pk": f"STOCK#{record.sku}", "sk": record.warehouse_id, **record.model_dump(), "available": record.available}
        self.db.put_item(TableName=self.table, Item=to_item(item))

    def stock_levels(self, skus: Iterable[str]) -> list[StockLevel]:
        """One level per SKU and warehouse: a bucketed warehouse's buckets summed."""
        levels: list[StockLevel] = []
        for sku in sorted(set(skus)):
            available: dict[str, int] = {}
            bucketed: set[str] = set()
            for item in query_partition(self.db, self.table, f"STOCK#{sku}"):
                warehouse = _warehouse_of(item)
                available[warehouse] = available.get(warehouse, 0) + item["available"]
                if "bucket" in item:
                    bucketed.add(warehouse)
            for warehouse, units in available.items():
                self._remember_layout(sku, warehouse, warehouse in bucketed)
                levels.append(StockLevel(sku=sku, warehouse_id=warehouse, available=units))
        return levels

    def stock_record(self, sku: str, warehouse_id: str) -> StockRecord | None:
        """The warehouse's figures: its single record, or its buckets summed."""
        item = self._get(f"STOCK#{sku}", warehouse_id)
        if item:
            return StockRecord.model_validate(item)
        return self.warehouse_stock(sku, warehouse_id).total()

    def stored_available(self, sku: str, warehouse_id: str, bucket: int | None = None) -> int | None:
        """The `available` attribute as stored (the invariant tests compare it with the identity)."""
        item = self._get(**stock_key(sku, warehouse_id, bucket))
        return item["available"] if item else None

    def warehouse_stock(self, sku: str, warehouse_id: str, *, consistent: bool = True) -> WarehouseStock:
        """The warehouse's stock items of a SKU, in one Query: its record, or its buckets."""
        try:
            page = self.db.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :warehouse)",
                ExpressionAttributeValues={":pk": to_value(f"STOCK#{sku}"), ":warehouse": to_value(warehouse_id)},
                ConsistentRead=consistent,
            )
        except ClientError as error:
            raise_if_transient(error)
            raise
        items = [from_item(i) for i in page["Items"]]
        record = next((StockRecord.model_validate(i) for i in items if i["sk"] == warehouse_id), None)
        # begins_with also finds "WH-A2" for "WH-A": keep exactly this warehouse's buckets
        buckets = sorted(
            (StockBucket.model_validate(i) for i in items if "bucket" in i and i["warehouse_id"] == warehouse_id),
            key=lambda b: b.bucket,
        )
        as_of = next((i["as_of"] for i in items if _warehouse_of(i) == warehouse_id and "as_of" in i), None)
        self._remember_layout(sku, warehouse_id, bool(buckets))
        return WarehouseStock(sku=sku, warehouse_id=warehouse_id, record=record, buckets=buckets, as_of=as_of)

    def known_bucketed(self, sku: str, warehouse_id: str) -> bool:
        return (sku, warehouse_id) in self._bucketed

    def _remember_layout(self, sku: str, warehouse_id: str, bucketed: bool) -> None:
        if bucketed:
            self._bucketed.add((sku, warehouse_id))
        else:
            self._bucketed.discard((sku, warehouse_id))

    # -- hot SKUs: splitting a warehouse's stock into buckets and merging it back ------------------

    def split_stock(self, stock: WarehouseStock, buckets: list[StockBucket]) -> bool:
        """Replaces the single item by its buckets in one transaction, provided it is still as
        read and holds no reservation. False when it changed in between (nothing written)."""
        if stock.record is None:
            raise ValueError(f"{stock.sku}@{stock.warehouse_id}: no single stock item to split")
        items = [self._unchanged_delete(stock.record, None)]
        items += [self._new_stock_put(bucket, stock.as_of, {"bucket": bucket.bucket, "bucket_count": len(buckets)}) for bucket in buckets]
        split = self._all_or_nothing(items)
        self._remember_layout(stock.sku, stock.warehouse_id, split)
        return split

    def merge_stock(self, stock: WarehouseStock, merged: StockRecord) -> bool:
        """Replaces the buckets by one item in one transaction, provided every bucket is still as
        read and holds no reservation. False when one changed in between (nothing written)."""
        items = [self._unchanged_delete(bucket, bucket.bucket) for bucket in stock.buckets]
        items.append(self._new_stock_put(merged, stock.as_of, {}))
        merged_now = self._all_or_nothing(items)
        self._remember_layout(stock.sku, stock.warehouse_id, not merged_now)
        return merged_now

    def _unchanged_delete(self, record: StockRecord, bucket: int | None) -> dict[str, Any]:
        return {
            "Delete": {
                "TableName": self.table,
                "Key": to_item(stock_key(record.sku, record.warehouse_id, bucket)),
                "ConditionExpression": "on_hand = :on_hand AND reserved = :none AND safety_stock = :safety",
                "ExpressionAttributeValues": {
                    ":on_hand": to_value(record.on_hand),
                    ":none": to_value(0),
                    ":safety": to_value(record.safety_stock),
                },
            }
        }

    def _new_stock_put(self, record: StockRecord, as_of: str | None, extra: dict[str, Any]) -> dict[str, Any]:
        fields = record.model_dump(exclude={"bucket"})  # a bucket's number comes with `extra`
        item = {**stock_key(record.sku, record.warehouse_id, extra.get("bucket")), **fields, "available": record.available, **extra}
        if as_of:
            item["as_of"] = as_of
        return {"Put": {"TableName": self.table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}

    def _all_or_nothing(self, items: list[dict[str, Any]]) -> bool:
        try:
            transact_write(self.db, items)
            return True
        except TransactionCancelled:
            return False

    def apply_snapshot(self, snapshot: StockSnapshot) -> str:
        """Sets on_hand from a count, keeping every reservation. Returns 'applied', 'created' or
        'stale' (a newer count was applied already). A bucketed warehouse's count is spread over
        its buckets, each keeping its own reservations."""
        for _ in range(5):  # safety stock, a bucket's reservations or the layout may change meanwhile
            stock = self.warehouse_stock(snapshot.sku, snapshot.warehouse_id)
            if stock.bucketed:
                outcome = self._count_buckets(snapshot, stock.buckets)
            elif stock.record is not None:
                outcome = self._count_record(snapshot, stock.record)
            else:
                outcome = self._create_counted(snapshot)
            if outcome:
                return outcome
        raise RuntimeError(f"stock {snapshot.sku}@{snapshot.warehouse_id} kept changing while applying a snapshot")

    def _create_counted(self, snapshot: StockSnapshot) -> str | None:
        record = StockRecord(sku=snapshot.sku, warehouse_id=snapshot.warehouse_id, on_hand=snapshot.on_hand, safety_stock=snapshot.safety_stock or 0)
        created = self._new_stock_put(record, snapshot.as_of, {})
        return "created" if self._all_or_nothing([created, self._no_buckets_check(snapshot.sku, snapshot.warehouse_id)]) else None

    def _count_record(self, snapshot: StockSnapshot, current: StockRecord) -> str | None:
        key = stock_key(snapshot.sku, snapshot.warehouse_id)
        safety = current.safety_stock if snapshot.safety_stock is None else snapshot.safety_stock
        try:
            self.db.update_item(
                TableName=self.table,
                Key=to_item(key),
                # available = count − safety − reserved, with reserved read inside the write
                UpdateExpression="SET on_hand = :count, safety_stock = :safety, available = :free - reserved, as_of = :as_of",
                ConditionExpression="safety_stock = :old_safety AND (attribute_not_exists(as_of) OR as_of < :as_of)",
                ExpressionAttributeValues={
                    ":count": to_value(snapshot.on_hand),
                    ":safety": to_value(safety),
                    ":free": to_value(snapshot.on_hand - safety),
                    ":old_safety": to_value(current.safety_stock),
                    ":as_of": to_value(snapshot.as_of),
                },
            )
            return "applied"
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        return self._stale_or_retry(snapshot, key)

    def _count_buckets(self, snapshot: StockSnapshot, buckets: list[StockBucket]) -> str | None:
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
                        "TableName": self.table,
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
        if self._all_or_nothing(items):
            return "applied"
        return self._stale_or_retry(snapshot, stock_key(snapshot.sku, snapshot.warehouse_id, buckets[0].bucket))

    def _stale_or_retry(self, snapshot: StockSnapshot, key: dict[str, str]) -> str | None:
        latest = self._get(key["pk"], key["sk"]) or {}
        return "stale" if latest.get("as_of", "") >= snapshot.as_of else None

    def movement_applied(self, delta_id: str) -> bool:
        return self._get(f"STOCKDELTA#{delta_id}", "APPLIED") is not None

    def delta_items(self, delta: StockDelta, now_epoch: int, stock: WarehouseStock) -> list[dict[str, Any]]:
        """A movement applied once (the marker fails on a repeat), never driving on_hand below 0.
        On bucketed stock a receipt goes to the emptiest bucket and a decrease to the buckets
        that hold the units (`stock` as read; every bucket write is conditioned on what it
        assumed). The marker comes first, then the stock items."""
        items = [self._movement_marker(delta, now_epoch)]
        if stock.bucketed:
            return items + self._bucket_movement_items(delta, stock.buckets)
        values = {":d": to_value(delta.change), ":zero": to_value(0), ":sku": to_value(delta.sku), ":wh": to_value(delta.warehouse_id)}
        update: dict[str, Any] = {
            "TableName": self.table,
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
            conditions.append(_AFTER_THE_COUNT)
            values[":occurred"] = to_value(delta.occurred_at)
        if conditions:
            update["ConditionExpression"] = " AND ".join(conditions)
        items.append({"Update": update})
        if not stock.exists:  # a new single item must not appear next to buckets made meanwhile
            items.append(self._no_buckets_check(delta.sku, delta.warehouse_id))
        return items

    def counted_movement_items(self, delta: StockDelta, now_epoch: int, as_of: str) -> list[dict[str, Any]]:
        """A movement the count applied as of `as_of` already holds (it happened at or before it):
        its marker only, saying so, so that a repeat is a duplicate and the stock is left as
        counted. The count's time only moves forward, so no stock item needs a condition."""
        return [self._movement_marker(delta, now_epoch, counted_as_of=as_of)]

    def _movement_marker(self, delta: StockDelta, now_epoch: int, **extra: str) -> dict[str, Any]:
        marker = {"pk": f"STOCKDELTA#{delta.delta_id}", "sk": "APPLIED", **delta.model_dump(exclude_none=True), **extra, "expires_at_epoch": now_epoch + AUDIT_RETENTION_SECONDS}
        return {"Put": {"TableName": self.table, "Item": to_item(marker), "ConditionExpression": "attribute_not_exists(pk)"}}

    def _bucket_movement_items(self, delta: StockDelta, buckets: list[StockBucket]) -> list[dict[str, Any]]:
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
            plan = [(bucket, change, f"{condition} AND {_AFTER_THE_COUNT}", {**values, ":occurred": delta.occurred_at}) for bucket, change, condition, values in plan]
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_item(stock_key(delta.sku, delta.warehouse_id, bucket)),
                    "UpdateExpression": "SET on_hand = on_hand + :d, available = available + :d",
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": {":d": to_value(change), **{k: to_value(v) for k, v in values.items()}},
                }
            }
            for bucket, change, condition, values in plan
        ]

    def _no_buckets_check(self, sku: str, warehouse_id: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": to_item(stock_key(sku, warehouse_id, SAFETY_BUCKET)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    # -- reservations ------------------------------------------------------------------------

    def packages_on(self, day: str) -> dict[str, int]:
        """Packages each warehouse has reserved on this China day (YYYY-MM-DD), summed over the
        day's shards; kept a few seconds per container."""
        return self._packages.get(day, PACKAGE_CACHE_SECONDS, lambda: self._read_packages(day))

    def _read_packages(self, day: str) -> dict[str, int]:
        totals: dict[str, int] = {}
        for shard in range(PACKAGE_SHARDS):
            for item in query_partition(self.db, self.table, f"PACKAGES#{day}#{shard}"):
                totals[item["sk"]] = totals.get(item["sk"], 0) + int(item["packages"])
        return totals

    def count_packages(self, plan: RoutingPlan, now_epoch: int) -> None:
        """One package on each shipping warehouse's count for the day, after the reservation's
        transaction won (decision 184): daily capacity is a planning limit routing reads, not an
        invariant to enforce here, so a throttled or failed count is logged and left (one
        package under-counted), never a reason to fail the reserved order's step."""
        day = datetime.fromtimestamp(now_epoch, CHINA_TIME).date().isoformat()
        # The shard from the plan's content: spread, and the same for a repeated step.
        shard = int(hashlib.sha256(plan.model_dump_json().encode()).hexdigest()[:8], 16) % PACKAGE_SHARDS
        for shipment in plan.shipments:
            try:
                self.db.update_item(
                    TableName=self.table,
                    Key=to_item({"pk": f"PACKAGES#{day}#{shard}", "sk": shipment.warehouse_id}),
                    UpdateExpression="ADD packages :one",
                    ExpressionAttributeValues={":one": to_value(1)},
                )
            except ClientError as error:
                _LOG.warning("package count of %s on %s not added: %s", shipment.warehouse_id, day, error.response["Error"]["Code"])

    def reserve_items(self, lines: Sequence[ReservationLine], *, expires: bool, group: str | None = None) -> list[dict[str, Any]]:
        """Per line: the reservation record (refused while the same line is HELD: a repeated
        step), then the stock decrement of each stock item it draws from (refused when that
        item's available < its quantity: a shortage, or on bucketed stock a bucket someone else
        emptied first). `expires` puts the line in the expiry index, for holds no order owns yet.
        With `group` (lines reserved with their order's status change, which never expire): one
        shared record of every line first, then the lines' stock decrements (decision 183)."""
        items: list[dict[str, Any]] = []
        if group is not None:
            items.append(reservation_records.group_put(self.table, lines, group))
            for line in lines:
                items.extend(self._stock_updates(line, _RESERVE, _RESERVE_CONDITION))
            return items
        for line in lines:
            record = {**self._line_key(line), **line.model_dump(mode="json", exclude_none=True)}
            if expires:
                record["expiry_shard"] = expiry_shard(line.order_id)
            items.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(record),
                        "ConditionExpression": "attribute_not_exists(pk) OR #state <> :held",
                        "ExpressionAttributeNames": {"#state": "state"},
                        "ExpressionAttributeValues": {":held": to_value(_HELD)},
                    }
                }
            )
            items.extend(self._stock_updates(line, _RESERVE, _RESERVE_CONDITION))
        return items

    def release_items(self, lines: Sequence[ReservationLine], reason: str, now_epoch: int) -> list[dict[str, Any]]:
        """Per line: HELD → RELEASED (refused when not HELD: released already), stock given back."""
        return self._settle_items(lines, ReservationState.RELEASED, reason, now_epoch, "SET reserved = reserved - :q, available = available + :q")

    def commit_items(self, lines: Sequence[ReservationLine], now_epoch: int) -> list[dict[str, Any]]:
        """Per line: HELD → COMMITTED, and the shipped units leave on_hand and reserved together."""
        return self._settle_items(lines, ReservationState.COMMITTED, "shipped", now_epoch, "SET on_hand = on_hand - :q, reserved = reserved - :q")

    def confirm_hold(self, line: ReservationLine) -> None:
        """The order owns this line now (RESERVED or later): it leaves the expiry index. A line of
        a shared record was never in it."""
        if line.group is not None:
            return
        try:
            self.db.update_item(
                TableName=self.table,
                Key=to_item(self._line_key(line)),
                UpdateExpression="REMOVE expiry_shard",
                ConditionExpression="#state = :held",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":held": to_value(_HELD)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def expire_settled_records(self, order_id: str, now_epoch: int) -> int:
        """Gives the order's shared reservation records that hold no HELD line their expiry, where
        no single settle did (reservation_records.sets_expiry); the number given one."""
        given = 0
        for item in query_partition(self.db, self.table, f"RESERVATION#{order_id}", consistent=True):
            if not reservation_records.settled_without_expiry(item):
                continue
            try:
                self.db.update_item(
                    TableName=self.table,
                    Key=to_item({"pk": item["pk"], "sk": item["sk"]}),
                    UpdateExpression="SET expires_at_epoch = :ttl",
                    ConditionExpression="attribute_not_exists(expires_at_epoch)",
                    ExpressionAttributeValues={":ttl": to_value(now_epoch + AUDIT_RETENTION_SECONDS)},
                )
                given += 1
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        return given

    def reservations(self, order_id: str) -> list[ReservationLine]:
        """Every line of the order, from records of one line and shared records alike."""
        return [line for item in query_partition(self.db, self.table, f"RESERVATION#{order_id}", consistent=True) for line in reservation_records.lines_of(item)]

    def expired_holds(self, now_iso: str, limit: int = 500) -> list[ReservationLine]:
        """HELD lines whose hold ran out, oldest first, across the expiry index's shards."""
        found: list[ReservationLine] = []
        for shard in range(EXPIRY_SHARDS):
            kwargs: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": EXPIRY_INDEX,
                "KeyConditionExpression": "expiry_shard = :shard AND hold_expires_at < :now",
                "ExpressionAttributeValues": {":shard": to_value(f"HELD#{shard}"), ":now": to_value(now_iso)},
                "Limit": limit,
            }
            page = self.db.query(**kwargs)
            found.extend(ReservationLine.model_validate(from_item(i)) for i in page["Items"])
        return sorted(found, key=lambda line: line.hold_expires_at)[:limit]

    # -- helpers -------------------------------------------------------------------------------

    def _settle_items(self, lines: Sequence[ReservationLine], state: ReservationState, reason: str, now_epoch: int, stock_update: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for record_lines in reservation_records.grouped(lines):
            line = record_lines[0]
            if line.group is not None:
                items.append(reservation_records.group_settle_update(self.table, record_lines, state, reason, now_epoch + AUDIT_RETENTION_SECONDS))
            else:
                items.append(
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": to_item(self._line_key(line)),
                            "UpdateExpression": "SET #state = :to, released_reason = :reason, expires_at_epoch = :ttl REMOVE expiry_shard",
                            "ConditionExpression": "#state = :held",
                            "ExpressionAttributeNames": {"#state": "state"},
                            "ExpressionAttributeValues": {
                                ":to": to_value(state.value),
                                ":reason": to_value(reason),
                                ":ttl": to_value(now_epoch + AUDIT_RETENTION_SECONDS),
                                ":held": to_value(_HELD),
                            },
                        }
                    }
                )
            for each in record_lines:
                items.extend(self._stock_updates(each, stock_update, "attribute_exists(pk)"))
        return items

    def _stock_updates(self, line: ReservationLine, expression: str, condition: str) -> list[dict[str, Any]]:
        """One update per stock item the line holds units in: the single item, or its buckets."""
        parts = [(a.bucket, a.quantity) for a in line.allocations] if line.allocations else [(None, line.quantity)]
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_item(stock_key(line.sku, line.warehouse_id, bucket)),
                    "UpdateExpression": expression,
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": {":q": to_value(quantity)},
                }
            }
            for bucket, quantity in parts
        ]

    @staticmethod
    def _line_key(line: ReservationLine) -> dict[str, str]:
        return reservation_records.record_key(line)

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self.db.get_item(TableName=self.table, Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None
