"""The claim a chunked reservation holds on its order (shared/usecases/reserve_stock.py,
docs/decisions.md decision 27): attributes `reserving_by` / `reserving_until` on the order's META
item, which change no version. The claim fences the chunk writes, not the order's other writers."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shared.aws.dynamo import from_item, to_item, to_value
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
        writes (check_item), not the order's other writers. Written with OrderStore's
        set_if_unchanged: first as the order's first claim; when one exists, read it and take it
        over only if it is this claimant's or lapsed, conditioned on it being unchanged."""
        claim = {"reserving_by": claimant, "reserving_until": until}
        routed = {"status": OrderStatus.ROUTED.value}
        if self._orders.set_if_unchanged(current, claim, expect={**routed, "reserving_by": None}):
            return True
        seen = self._claim_of(current.order_id)
        if seen is None or not seen.get("reserving_by"):
            return False  # moved on (a new version or status), not claimed
        if seen["reserving_by"] != claimant and seen.get("reserving_until", "") >= now:
            return False  # another delivery's live claim
        return self._orders.set_if_unchanged(current, claim, expect={**routed, "reserving_by": seen["reserving_by"], "reserving_until": seen.get("reserving_until")})

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
        seen = self._claim_of(order_id)
        return seen.get("reserving_by") if seen else None

    def _claim_of(self, order_id: str) -> dict[str, Any] | None:
        item = self.db.get_item(
            TableName=self.table, Key=to_item({"pk": _pk(order_id), "sk": "META"}), ConsistentRead=True, ProjectionExpression="reserving_by, reserving_until"
        ).get("Item")
        return from_item(item) if item else None

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
    def unclaimed(transition_items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A status change's items (transition_items) that also require that no delivery holds a
        claim: the one-transaction path and the chunked path then exclude each other. A copy: the
        items given stay as they are for the chunked path's fenced_by_claim."""
        update = dict(transition_items[0]["Update"])
        update["ConditionExpression"] += " AND attribute_not_exists(reserving_by)"
        return [{"Update": update}, *transition_items[1:]]

    @staticmethod
    def fenced_by_claim(transition_items: list[dict[str, Any]], claimant: str) -> list[dict[str, Any]]:
        """A status change's items (transition_items) that also require this claimant's claim."""
        update = transition_items[0]["Update"]
        update["ConditionExpression"] += " AND reserving_by = :claimant"
        update["ExpressionAttributeValues"][":claimant"] = to_value(claimant)
        return transition_items
