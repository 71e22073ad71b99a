"""moto's DynamoDB items copied, written out and measured without its generic machinery (patches
14-16 of local/moto_speed.py, installed from there and guarded by the same pinned-version test).

14. Deep copies. moto copies a stored item (its `Item.__deepcopy__`, then `DynamoType.__deepcopy__`
   at every value) for every Query answer, every update (the old image for the stream, the old
   attributes for ReturnValues) and every transaction's undo log; each value goes through
   `copy.deepcopy`'s dispatch (memo look-up, type table, `__deepcopy__` look-up, keep-alive list)
   before reaching moto's own method. The copies are made here by the same steps as moto's
   methods (the same memo, so a value met twice is copied once, as before; a set's list copied,
   a scalar shared; anything that is not a `DynamoType` still goes through `copy.deepcopy`),
   calling them directly.
15. Regular JSON. `DynamoType.to_regular_json` (every nested value of every item written into an
   answer, a stream record or a projection) deep-copied its whole value and then rebuilt each
   nested value from that copy, which deep-copied it again: a value at depth d was copied d
   times. The same fresh dictionaries and lists are built here in one pass, sharing only the
   immutable scalars (str, bytes, bool, None, numbers) a deep copy shares too; any other value is
   deep-copied as before, and a value of another container type is left to moto's method.
16. A Query's item sizes. moto sums each examined item's size twice (once to test the 1 MB page
   limit, once to add it). While one Query runs no item changes (each DynamoDB request runs under
   the one lock of local/moto_patches.py 4.), so each item's size is measured once per Query and
   the second call reads it back (held with the item, so an id is never mistaken for another's).

17. is in local/moto_validation.py.
18. Answers as plain dictionaries. Every DynamoDB answer goes through moto's `dynamo_to_dict`,
   which asks of each value in turn whether it is a datetime, a DynamoType, has a `to_json`, is
   a dict or a list. For the values answers are made of (DynamoTypes, dicts, an item's attribute
   dict, lists, str, bytes, numbers, booleans, None: exactly those types) the same conversion is made directly; any other
   value (a datetime, a model with `to_json`, a subclass) goes to moto's function as before.
19. Query and Scan answers without copying the items. moto deep-copies the items a Query or a
   Scan found before projecting and filtering them, so that what it hands back is not what the
   table keeps. When it hands them to its own Query or Scan response (DynamoHandler.query /
   .scan), nothing keeps them: the projection and the index projections build new items, the
   filter only reads them, and the response converts them at once (18., under the request lock)
   into new dictionaries and lists, sharing only immutable strings, bytes and booleans. So while
   those two responses run, the items found are handed over without the copy; a Query or Scan
   called any other way (the local runtime's own reads, PartiQL, tests) still gets copies.

tests/unit/test_moto_items.py runs the same requests on moto with and without these patches and
compares every answer (nested maps, lists and sets, projections, index queries, pages at the 1 MB
limit, ReturnValues, stream images) and that a mutation after a read does not reach the store.
"""

from __future__ import annotations

import base64
import copy
import functools
import threading
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import dynamo_to_dict as _original_dynamo_to_dict

_lock = threading.Lock()
_original_type_deepcopy = DynamoType.__deepcopy__
_original_item_deepcopy = Item.__deepcopy__
_original_regular_json = DynamoType.to_regular_json
_original_item_size = Item.size
_original_query = Table.query  # as installed when install() runs: local/moto_patches.py's scoped one
_SETS = frozenset(("SS", "NS", "BS"))
_SHARED = frozenset((str, bytes, bool, int, float, type(None)))  # what copy.deepcopy returns as is
_deepcopy = copy.deepcopy


def _copy_value(value: Any, memo: dict[int, Any]) -> Any:
    """copy.deepcopy(value, memo) for a value held by a DynamoType or an Item."""
    if type(value) is DynamoType:
        copied = memo.get(id(value))
        return copied if copied is not None else _copy_type(value, memo)
    return _deepcopy(value, memo)


def _copy_type(self: DynamoType, memo: dict[int, Any]) -> DynamoType:
    """moto's DynamoType.__deepcopy__, step by step, its members copied without the dispatch."""
    if id(self) in memo:
        return memo[id(self)]
    result = self.__class__.__new__(self.__class__)
    memo[id(self)] = result
    kind = result.type = self.type
    value = self.value
    if kind == "L":
        result.value = [_copy_value(v, memo) for v in value]
    elif kind == "M":
        result.value = {k: _copy_value(v, memo) for k, v in value.items()}
    elif kind in _SETS:
        result.value = list(value)
    else:
        result.value = value
    return result


def _copy_item(self: Item, memo: dict[int, Any]) -> Item:
    """moto's Item.__deepcopy__, step by step (the copy's attributes are not size-checked again)."""
    if id(self) in memo:
        return memo[id(self)]
    result: Any = self.__class__.__new__(self.__class__)
    memo[id(self)] = result
    result.hash_key = _copy_value(self.hash_key, memo)
    result.range_key = _copy_value(self.range_key, memo)
    attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(attrs)
    for key, value in self.attrs.items():
        dict.__setitem__(attrs, key, _copy_value(value, memo))
    result.attrs = attrs
    return result


def _regular(value: Any) -> Any:
    """A nested value of a regular JSON: what moto's to_regular_json makes of a deep copy of it."""
    if type(value) is DynamoType:
        return _regular_json(value)
    if isinstance(value, DynamoType):
        return value.to_regular_json()
    return value if type(value) in _SHARED else _deepcopy(value)


def _regular_json(self: DynamoType) -> dict[str, Any]:
    """moto's DynamoType.to_regular_json without copying a value more than once."""
    value = self.value
    kind = type(value)
    if kind is dict:
        value = {k: _regular(v) for k, v in value.items()}
    elif kind is list:
        value = [_regular(v) for v in value]
    elif kind not in _SHARED:
        return _original_regular_json(self)  # a container of another type: moto's own steps
    if self.type == "B" and isinstance(value, str):
        return {self.type: base64.b64decode(value)}
    return {self.type: value}


_query_sizes = threading.local()  # {id(item): (item, size)} while a Query runs in this thread


def _item_size(self: Item) -> int:
    sizes = getattr(_query_sizes, "sizes", None)
    if sizes is None:
        return _original_item_size(self)
    known = sizes.get(id(self))
    if known is not None and known[0] is self:
        return known[1]
    size = _original_item_size(self)
    sizes[id(self)] = (self, size)
    return size


def _query_measuring_each_item_once(self: Table, *args: Any, **kwargs: Any) -> Any:
    outer = getattr(_query_sizes, "sizes", None)
    _query_sizes.sizes = {}
    try:
        return _original_query(self, *args, **kwargs)
    finally:
        _query_sizes.sizes = outer


_AS_IS = _SHARED  # dynamo_to_dict returns these unchanged, as a deep copy shares them


def _to_dict(obj: Any) -> Any:
    """moto's dynamo_to_dict (see 18. above)."""
    kind = type(obj)
    if kind in _AS_IS:
        return obj
    if kind is DynamoType:
        if obj.type == "B":
            return {"B": obj.value} if isinstance(obj.value, bytes) else {"B": base64.b64decode(obj.value)}
        if obj.type == "BS":
            return {"BS": [v if isinstance(v, bytes) else base64.b64decode(v) for v in obj.value]}
        return {obj.type: _to_dict(obj.value)}
    if kind is dict or kind is LimitedSizeDict:  # an item's attributes are a LimitedSizeDict (no to_json)
        return {k: _to_dict(v) for k, v in obj.items()}
    if kind is list:
        return [_to_dict(v) for v in obj]
    return _original_dynamo_to_dict(obj)


_answering = threading.local()  # .found_items_kept is True while a Query or Scan response runs here
_original_handler_query = dynamodb_responses.DynamoHandler.query
_original_handler_scan = dynamodb_responses.DynamoHandler.scan


def _without_copying_found_items(action: Any) -> Any:
    @functools.wraps(action)
    def answer(self: Any) -> Any:
        outer = getattr(_answering, "found_items_kept", False)
        _answering.found_items_kept = True
        try:
            return action(self)
        finally:
            _answering.found_items_kept = outer

    return answer


def _table_deepcopy(value: Any, memo: Any = None) -> Any:
    """copy.deepcopy for moto's table module: the items a Query (a list of them) or a Scan (one
    by one) found are handed over as they are while their response runs (see 19. above)."""
    if getattr(_answering, "found_items_kept", False):
        if type(value) is list and all(type(v) is Item for v in value):
            return list(value)
        if type(value) is Item:
            return value
    return _deepcopy(value, memo)


class _TableCopies:
    """What moto's table module calls `copy`."""

    deepcopy = staticmethod(_table_deepcopy)
    copy = staticmethod(copy.copy)


def install() -> None:
    global _original_query
    with _lock:
        if Table.query is _query_measuring_each_item_once:
            return
        _original_query = Table.query
        dynamodb_responses.dynamo_to_dict = _to_dict
        table_module.copy = _TableCopies  # type: ignore[assignment]
        dynamodb_responses.DynamoHandler.query = _without_copying_found_items(_original_handler_query)
        dynamodb_responses.DynamoHandler.scan = _without_copying_found_items(_original_handler_scan)
        DynamoType.__deepcopy__ = _copy_type
        Item.__deepcopy__ = _copy_item
        DynamoType.to_regular_json = _regular_json
        Item.size = _item_size
        Table.query = _query_measuring_each_item_once
