"""moto's dashboard list of DynamoDB items (local/moto_memory.TableItems) holds nothing per item:
it lists what the tables hold when read, so it cannot grow with the data beside the tables."""

from __future__ import annotations

import weakref

import boto3
from moto import mock_aws
from moto.core.common_models import BaseModel
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item

from local import moto_memory


def test_the_item_list_keeps_no_reference_per_item_and_lists_the_tables_items(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(BaseModel, "__new__", staticmethod(moto_memory._new_tracked_weakly))
    monkeypatch.setattr(Item, "instances_tracked", [])  # as moto's reset leaves it
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
        types = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
        db.create_table(TableName="t", KeySchema=keys, AttributeDefinitions=types, BillingMode="PAY_PER_REQUEST")
        for i in range(200):
            db.put_item(TableName="t", Item={"pk": {"S": f"ORDER#{i % 50}"}, "sk": {"S": f"LINE#{i}"}, "n": {"N": str(i)}})
        db.delete_item(TableName="t", Key={"pk": {"S": "ORDER#0"}, "sk": {"S": "LINE#0"}})
        table = dynamodb_backends["123456789012"]["us-east-1"].tables["t"]
        held = [item for items in table.items.values() for item in items.values()]

        assert all(weakref.getweakrefcount(item) == 0 for item in held)  # nothing per item beside the table
        listed = list(Item.instances_tracked)
        assert len(listed) == 199 and {id(i) for i in listed} == {id(i) for i in held}
        assert moto_memory.tracked_objects(Item) == 199
