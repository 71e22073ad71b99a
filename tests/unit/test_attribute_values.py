"""shared/aws/attribute_values.py converts as boto3's TypeSerializer/TypeDeserializer did (the
functions no longer import boto3: decision 158), and refuses what DynamoDB would refuse."""

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

from shared.aws.attribute_values import deserialize, serialize

VALUES = [
    None,
    True,
    False,
    0,
    -7,
    10**37,
    Decimal("12.50"),
    Decimal("-0.0001"),
    Decimal("1E+5"),
    "",
    "上海市浦东新区",
    b"\x00\xffbytes",
    [],
    {},
    [1, "two", None, [Decimal("3.3")], {"k": False}],
    {"order_id": "o-1", "lines": [{"sku": "A", "quantity": 2, "price": Decimal("9.99")}], "meta": {"nested": {"deep": [True]}}},
    {"a", "b"},
    {1, Decimal("2.5")},
    {b"x", b"y"},
]


def _stable_id(value):
    """A test id every xdist worker computes alike: a set's order and an object's address vary per process."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(map(repr, value))) + "}" if value else "set()"
    if type(value) is object:
        return "object()"
    return repr(value)


@pytest.mark.parametrize("value", VALUES, ids=_stable_id)
def test_a_value_is_serialized_as_boto3_did(value):
    expected = TypeSerializer().serialize(value)
    got = serialize(value)
    if isinstance(value, (set, frozenset)):  # set order is arbitrary
        assert got.keys() == expected.keys()
        kind = next(iter(got))
        assert sorted(got[kind]) == sorted(bytes(v) if isinstance(v, Binary) else v for v in expected[kind])
    else:
        assert got == _plain_binary(expected)


@pytest.mark.parametrize("value", VALUES, ids=_stable_id)
def test_a_value_comes_back_as_boto3_gave_it(value):
    attribute = TypeSerializer().serialize(value)
    assert deserialize(_plain_binary(attribute)) == _plain_binary(TypeDeserializer().deserialize(attribute))


@pytest.mark.parametrize(
    "value",
    [1.5, Decimal("NaN"), Decimal("Infinity"), Decimal("1." + "1" * 40), Decimal("1E+200"), set(), {1, "a"}, object()],
    ids=_stable_id,
)
def test_what_dynamodb_would_refuse_is_refused_before_the_request(value):
    with pytest.raises(TypeError if not isinstance(value, Decimal) or not value.is_finite() else ArithmeticError):
        serialize(value)


def test_numbers_come_back_as_decimals_and_binary_as_bytes():
    assert deserialize({"N": "10"}) == Decimal(10)
    assert isinstance(deserialize({"N": "10"}), Decimal)
    assert deserialize({"B": b"ab"}) == b"ab"
    assert deserialize({"M": {"s": {"SS": ["a"]}, "n": {"NS": ["1", "2"]}}}) == {"s": {"a"}, "n": {Decimal(1), Decimal(2)}}
    with pytest.raises(TypeError):
        deserialize({"S": "a", "N": "1"})


def _plain_binary(value):
    """boto3 wraps binary in its Binary class; oms passes plain bytes."""
    if isinstance(value, Binary):
        return bytes(value)
    if isinstance(value, dict):
        return {k: _plain_binary(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_binary(v) for v in value]
    if isinstance(value, set):
        return {_plain_binary(v) for v in value}
    return value
