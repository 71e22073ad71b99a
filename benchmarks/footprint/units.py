"""DynamoDB capacity units from item sizes, as DynamoDB bills them.

- Item size: the UTF-8 bytes of every attribute name plus its value (strings as UTF-8, numbers
  about one byte per two digits plus one, binary as is, booleans and nulls one byte, lists and
  maps three bytes plus one per element plus their contents).
- Writes: one unit per started KB of the larger of the item before and after the write (a
  delete: the item deleted); a transactional write counts twice.
- Index writes (every global secondary index whose key attributes the item has): a new entry is
  one write of its projected size; a changed key is a delete of the old entry plus a put of the
  new (the double write); an unchanged key whose projected attributes changed is one write; an
  unchanged projection costs nothing. Projections: KEYS_ONLY (table and index keys), INCLUDE
  (those plus named attributes) or ALL (the whole item).
- Reads: one unit per started 4 KB, half for an eventually consistent read, twice in a
  transaction; a Query is priced on the total size it returns, rounded up once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096


def value_size(value: dict[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        digits = len(str(inner).lstrip("-").replace(".", "").lstrip("0")) or 1
        return (digits + 1) // 2 + 1
    if kind == "B":
        return len(inner) if isinstance(inner, (bytes, bytearray)) else math.ceil(len(inner) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in inner.items())
    return len(str(inner))


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return units if consistent else units / 2


@dataclass(frozen=True)
class IndexShape:
    name: str
    partition_key: str
    sort_key: str
    projection: tuple[str, ...] | None  # None: ALL; (): KEYS_ONLY


@dataclass(frozen=True)
class TableShape:
    key: str  # topology key
    partition_key: str
    sort_key: str
    indexes: tuple[IndexShape, ...]


def _scalar(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return str(next(iter(value.values())))


def projected(item: dict[str, Any], table: TableShape, index: IndexShape) -> dict[str, Any]:
    if index.projection is None:
        return item
    keep = {table.partition_key, table.sort_key, index.partition_key, index.sort_key, *index.projection}
    return {name: value for name, value in item.items() if name in keep}


@dataclass
class Write:
    """What one item write costs: on the table and on each index, by partition key value."""

    table_units: int
    table_key: str
    index_units: list[tuple[str, str, int]]  # (index, partition key value, units)


def price_write(table: TableShape, before: dict[str, Any] | None, after: dict[str, Any] | None, transactional: bool) -> Write:
    units = write_units(max(item_size(before), item_size(after)))
    if transactional:
        units *= 2
    source = after or before or {}
    index_units: list[tuple[str, str, int]] = []
    for index in table.indexes:
        old_key = _index_key(before, index)
        new_key = _index_key(after, index)
        if old_key is None and new_key is None:
            continue
        if old_key is not None and new_key is not None and old_key == new_key:
            if projected(before or {}, table, index) != projected(after or {}, table, index):
                index_units.append((index.name, new_key[0], write_units(item_size(projected(after or {}, table, index)))))
            continue
        if old_key is not None:
            index_units.append((index.name, old_key[0], write_units(item_size(projected(before or {}, table, index)))))
        if new_key is not None:
            index_units.append((index.name, new_key[0], write_units(item_size(projected(after or {}, table, index)))))
    return Write(units, _scalar(source.get(table.partition_key)) or "?", index_units)


def _index_key(item: dict[str, Any] | None, index: IndexShape) -> tuple[str, str] | None:
    if not item or index.partition_key not in item or index.sort_key not in item:
        return None
    return _scalar(item[index.partition_key]) or "", _scalar(item[index.sort_key]) or ""
