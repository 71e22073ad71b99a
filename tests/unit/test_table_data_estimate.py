"""The memory pass's table-data figure (local/moto_memory.table_data_mib) against what the items
really took, measured by tracemalloc: close to it (it once counted shared type tags and None in
every item, about 2.5× too much), and the walk leaves nothing behind (reading `__dict__` made a
dictionary per object on Python 3.11 that stayed in the process)."""

from __future__ import annotations

import gc
import tracemalloc

import boto3
from moto import mock_aws

from local import moto_memory


def test_the_estimate_is_near_what_the_items_took_and_the_walk_keeps_nothing(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
        types = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
        db.create_table(TableName="t", KeySchema=keys, AttributeDefinitions=types, BillingMode="PAY_PER_REQUEST")
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(1500):
                lines = {"L": [{"M": {"sku": {"S": f"SKU-{i % 40}"}, "quantity": {"N": "2"}}}]}
                item = {"pk": {"S": f"ORDER#{i}"}, "sk": {"S": "META"}, "status": {"S": "RELEASED"}, "version": {"N": str(i)}, "lines": lines}
                db.put_item(TableName="t", Item=item)
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
            estimate = moto_memory.table_data_mib() * 2**20
            gc.collect()
            left = tracemalloc.get_traced_memory()[0] - before - grown
        finally:
            tracemalloc.stop()
    assert 0.6 * grown <= estimate <= 1.3 * grown, (estimate / 2**20, grown / 2**20)
    assert left < 0.05 * grown, left
