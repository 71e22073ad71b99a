"""Warehouses, stock and reservations on DynamoDB. Key design (docs/data-model.md):

  pk = WAREHOUSE              sk = <warehouse_id>   a warehouse and its location
  pk = STOCK#<sku>            sk = <warehouse_id>   on_hand, reserved, safety_stock, available
  pk = RESERVATION#<order_id> sk = ORDER            the order's reservation: its lines, expiry
  pk = PACKAGES#<yyyy-mm-dd>  sk = <warehouse_id>   packages reserved that China day (daily capacity)

`available` (= on_hand − reserved − safety_stock) is stored, because a DynamoDB condition cannot
do arithmetic: a reservation is `available >= :q` → `available -= q, reserved += q`, atomically.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from shared.aws.clients import client, resource_name
from shared.aws.dynamo import from_item, query_partition, to_item, to_value
from shared.routing import PlannedLine, RoutingPlan, StockLevel, Warehouse, parse_warehouse
from shared.routing.network import CHINA_TIME

TABLE_ENV = "INVENTORY_TABLE"
RESERVATION_TTL_SECONDS = 7 * 24 * 3600
_WAREHOUSE_CACHE_SECONDS = 60.0


class StockRecord(BaseModel):
    sku: str
    warehouse_id: str
    on_hand: int
    reserved: int = 0
    safety_stock: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.safety_stock


class ReservedLine(PlannedLine):
    warehouse_id: str


class InventoryStore:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self.table = table_name or resource_name(TABLE_ENV)
        self._client = dynamodb
        self._warehouses: tuple[float, list[Warehouse]] | None = None

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
        found = [parse_warehouse(i) for i in self._query("WAREHOUSE")]  # a bad record is named
        self._warehouses = (time.monotonic(), found)
        return found

    # -- stock -------------------------------------------------------------------------------

    def put_stock(self, record: StockRecord) -> None:
        """Sets a stock record outright (seeding; WMS snapshot sync arrives with its own issue)."""
        item = {
            "pk": f"STOCK#{record.sku}",
            "sk": record.warehouse_id,
            **record.model_dump(),
            "available": record.available,
        }
        self.db.put_item(TableName=self.table, Item=to_item(item))

    def stock_levels(self, skus: Iterable[str]) -> list[StockLevel]:
        levels = []
        for sku in sorted(set(skus)):
            for item in self._query(f"STOCK#{sku}"):
                levels.append(StockLevel(sku=sku, warehouse_id=item["sk"], available=item["available"]))
        return levels

    def stock_record(self, sku: str, warehouse_id: str) -> StockRecord | None:
        response = self.db.get_item(
            TableName=self.table, Key=to_item({"pk": f"STOCK#{sku}", "sk": warehouse_id}), ConsistentRead=True
        )
        return StockRecord.model_validate(from_item(response["Item"])) if "Item" in response else None

    # -- reservations ------------------------------------------------------------------------

    def packages_on(self, day: str) -> dict[str, int]:
        """Packages each warehouse has reserved on this China day (YYYY-MM-DD)."""
        return {item["sk"]: int(item["packages"]) for item in self._query(f"PACKAGES#{day}")}

    def reservation_items(self, order_id: str, plan: RoutingPlan, now_epoch: int) -> tuple[list[dict], list[ReservedLine]]:
        """Transaction items that lock a plan's stock: the reservation record first (it fails when
        the order already holds one: a repeated step), then one conditional decrement per line,
        then one package on each shipping warehouse's count for the day (unconditional: capacity
        is a planning limit that routing reads, not an invariant)."""
        lines = [
            ReservedLine(warehouse_id=s.warehouse_id, sku=line.sku, quantity=line.quantity)
            for s in plan.shipments
            for line in s.lines
        ]
        record = {
            "pk": f"RESERVATION#{order_id}",
            "sk": "ORDER",
            "order_id": order_id,
            "lines": [line.model_dump() for line in lines],
            "state": "HELD",
            "created_epoch": now_epoch,
            "expires_at_epoch": now_epoch + RESERVATION_TTL_SECONDS,
        }
        items = [{"Put": {"TableName": self.table, "Item": to_item(record), "ConditionExpression": "attribute_not_exists(pk)"}}]
        for line in lines:
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": to_item({"pk": f"STOCK#{line.sku}", "sk": line.warehouse_id}),
                        "UpdateExpression": "SET available = available - :q, reserved = reserved + :q",
                        "ConditionExpression": "attribute_exists(pk) AND available >= :q",
                        "ExpressionAttributeValues": {":q": to_value(line.quantity)},
                    }
                }
            )
        day = datetime.fromtimestamp(now_epoch, CHINA_TIME).date().isoformat()
        for shipment in plan.shipments:
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": to_item({"pk": f"PACKAGES#{day}", "sk": shipment.warehouse_id}),
                        "UpdateExpression": "ADD packages :one",
                        "ExpressionAttributeValues": {":one": to_value(1)},
                    }
                }
            )
        return items, lines

    def reservation(self, order_id: str) -> list[ReservedLine] | None:
        response = self.db.get_item(
            TableName=self.table, Key=to_item({"pk": f"RESERVATION#{order_id}", "sk": "ORDER"}), ConsistentRead=True
        )
        if "Item" not in response:
            return None
        return [ReservedLine.model_validate(line) for line in from_item(response["Item"])["lines"]]

    def _query(self, pk: str) -> list[dict[str, Any]]:
        return query_partition(self.db, self.table, pk)
