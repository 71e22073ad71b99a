"""DynamoDB item sizes without rebuilding the item (decision 220; installed from local/moto_speed.py
and guarded by the same pinned-version test).

moto measures an item's size (the 1 MB page limit of every Query and Scan, twice per item read;
the 400 KB item limit) with `DynamoType.size()`, which for every map value builds a new
`DynamoType` of it, and that constructor wraps the map's values again, level by level: an order's
nested maps and lists were rebuilt once per level on every Query, a fifth of moto's Query. The
size itself is a plain function of each value's type and contents, written here with moto's rules
in moto's order (a number: its text's length; a set: its members as their scalar type; a list: its
elements; a map: each key's UTF-8 length plus its value; a boolean or null: 1; else the UTF-8
length of the string or the bytes' length), without building anything. tests/unit/test_moto_sizes.py
compares it with moto's own on every type and on random nested values.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.utilities import bytesize

_lock = threading.Lock()
_original_size = DynamoType.size
_SETS = ("SS", "NS", "BS")


def _kind_and_value(value: Any) -> tuple[str, Any]:
    if type(value) is DynamoType:
        return value.type, value.value
    # a {type: value} dict, as DynamoType(value) reads it
    return list(value)[0], list(value.values())[0]


def value_size(kind: str, value: Any) -> int:
    """moto's DynamoType({kind: value}).size()."""
    if kind == "S":  # the commonest first: no other rule applies to a string (a bool held as one is 1)
        return 1 if isinstance(value, bool) else len(value if isinstance(value, bytes) else value.encode("utf-8"))
    if kind == "N":
        return len(str(value))
    if kind in _SETS:
        member = kind[0]
        return sum([value_size(member, v) for v in value])
    if kind == "L":
        return sum([value_size(v.type, v.value) if type(v) is DynamoType else value_size(*_kind_and_value(v)) for v in value])
    if kind == "M":
        return sum([bytesize(k) + (value_size(v.type, v.value) if type(v) is DynamoType else value_size(*_kind_and_value(v))) for k, v in value.items()])
    if isinstance(value, bool):
        return 1
    return bytesize(value)


def _size(self: DynamoType) -> int:
    return value_size(self.type, self.value)


def install() -> None:
    with _lock:
        DynamoType.size = _size
