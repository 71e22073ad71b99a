"""The claim a chunked reservation holds on its order (shared/usecases/reserve_stock.py,
docs/decisions.md decision 27): attributes `reserving_by` / `reserving_until` on the order's META
item, which change no version. The claim fences the chunk writes, not the order's other writers."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shared.aws.dynamo import from_item, raise_if_transient, to_item, to_value
from shared.aws.order_store import OrderStore, StoredOrder
from shared.lifecycle import OrderStatus


def _pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


class ReservationClaims:
    def __init__(self, orders: OrderStore):
        self.table = orders.table
        self._orders = orders

    @property
    def db(self) -> Any:
        return self._orders.db

    def claim(self, current: StoredOrder, claimant: str, now: str, until: str) -> bool:
        """Claims the right to reserve a ROUTED order's stock in chunks until `until`, unless
        another claimant holds a live claim. The claim changes no version: it fences the chunk
        writes (check_item), not the order's other writers."""
        try:
            self.db.update_item(
                TableName=self.table,
                Key=to_item({"pk": _pk(current.order_id), "sk": "META"}),
                UpdateExpression="SET reserving_by = :me, reserving_until = :until",
                ConditionExpression="#version = :v AND #status = :routed AND (attribute_not_exists(reserving_by) OR reserving_by = :me OR reserving_until < :now)",
                ExpressionAttributeNames={"#version": "version", "#status": "status"},
                ExpressionAttributeValues={
                    ":me": to_value(claimant),
                    ":until": to_value(until),
                    ":now": to_value(now),
                    ":v": to_value(current.version),
                    ":routed": to_value(OrderStatus.ROUTED.value),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise_if_transient(error)
            raise
        return True

    def release(self, order_id: str, claimant: str) -> None:
        """Gives the claim up (a shortage ends this delivery's attempt); a no-op once it lapsed."""
        try:
            self.db.update_item(
                TableName=self.table,
                Key=to_item({"pk": _pk(order_id), "sk": "META"}),
                UpdateExpression="REMOVE reserving_by, reserving_until",
                ConditionExpression="reserving_by = :me",
                ExpressionAttributeValues={":me": to_value(claimant)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def claimant(self, order_id: str) -> str | None:
        item = self.db.get_item(TableName=self.table, Key=to_item({"pk": _pk(order_id), "sk": "META"}), ConsistentRead=True, ProjectionExpression="reserving_by").get("Item")
        return from_item(item).get("reserving_by") if item else None

    def check_item(self, current: StoredOrder, claimant: str) -> dict[str, Any]:
        """A transaction item that holds only while this claimant's claim on the ROUTED order does."""
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(current.order_id), "sk": "META"}),
                "ConditionExpression": "#version = :v AND #status = :routed AND reserving_by = :me",
                "ExpressionAttributeNames": {"#version": "version", "#status": "status"},
                "ExpressionAttributeValues": {":v": to_value(current.version), ":routed": to_value(OrderStatus.ROUTED.value), ":me": to_value(claimant)},
            }
        }

    @staticmethod
    def fenced_by_claim(transition_items: list[dict[str, Any]], claimant: str) -> list[dict[str, Any]]:
        """A status change's items (transition_items) that also require this claimant's claim."""
        update = transition_items[0]["Update"]
        update["ConditionExpression"] += " AND reserving_by = :claimant"
        update["ExpressionAttributeValues"][":claimant"] = to_value(claimant)
        return transition_items
