"""A cancelled transaction leaves nothing in the table's stream (local/moto_patches.py, 4.): on
AWS a TransactWriteItems that is cancelled writes nothing, so no stream record. moto appends a
record per item as it applies them; the undo that rolls a cancelled one back must take them out
again, or the stream's readers (the operations aggregator, the release publisher) see changes
that never happened: an inventory lock refused for a stock shortage left its META update
ROUTED -> RESERVED in the stream, and the console counted that order in RESERVED for good."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.moto_tables import patched_table

TABLE = "stream-undo"


@pytest.fixture
def db(monkeypatch):
    yield from patched_table(monkeypatch, TABLE, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def stream_changes(db) -> list[tuple[str, str | None, str | None]]:
    """The table's stream as the local stream poller reads it (moto's shard, local/stream_records.py)."""
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends["123456789012"]["us-east-1"].tables[TABLE].stream_shard
    status = lambda image: image.get("status", {}).get("S")  # noqa: E731
    return [(r.record["dynamodb"]["Keys"]["pk"]["S"], status(r.record["dynamodb"].get("OldImage", {})), status(r.record["dynamodb"].get("NewImage", {}))) for r in shard.items]


def test_a_cancelled_transaction_leaves_no_record_in_the_stream(db):
    db.put_item(TableName=TABLE, Item={"pk": {"S": "ORDER#1"}, "sk": {"S": "META"}, "status": {"S": "ROUTED"}})
    db.put_item(TableName=TABLE, Item={"pk": {"S": "STOCK#TEA"}, "sk": {"S": "WH-SH"}, "available": {"N": "0"}})
    reserve = [
        {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "ORDER#1"}, "sk": {"S": "META"}}, "UpdateExpression": "SET #s = :r", "ConditionExpression": "#s = :routed",
                    "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":r": {"S": "RESERVED"}, ":routed": {"S": "ROUTED"}}}},
        {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "STOCK#TEA"}, "sk": {"S": "WH-SH"}}, "UpdateExpression": "SET available = available - :one", "ConditionExpression": "available >= :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
    ]
    with pytest.raises(ClientError) as refused:
        db.transact_write_items(TransactItems=reserve)
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert db.get_item(TableName=TABLE, Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "META"}})["Item"]["status"]["S"] == "ROUTED"
    assert stream_changes(db) == [("ORDER#1", None, "ROUTED"), ("STOCK#TEA", None, None)]
    db.update_item(TableName=TABLE, Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "META"}}, UpdateExpression="SET #s = :b", ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":b": {"S": "BACKORDERED"}})
    assert stream_changes(db)[-1] == ("ORDER#1", "ROUTED", "BACKORDERED")
    assert len(stream_changes(db)) == 3
