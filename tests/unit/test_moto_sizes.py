"""local/moto_sizes.py measures every DynamoDB value as moto's own DynamoType.size() does, and a
Query's page still ends where moto's 1 MB limit ends it."""

from __future__ import annotations

import inspect

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from local import moto_items, moto_sizes

ORIGINAL = moto_sizes._original_size

text = st.text(max_size=12)
scalars = st.one_of(
    text.map(lambda s: {"S": s}),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: {"N": str(d)}),
    st.binary(max_size=8).map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(text, min_size=1, max_size=4, unique=True).map(lambda v: {"SS": v}),
    st.lists(st.integers(-10**6, 10**6).map(str), min_size=1, max_size=4, unique=True).map(lambda v: {"NS": v}),
    st.lists(st.binary(min_size=1, max_size=4), min_size=1, max_size=3, unique=True).map(lambda v: {"BS": v}),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4).map(lambda v: {"L": v}), st.dictionaries(text, inner, max_size=4).map(lambda v: {"M": v})),
    max_leaves=25,
)


def original_size(value: dict) -> int:
    return ORIGINAL(DynamoType(value))


@settings(max_examples=400, deadline=None)
@given(values)
def test_every_value_has_the_size_moto_gives_it(value):
    assert moto_sizes.value_size(*next(iter(value.items()))) == original_size(value)
    assert moto_sizes._size(DynamoType(value)) == original_size(value)


def test_each_type_as_moto_measures_it():
    cases = [
        {"S": "上海市"}, {"S": ""}, {"N": "19.90"}, {"N": "-1E+3"}, {"B": b"\x00\xff"}, {"B": "YWJj"}, {"BOOL": False}, {"NULL": True},
        {"SS": ["a", "上"]}, {"NS": ["1", "2.5"]}, {"BS": [b"x", b"\xfe\xff"]},
        {"M": {"lines": {"L": [{"M": {"sku": {"S": "SKU-1"}, "qty": {"N": "2"}}}, {"NULL": True}]}, "键": {"M": {}}}}, {"L": []},
    ]
    for value in cases:
        assert moto_sizes.value_size(*next(iter(value.items()))) == original_size(value), value


def test_an_item_is_its_keys_and_values():
    moto_sizes.install()
    item = Item(DynamoType({"S": "ORDER#1"}), DynamoType({"S": "META"}), {"pk": {"S": "ORDER#1"}, "sk": {"S": "META"}, "m": {"M": {"a": {"L": [{"N": "1"}]}}}})
    assert item.size() == sum(len(k) + ORIGINAL(v) for k, v in item.attrs.items())


def test_a_query_page_still_ends_at_one_megabyte(fake_aws):
    """Items of ~100 KB: moto's limit (the sizes summed) ends the first page after 9 items (1,000,000 bytes) and
    hands out the key to go on from; with the sizes measured here the same."""
    moto_sizes.install()
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        )
        for i in range(15):
            ddb.put_item(TableName="t", Item={"pk": {"S": "P"}, "sk": {"S": f"{i:02d}"}, "body": {"M": {"text": {"S": "x" * 100_000}}}})
        page = ddb.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "P"}})
        assert page["Count"] == 9 and page["LastEvaluatedKey"] == {"pk": {"S": "P"}, "sk": {"S": "08"}}
        rest = ddb.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "P"}}, ExclusiveStartKey=page["LastEvaluatedKey"])
        assert rest["Count"] == 6 and "LastEvaluatedKey" not in rest


def test_moto_still_measures_with_the_rules_copied():
    """The guard: moto's size() is still the rules moto_sizes copies, in that order."""
    source = inspect.getsource(ORIGINAL)
    order = ["self.is_number()", "len(str(self.value))", "self.is_set()", "self.is_list()", "self.is_map()", "bytesize(k) + DynamoType(v).size()", "isinstance(self.value, bool)", "value_size = 1", "bytesize(self.value)"]
    positions = [source.index(part) for part in order]
    assert positions == sorted(positions)
    assert "return sum(bytesize(key) + value.size() for key, value in self.attrs.items())" in inspect.getsource(moto_items._original_item_size)  # moto's, which moto_items wraps
