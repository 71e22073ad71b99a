"""The merge record (AWS adapter): `pk = MERGE#<merge id>`, `sk = META` in the orders table. It
names the shipment order, each member with its channel, external id and own lines (what the
write-back tells each channel), the priced plan and its state (MERGED, UNMERGED, SHIPPED)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from shared.aws.dynamo import batch_get, from_item, to_item, to_value
from shared.aws.order_store import OrderStore
from shared.merging.plan import MergePlan

State = Literal["MERGED", "UNMERGED", "SHIPPED"]


class MergeRecord(BaseModel, defer_build=True):
    merge_id: str
    shipment_order_id: str
    members: list[str]
    plan: MergePlan
    decided_by: str
    reason: str
    created_at: str
    state: State = "MERGED"
    unmerged_because: str | None = None


class MergeStore:
    def __init__(self, orders: OrderStore):
        self.orders = orders

    def _key(self, merge_id: str) -> dict[str, Any]:
        return to_item({"pk": f"MERGE#{merge_id}", "sk": "META"})

    def put_item(self, record: MergeRecord) -> dict[str, Any]:
        """The transaction item that stores the record once, beside the members' status changes."""
        item = {"pk": f"MERGE#{record.merge_id}", "sk": "META", **record.model_dump(mode="json", exclude_none=True)}
        return {"Put": {"TableName": self.orders.table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}

    def load(self, merge_id: str) -> MergeRecord | None:
        found = self.orders.db.get_item(TableName=self.orders.table, Key=self._key(merge_id), ConsistentRead=True)
        return MergeRecord.model_validate(from_item(found["Item"])) if "Item" in found else None

    def load_many(self, merge_ids: list[str]) -> list[MergeRecord]:
        """The merges with these ids that exist, in one batch read (eventually consistent)."""
        items = batch_get(self.orders.db, self.orders.table, [{"pk": f"MERGE#{m}", "sk": "META"} for m in merge_ids])
        return [MergeRecord.model_validate(i) for i in items]

    def set_state(self, record: MergeRecord, state: State, why: str | None = None) -> bool:
        """From the state the caller read only; False when another delivery moved it first."""
        try:
            self.orders.db.update_item(
                TableName=self.orders.table,
                Key=self._key(record.merge_id),
                UpdateExpression="SET #s = :to" + (", unmerged_because = :why" if why else ""),
                ConditionExpression="#s = :from",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":to": to_value(state), ":from": to_value(record.state), **({":why": to_value(why)} if why else {})},
            )
        except self.orders.db.exceptions.ConditionalCheckFailedException:
            return False
        return True
