"""Who is in a merge, read and changed without the priced plan (so that after-sales, which only
asks "is this member's shipment released?", does not load the router): the merge record's
members, state and shipment order (shared/merging/store.py writes the whole record)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.aws.dynamo import from_item, to_item, to_value
from shared.aws.order_store import OrderStore


@dataclass(frozen=True)
class Membership:
    merge_id: str
    shipment_order_id: str
    members: tuple[str, ...]
    state: str


def _key(merge_id: str) -> dict:
    return to_item({"pk": f"MERGE#{merge_id}", "sk": "META"})


def membership(orders: OrderStore, merge_id: str) -> Membership | None:
    found = orders.db.get_item(TableName=orders.table, Key=_key(merge_id), ConsistentRead=True, ProjectionExpression="merge_id, shipment_order_id, members, #s", ExpressionAttributeNames={"#s": "state"})
    if "Item" not in found:
        return None
    item = from_item(found["Item"])
    return Membership(merge_id=item["merge_id"], shipment_order_id=item["shipment_order_id"], members=tuple(item["members"]), state=item["state"])


def drop_member(orders: OrderStore, merge: Membership, order_id: str) -> bool:
    """A member leaves the merge (its refund intercepted everything it had in the parcel): the
    shipment ships without it and it does not follow. From the members the caller read; False
    when they changed meanwhile."""
    try:
        orders.db.update_item(
            TableName=orders.table,
            Key=_key(merge.merge_id),
            UpdateExpression="SET members = :to",
            ConditionExpression="members = :from",
            ExpressionAttributeValues={":to": to_value([m for m in merge.members if m != order_id]), ":from": to_value(list(merge.members))},
        )
    except orders.db.exceptions.ConditionalCheckFailedException:
        return False
    return True
