"""Warehouses, stock and reservations on DynamoDB. Key design (docs/data-model.md):

  pk = WAREHOUSE              sk = <warehouse_id>     a warehouse and its location
  pk = STOCK#<sku>            sk = <warehouse_id>     on_hand, reserved, safety_stock, available
  pk = RESERVATION#<order_id> sk = <warehouse>#<sku>  one reserved order line, its state and expiry
  pk = STOCKDELTA#<delta_id>  sk = APPLIED            marks a WMS/ERP movement as applied once
  pk = PACKAGES#<yyyy-mm-dd>  sk = <warehouse_id>     packages reserved that China day (daily capacity)

`available` (= on_hand − reserved − safety_stock) is stored, because a DynamoDB condition cannot
do arithmetic: a reservation is `available >= :q` → `available -= q, reserved += q`, atomically.
Every other write keeps the identity in the same request.

Methods named *_items return TransactWriteItems entries, so a use case can put stock changes and
the order's status change in one transaction.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from shared.aws.clients import client, resource_name
from shared.aws.dynamo import from_item, query_partition, to_item, to_value
from shared.inventory import (
    AUDIT_RETENTION_SECONDS,
    EXPIRY_SHARDS,
    ReservationLine,
    ReservationState,
    StockDelta,
    StockRecord,
    StockSnapshot,
)
from shared.routing import RoutingPlan, StockLevel, Warehouse, parse_warehouse
from shared.routing.network import CHINA_TIME

TABLE_ENV = "INVENTORY_TABLE"
EXPIRY_INDEX = "by_expiry"
_WAREHOUSE_CACHE_SECONDS = 60.0
_HELD = ReservationState.HELD.value


def expiry_shard(order_id: str) -> str:
    return f"HELD#{int(hashlib.sha256(order_id.encode()).hexdigest(), 16) % EXPIRY_SHARDS}"


class InventoryStore:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self._table = table_name
        self._client = dynamodb
        self._warehouses: tuple[float, list[Warehouse]] | None = None

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
        if self._warehouses and time.monotonic() - self._warehouses[0] < _WAREHOUSE_CACHE_SECONDS:
            return self._warehouses[1]
        found = [parse_warehouse(i) for i in query_partition(self.db, self.table, "WAREHOUSE")]  # a bad record is named
        self._warehouses = (time.monotonic(), found)
        return found

    # -- stock -------------------------------------------------------------------------------

    def put_stock(self, record: StockRecord) -> None:
        """Sets a stock record outright: seeding and tests. Live systems sync with snapshots/deltas."""
        item = {"pk": f"STOCK#{record.sku}", "sk": record.warehouse_id, **record.model_dump(), "available": record.available}
        self.db.put_item(TableName=self.table, Item=to_item(item))

    def stock_levels(self, skus: Iterable[str]) -> list[StockLevel]:
        return [
            StockLevel(sku=sku, warehouse_id=item["sk"], available=item["available"])
            for sku in sorted(set(skus))
            for item in query_partition(self.db, self.table, f"STOCK#{sku}")
        ]

    def stock_record(self, sku: str, warehouse_id: str) -> StockRecord | None:
        item = self._get(f"STOCK#{sku}", warehouse_id)
        return StockRecord.model_validate(item) if item else None

    def stored_available(self, sku: str, warehouse_id: str) -> int | None:
        """The `available` attribute as stored (the invariant tests compare it with the identity)."""
        item = self._get(f"STOCK#{sku}", warehouse_id)
        return item["available"] if item else None

    def apply_snapshot(self, snapshot: StockSnapshot) -> str:
        """Sets on_hand from a count, keeping every reservation. Returns 'applied', 'created' or
        'stale' (a newer count was applied already)."""
        key = {"pk": f"STOCK#{snapshot.sku}", "sk": snapshot.warehouse_id}
        for _ in range(5):  # the record's safety stock may change between our read and write
            current = self.stock_record(snapshot.sku, snapshot.warehouse_id)
            if current is None:
                record = StockRecord(sku=snapshot.sku, warehouse_id=snapshot.warehouse_id, on_hand=snapshot.on_hand, safety_stock=snapshot.safety_stock or 0)
                item = {**key, **record.model_dump(), "available": record.available, "as_of": snapshot.as_of}
                try:
                    self.db.put_item(TableName=self.table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")
                    return "created"
                except ClientError as error:
                    if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                        raise
                    continue
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
                latest = self._get(key["pk"], key["sk"]) or {}
                if latest.get("as_of", "") >= snapshot.as_of:
                    return "stale"
        raise RuntimeError(f"stock {snapshot.sku}@{snapshot.warehouse_id} kept changing while applying a snapshot")

    def delta_items(self, delta: StockDelta, now_epoch: int) -> list[dict[str, Any]]:
        """A movement applied once (the marker fails on a repeat), never driving on_hand below 0."""
        marker = {"pk": f"STOCKDELTA#{delta.delta_id}", "sk": "APPLIED", **delta.model_dump(), "expires_at_epoch": now_epoch + AUDIT_RETENTION_SECONDS}
        values = {":d": to_value(delta.change), ":zero": to_value(0), ":sku": to_value(delta.sku), ":wh": to_value(delta.warehouse_id)}
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item({"pk": f"STOCK#{delta.sku}", "sk": delta.warehouse_id}),
            "UpdateExpression": (
                "SET on_hand = if_not_exists(on_hand, :zero) + :d, available = if_not_exists(available, :zero) + :d, "
                "reserved = if_not_exists(reserved, :zero), safety_stock = if_not_exists(safety_stock, :zero), "
                "sku = :sku, warehouse_id = :wh"
            ),
            "ExpressionAttributeValues": values,
        }
        if delta.change < 0:
            update["ConditionExpression"] = "on_hand >= :taken"
            values[":taken"] = to_value(-delta.change)
        return [
            {"Put": {"TableName": self.table, "Item": to_item(marker), "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": update},
        ]

    # -- reservations ------------------------------------------------------------------------

    def packages_on(self, day: str) -> dict[str, int]:
        """Packages each warehouse has reserved on this China day (YYYY-MM-DD)."""
        return {item["sk"]: int(item["packages"]) for item in query_partition(self.db, self.table, f"PACKAGES#{day}")}

    def package_count_items(self, plan: RoutingPlan, now_epoch: int) -> list[dict[str, Any]]:
        """One package on each shipping warehouse's count for the day. Unconditional: daily
        capacity is a planning limit routing reads, not an invariant to enforce here."""
        day = datetime.fromtimestamp(now_epoch, CHINA_TIME).date().isoformat()
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_item({"pk": f"PACKAGES#{day}", "sk": shipment.warehouse_id}),
                    "UpdateExpression": "ADD packages :one",
                    "ExpressionAttributeValues": {":one": to_value(1)},
                }
            }
            for shipment in plan.shipments
        ]

    def reserve_items(self, lines: Sequence[ReservationLine], *, expires: bool) -> list[dict[str, Any]]:
        """Per line: the reservation record (refused while the same line is HELD: a repeated
        step), then the stock decrement (refused when available < quantity: a shortage).
        `expires` puts the line in the expiry index, for holds no order owns yet."""
        items: list[dict[str, Any]] = []
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
            items.append(self._stock_update(line, "SET available = available - :q, reserved = reserved + :q", "attribute_exists(pk) AND available >= :q"))
        return items

    def release_items(self, lines: Sequence[ReservationLine], reason: str, now_epoch: int) -> list[dict[str, Any]]:
        """Per line: HELD → RELEASED (refused when not HELD: released already), stock given back."""
        return self._settle_items(lines, ReservationState.RELEASED, reason, now_epoch, "SET reserved = reserved - :q, available = available + :q")

    def commit_items(self, lines: Sequence[ReservationLine], now_epoch: int) -> list[dict[str, Any]]:
        """Per line: HELD → COMMITTED, and the shipped units leave on_hand and reserved together."""
        return self._settle_items(lines, ReservationState.COMMITTED, "shipped", now_epoch, "SET on_hand = on_hand - :q, reserved = reserved - :q")

    def confirm_hold(self, line: ReservationLine) -> None:
        """The order owns this line now (RESERVED or later): it leaves the expiry index."""
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

    def reservations(self, order_id: str) -> list[ReservationLine]:
        return [ReservationLine.model_validate(i) for i in query_partition(self.db, self.table, f"RESERVATION#{order_id}", consistent=True)]

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
        for line in lines:
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
            items.append(self._stock_update(line, stock_update, "attribute_exists(pk)"))
        return items

    def _stock_update(self, line: ReservationLine, expression: str, condition: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": f"STOCK#{line.sku}", "sk": line.warehouse_id}),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": {":q": to_value(line.quantity)},
            }
        }

    @staticmethod
    def _line_key(line: ReservationLine) -> dict[str, str]:
        return {"pk": f"RESERVATION#{line.order_id}", "sk": f"{line.warehouse_id}#{line.sku}"}

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self.db.get_item(TableName=self.table, Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None
