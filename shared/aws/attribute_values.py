"""Python values to DynamoDB attribute values and back, without boto3.

The functions talk to AWS through botocore clients only (shared/aws/clients.py): importing boto3
costs a new container about 25 ms more (its session, resources and s3transfer), and oms used boto3
for nothing but these two conversions (docs/decisions.md, decision 158). The mapping is DynamoDB's:

  None -> NULL, bool -> BOOL, int/Decimal -> N, str -> S, bytes -> B, list/tuple -> L,
  dict -> M, a set of numbers/strings/bytes -> NS/SS/BS

Numbers go through DynamoDB's own decimal limits (38 significant digits, exponent -130..125):
a number DynamoDB would round or refuse is refused here, before the request. Floats are refused
(convert them with Decimal(str(x)) first, as shared/aws/dynamo.py does). Numbers come back as
Decimal, binary as bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def serialize(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return {"BOOL": value}
    if isinstance(value, (int, Decimal)):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray)):
        return {"B": bytes(value)}
    if isinstance(value, (set, frozenset)):
        return _set(value)
    if isinstance(value, Mapping):
        return {"M": {key: serialize(item) for key, item in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [serialize(item) for item in value]}
    raise TypeError(f"DynamoDB cannot store {type(value).__name__} {value!r}")


def deserialize(attribute: dict[str, Any]) -> Any:
    if len(attribute) != 1:
        raise TypeError(f"not one DynamoDB attribute value: {attribute!r}")
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return NUMBERS.create_decimal(value)
    if kind == "M":
        return {key: deserialize(item) for key, item in value.items()}
    if kind == "L":
        return [deserialize(item) for item in value]
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "B":
        return bytes(value)
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {NUMBERS.create_decimal(number) for number in value}
    if kind == "BS":
        return {bytes(item) for item in value}
    raise TypeError(f"unknown DynamoDB attribute type {kind!r}")


def _number(value: int | Decimal) -> str:
    if isinstance(value, Decimal) and not value.is_finite():
        raise TypeError(f"DynamoDB cannot store the number {value}")
    return str(NUMBERS.create_decimal(value))


def _set(values: set[Any] | frozenset[Any]) -> dict[str, Any]:
    if not values:
        raise TypeError("DynamoDB cannot store an empty set")
    if all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in values):
        return {"NS": [_number(v) for v in values]}
    if all(isinstance(v, str) for v in values):
        return {"SS": list(values)}
    if all(isinstance(v, (bytes, bytearray)) for v in values):
        return {"BS": [bytes(v) for v in values]}
    raise TypeError(f"DynamoDB sets hold numbers, strings or bytes of one kind: {values!r}")
