"""Which stream records of the orders table the operations aggregates count: an order's META
writes only. Other records kept under sk META (a 合单 merge record, MERGE#<id>) must not stop the
shard as unreadable."""

from __future__ import annotations

from shared.aws.dynamo import to_item
from shared.operations.stream import change_of

ORDER_META = {"pk": "ORDER#OMS-1", "sk": "META", "order_id": "OMS-1", "status": "RECEIVED", "version": 1, "created_at": "2026-11-11T00:00:00Z", "updated_at": "2026-11-11T00:00:00Z", "channel_key": "tmall#2"}


def record(item: dict, event: str = "INSERT") -> dict:
    return {"eventName": event, "dynamodb": {"Keys": to_item({"pk": item["pk"], "sk": item["sk"]}), "NewImage": to_item(item), "SequenceNumber": "1"}}


def test_an_orders_meta_write_is_a_change_and_a_merge_record_is_not():
    change = change_of(record(ORDER_META))
    assert change is not None and change.new.order_id == "OMS-1" and change.new.channel == "tmall"
    merge = {"pk": "MERGE#M-1", "sk": "META", "merge_id": "M-1", "state": "MERGED", "members": ["OMS-1", "OMS-2"]}
    assert change_of(record(merge)) is None
    assert change_of(record({**ORDER_META, "sk": "TL#000002"})) is None
