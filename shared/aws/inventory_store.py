"""Warehouses, stock and reservations on DynamoDB. Key design (docs/data-model.md):

  pk = WAREHOUSE              sk = <warehouse_id>     a warehouse and its location
  pk = STOCK#<sku>            sk = <warehouse_id>     on_hand, reserved, safety_stock, available
  pk = STOCK#<sku>            sk = <warehouse>#b<k>   the same, per bucket of a hot SKU (never
                                                      next to the single item of that warehouse)
  pk = RESERVATION#<order_id> sk = <warehouse>#<sku>  one reserved order line, its state and expiry
  pk = RESERVATION#<order_id> sk = ORDER#<version>    the lines reserved with the order's status
                                                      change, in one record (reservation_records.py)
  pk = STOCKDELTA#<delta_id>  sk = APPLIED            marks a WMS/ERP movement as applied once
                                                      (counts and movements: stock_counts.py)
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
from shared.clock import CHINA_TIME
from shared.inventory import (
    AUDIT_RETENTION_SECONDS,
    EXPIRY_SHARDS,
    ReservationLine,
    ReservationState,
    StockBucket,
    StockRecord,
)
from shared.routing.model import RoutingPlan, StockLevel, Warehouse
from shared.stock_buckets import WarehouseStock

_LOG = logging.getLogger("oms.inventory")
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
        item = self.item(f"STOCK#{sku}", warehouse_id)
        if item:
            return StockRecord.model_validate(item)
        return self.warehouse_stock(sku, warehouse_id).total()

    def stored_available(self, sku: str, warehouse_id: str, bucket: int | None = None) -> int | None:
        """The `available` attribute as stored (the invariant tests compare it with the identity)."""
        item = self.item(**stock_key(sku, warehouse_id, bucket))
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
        items = [self._unchanged_delete(stock.record, None, stock.as_of)]
        items += [self.new_stock_put(bucket, stock.as_of, {"bucket": bucket.bucket, "bucket_count": len(buckets)}) for bucket in buckets]
        split = self.all_or_nothing(items)
        self._remember_layout(stock.sku, stock.warehouse_id, split)
        return split

    def merge_stock(self, stock: WarehouseStock, merged: StockRecord) -> bool:
        """Replaces the buckets by one item in one transaction, provided every bucket is still as
        read and holds no reservation. False when one changed in between (nothing written)."""
        items = [self._unchanged_delete(bucket, bucket.bucket, stock.as_of) for bucket in stock.buckets]
        items.append(self.new_stock_put(merged, stock.as_of, {}))
        merged_now = self.all_or_nothing(items)
        self._remember_layout(stock.sku, stock.warehouse_id, not merged_now)
        return merged_now

    def _unchanged_delete(self, record: StockRecord, bucket: int | None, as_of: str | None) -> dict[str, Any]:
        """Deletes a stock item still as read, its count's time included: the new items copy that
        time, and a count landing in between with the same on hand must not be set back (a
        movement that count holds would then be applied again, decision 251)."""
        values = {":on_hand": to_value(record.on_hand), ":none": to_value(0), ":safety": to_value(record.safety_stock)}
        counted = "attribute_not_exists(as_of)"
        if as_of is not None:
            counted, values[":as_of"] = "as_of = :as_of", to_value(as_of)
        return {
            "Delete": {
                "TableName": self.table,
                "Key": to_item(stock_key(record.sku, record.warehouse_id, bucket)),
                "ConditionExpression": f"on_hand = :on_hand AND reserved = :none AND safety_stock = :safety AND {counted}",
                "ExpressionAttributeValues": values,
            }
        }

    def new_stock_put(self, record: StockRecord, as_of: str | None, extra: dict[str, Any]) -> dict[str, Any]:
        fields = record.model_dump(exclude={"bucket"})  # a bucket's number comes with `extra`
        item = {**stock_key(record.sku, record.warehouse_id, extra.get("bucket")), **fields, "available": record.available, **extra}
        if as_of:
            item["as_of"] = as_of
        return {"Put": {"TableName": self.table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}

    def all_or_nothing(self, items: list[dict[str, Any]]) -> bool:
        try:
            transact_write(self.db, items)
            return True
        except TransactionCancelled:
            return False

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

    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self.db.get_item(TableName=self.table, Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None
