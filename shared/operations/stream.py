"""The order store's change stream (DynamoDB Streams, NEW_AND_OLD_IMAGES) as order changes."""

from __future__ import annotations

import hashlib
from typing import Any

from shared.aws.dynamo import from_item
from shared.operations.domain import OrderChange, OrderImage

ORDER_KEY_PREFIX = "ORDER#"
ORDER_ITEM_SORT_KEY = "META"  # the stream also carries timeline and note items: not counted


def change_of(record: dict[str, Any]) -> OrderChange | None:
    """The change one stream record describes, or None when it is not an order item's write."""
    data = record.get("dynamodb") or {}
    keys = data.get("Keys") or {}
    if keys.get("sk", {}).get("S") != ORDER_ITEM_SORT_KEY or record.get("eventName") == "REMOVE":
        return None
    if not keys.get("pk", {}).get("S", "").startswith(ORDER_KEY_PREFIX):
        return None  # another record kept beside the orders under sk META (a 合单 merge: MERGE#<id>)
    new = OrderImage.of(from_item(data["NewImage"]))
    old = OrderImage.of(from_item(data["OldImage"])) if data.get("OldImage") else None
    return OrderChange(old=old, new=new)


def sequence_number(record: dict[str, Any]) -> str:
    return record["dynamodb"]["SequenceNumber"]


def stream_id(record: dict[str, Any]) -> str:
    """A short name of the stream a record comes from (its ARN carries the stream's label):
    sequence numbers are unique within one stream, not across a table's successive streams."""
    return hashlib.sha256(record.get("eventSourceARN", "").encode()).hexdigest()[:12]
