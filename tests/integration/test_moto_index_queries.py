"""The index value maps (local/moto_patches.py, 10.) answer an index Query exactly as a pass over
the table would, through puts, updates that move an item between values or off the index, deletes,
overwrites and a cancelled transaction's undo."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.moto_tables import patched_table

TABLE = "index-maps"


@pytest.fixture
def db(monkeypatch):
    yield from patched_table(
        monkeypatch, TABLE, ("pk", "sk", "status", "at"),
        GlobalSecondaryIndexes=[{"IndexName": "by_status", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}],
    )  # fmt: skip


def by_status(db, status: str) -> list[str]:
    items = db.query(TableName=TABLE, IndexName="by_status", KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": status}})["Items"]
    return [i["pk"]["S"] for i in items]


def put(db, pk: str, status: str | None, at: str = "1") -> None:
    item = {"pk": {"S": pk}, "sk": {"S": "A"}, "at": {"S": at}} | ({"status": {"S": status}} if status else {})
    db.put_item(TableName=TABLE, Item=item)


def test_an_index_query_follows_every_kind_of_write(db):
    put(db, "o1", "RECEIVED", "1")
    assert by_status(db, "RECEIVED") == ["o1"]  # the first Query builds the map
    put(db, "o2", "RECEIVED", "2")
    put(db, "o3", "ROUTED", "3")
    assert by_status(db, "RECEIVED") == ["o1", "o2"] and by_status(db, "ROUTED") == ["o3"]
    db.update_item(TableName=TABLE, Key={"pk": {"S": "o1"}, "sk": {"S": "A"}}, UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "ROUTED"}})
    assert by_status(db, "RECEIVED") == ["o2"] and by_status(db, "ROUTED") == ["o1", "o3"]
    db.update_item(TableName=TABLE, Key={"pk": {"S": "o3"}, "sk": {"S": "A"}}, UpdateExpression="REMOVE #s", ExpressionAttributeNames={"#s": "status"})
    assert by_status(db, "ROUTED") == ["o1"]
    put(db, "o2", None)  # an overwrite without the attribute leaves the index
    assert by_status(db, "RECEIVED") == []
    db.delete_item(TableName=TABLE, Key={"pk": {"S": "o1"}, "sk": {"S": "A"}})
    assert by_status(db, "ROUTED") == []
    db.update_item(TableName=TABLE, Key={"pk": {"S": "o4"}, "sk": {"S": "A"}}, UpdateExpression="SET #s = :s, #a = :a", ExpressionAttributeNames={"#s": "status", "#a": "at"}, ExpressionAttributeValues={":s": {"S": "RESERVED"}, ":a": {"S": "4"}})
    assert by_status(db, "RESERVED") == ["o4"]  # an update that creates the item


def test_a_cancelled_transaction_leaves_the_index_as_it_was(db):
    put(db, "o1", "RECEIVED", "1")
    assert by_status(db, "RECEIVED") == ["o1"]
    with pytest.raises(ClientError):
        db.transact_write_items(TransactItems=[
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "o1"}, "sk": {"S": "A"}}, "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "ROUTED"}}}},
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "o2"}, "sk": {"S": "A"}, "status": {"S": "ROUTED"}, "at": {"S": "2"}}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": {"S": "o1"}, "sk": {"S": "A"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    assert by_status(db, "RECEIVED") == ["o1"] and by_status(db, "ROUTED") == []
