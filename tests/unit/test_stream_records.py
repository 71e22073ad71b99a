"""local/stream_records.py: the local event source mappings read a stream's records from moto's
models, and get what GetRecords gives, in Lambda's form (creation time in whole epoch seconds,
binary as base64 text), with nothing shared with moto's store (decision 245)."""

from __future__ import annotations

import base64
import uuid

import boto3
import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from local import transport
from local.stream_poller import _as_lambda_gives
from local.stream_records import BackendStreams

ENDPOINT = "http://127.0.0.1:9"  # the discard port: only the in-process transport answers


@pytest.fixture
def clients(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    transport.install(DomainDispatcherApplication(create_backend_app), ENDPOINT)
    yield (boto3.client("dynamodb", region_name="us-east-1", endpoint_url=ENDPOINT), boto3.client("dynamodbstreams", region_name="us-east-1", endpoint_url=ENDPOINT))
    transport.uninstall(ENDPOINT)


def _table_with_changes(ddb) -> str:
    name = f"stream-{uuid.uuid4().hex[:8]}"
    arn = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    item = {
        "pk": {"S": "ORDER#1"},
        "sk": {"S": "META"},
        "status": {"S": "RECEIVED"},
        "version": {"N": "1"},
        "total": {"N": "59.90"},
        "paid": {"BOOL": True},
        "note": {"NULL": True},
        "tags": {"SS": ["双11", "vip"]},
        "sizes": {"NS": ["1", "2.5"]},
        "entry_z": {"B": b"\x78\x9c\x00\xff"},
        "chunks": {"BS": [b"\x01", b"\x02\x03"]},
        "receiver": {"M": {"city": {"S": "上海市"}, "lines": {"L": [{"M": {"sku": {"S": "A"}, "q": {"N": "2"}}}, {"B": b"\x00"}]}}},
    }
    ddb.put_item(TableName=name, Item=item)
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "META"}},
        UpdateExpression="SET #s = :s, version = version + :one REMOVE note",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "APPROVED"}, ":one": {"N": "1"}},
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "ORDER#2"}, "sk": {"S": "TL#1"}, "entry_z": {"B": b"zz"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "ORDER#2"}, "sk": {"S": "TL#1"}})
    return arn


def _iterator(streams, arn: str) -> str:
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    return streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]


def _as_lambda_event_carries(value):
    """What GetRecords gave through botocore, in Lambda's form: binary back to base64 text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _as_lambda_event_carries(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_lambda_event_carries(v) for v in value]
    return value


def test_the_records_are_what_get_records_gives_in_lambdas_form(clients):
    ddb, streams = clients
    arn = _table_with_changes(ddb)
    through_api = streams.get_records(ShardIterator=_iterator(streams, arn), Limit=1000)["Records"]
    direct = BackendStreams(streams).get_records(ShardIterator=_iterator(streams, arn), Limit=1000)["Records"]
    assert [r["eventName"] for r in direct] == ["INSERT", "MODIFY", "INSERT", "REMOVE"]
    expected = [_as_lambda_event_carries({**r, "dynamodb": _as_lambda_gives(r["dynamodb"])}) for r in through_api]
    assert [{**r, "dynamodb": _as_lambda_gives(r["dynamodb"])} for r in direct] == expected
    created = direct[0]["dynamodb"]["ApproximateCreationDateTime"]
    assert isinstance(created, float) and created == int(created)
    assert direct[0]["dynamodb"]["NewImage"]["entry_z"] == {"B": base64.b64encode(b"\x78\x9c\x00\xff").decode()}


def test_reading_goes_on_from_the_next_iterator_and_shares_nothing_with_moto(clients):
    ddb, streams = clients
    arn = _table_with_changes(ddb)
    reader = BackendStreams(streams)
    first = reader.get_records(ShardIterator=_iterator(streams, arn), Limit=2)
    assert [r["eventName"] for r in first["Records"]] == ["INSERT", "MODIFY"]
    first["Records"][0]["dynamodb"]["NewImage"]["status"]["S"] = "CHANGED BY A HANDLER"
    rest = reader.get_records(ShardIterator=first["NextShardIterator"], Limit=1000)
    assert [r["eventName"] for r in rest["Records"]] == ["INSERT", "REMOVE"]
    assert reader.get_records(ShardIterator=rest["NextShardIterator"], Limit=1000)["Records"] == []
    again = reader.get_records(ShardIterator=_iterator(streams, arn), Limit=1)["Records"][0]
    assert again["dynamodb"]["NewImage"]["status"] == {"S": "RECEIVED"}  # moto's stored record untouched
