"""What moto holds that nothing of AWS's behaviour reads, let go (decision 162; a sibling of
local/moto_speed.py, installed by it, same pinned moto).

moto's `BaseModel.__new__` appends every model object it ever builds to a list on the object's
class (`instances_tracked`), for its server's `/moto-api/data.json` dashboard; only moto's reset
empties the lists. Every DynamoDB `Item` (each write's new item, each update's working copy,
each transaction's undo copy, each item a Query hands out), every stream record, every SQS
message, every shard iterator and every workflow execution (with its whole event history and
its engine's finished threads) therefore stayed in memory for the life of the process, long
after its table, shard, queue or state machine had let go of it: the local runtime grew about
half a megabyte per order (1,640 `DynamoType`s and 87 `Item`s per order, 9 of every 10 `Item`s
in no table; `benchmarks/workflow_throughput.py --paced 2000` is the memory pass).

Each class's list becomes a `WeakInstances`: it still lists, in creation order, every object of
the class that something else still holds (the dashboard shows the live state, and S3's reset
still disposes every live key and upload through it), but it no longer keeps one alive. An
object whose class refuses weak references (`__slots__` without `__weakref__`) is held as moto
holds it. DynamoDB's `Item`, the one model object as numerous as the data (about ten per order
in the tables), is listed from the tables themselves when the list is read (`TableItems`): no
reference per item at all (a weak one cost about 150 bytes, 1.6 MiB per 1,000 orders); an item no
table holds (a write's working copy) is not listed. moto's reset, which puts a fresh list on every
class, is followed: the next object built turns that list into a `WeakInstances` (a `TableItems`)
again.

moto's workflow engine also appends every thread it starts (one per execution, one per state
that runs a task, ...: about seven per order) to a module-level list, `TMP_THREADS`, that nothing
in moto reads (its origin, LocalStack, joins them at shutdown). Once the list is longer than
`FINISHED_THREADS_KEPT`, each execution's start removes the threads that have finished from it;
the running ones stay listed.

Every SQS queue keeps the receipt handles of every message deleted from it (`deleted_messages`),
so that deleting with one of them again succeeds quietly, as on SQS: one set entry per delivery,
for ever (a few hundred bytes per message; each order sends about ten). A receipt handle lives on
SQS no longer than its message's longest visibility timeout (12 hours); locally a queue keeps the
handles of its newest `DELETED_HANDLES_KEPT` deletions (`RecentHandles`), far more than any
consumer's in-flight batch, so a repeated delete of a recent message still succeeds and one of a
message deleted tens of thousands of deliveries ago answers ReceiptHandleIsInvalid.

The texts moto keeps of every SMS published: local/moto_histories.py, installed from here.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from typing import Any

from moto.core.common_models import BaseModel
from moto.dynamodb.models.dynamo_type import Item
from moto.sqs.models import Queue
from moto.stepfunctions.parser import utils as workflow_utils
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from local import moto_histories

_lock = threading.Lock()
_original_new = BaseModel.__new__
_original_worker_start = ExecutionWorker.start
_original_delete_message = Queue.delete_message
_handles_lock = threading.RLock()
DELETED_HANDLES_KEPT = 10_000  # per queue


class _Ref(weakref.ref):  # type: ignore[type-arg]
    __slots__ = ("key",)


class WeakInstances:
    """A class's tracked objects, by weak reference: an append-and-iterate list to moto's code."""

    def __init__(self, existing: Any = ()) -> None:
        self._refs: dict[int, _Ref] = {}  # id -> weak reference, in creation order
        self._held: list[Any] = []  # objects that cannot be weakly referenced, kept as moto keeps them
        self._callback = self._forget  # one bound method for every reference, not one each
        for instance in existing:
            self.append(instance)

    def _forget(self, ref: _Ref) -> None:
        if self._refs.get(ref.key) is ref:  # not a newer object that reuses the id
            self._refs.pop(ref.key, None)

    def append(self, instance: Any) -> None:
        try:
            ref = _Ref(instance, self._callback)
        except TypeError:
            self._held.append(instance)
            return
        ref.key = id(instance)
        self._refs[ref.key] = ref

    def __iter__(self) -> Iterator[Any]:
        live = [ref() for ref in list(self._refs.values())]
        return iter([instance for instance in live if instance is not None] + list(self._held))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class TableItems:
    """DynamoDB `Item`'s list: the items the tables hold, read from them when listed. An item is
    the one model object of which there are as many as the data has (about ten per order), so a
    weak reference to each (about 150 bytes) grew with the data; appending records nothing."""

    def append(self, instance: Any) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        from moto.dynamodb.models import dynamodb_backends

        items: list[Any] = []
        for account in list(dynamodb_backends.values()):
            for backend in list(account.values()):
                for table in list(backend.tables.values()):
                    for value in list(table.items.values()):  # an item, or a hash key's items by range key
                        items.extend(list(value.values()) if isinstance(value, dict) else [value])
        return iter(items)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _tracked_weakly(cls: Any) -> WeakInstances | TableItems:
    tracked = cls.__dict__.get("instances_tracked")
    if isinstance(tracked, (WeakInstances, TableItems)):
        return tracked
    with _lock:  # first object of the class, or the first since moto's reset put a new list on it
        tracked = cls.__dict__.get("instances_tracked")
        if not isinstance(tracked, (WeakInstances, TableItems)):
            tracked = TableItems() if cls is Item else WeakInstances(tracked or ())
            cls.instances_tracked = tracked
        return tracked


def _new_tracked_weakly(cls: Any, *args: Any, **kwargs: Any) -> Any:
    instance = super(BaseModel, cls).__new__(cls)  # as moto's __new__: no arguments to object's
    _tracked_weakly(cls).append(instance)
    return instance


FINISHED_THREADS_KEPT = 100  # the engine's list is pruned of finished threads beyond this length


def forget_finished_threads(threads: list[threading.Thread], kept: int | None = None) -> int:
    """Removes the finished threads from the workflow engine's list of the threads it started, in
    place, once it is longer than `kept`; returns how many went. One by one, so a thread appended
    meanwhile by another execution is never lost; a running one always stays."""
    if len(threads) <= (FINISHED_THREADS_KEPT if kept is None else kept):
        return 0
    with _lock:
        finished = [thread for thread in list(threads) if thread.ident is not None and not thread.is_alive()]
        for thread in finished:
            try:
                threads.remove(thread)
            except ValueError:  # another thread removed it first
                pass
    return len(finished)


def _start_worker_forgetting_finished_threads(self: ExecutionWorker) -> None:
    _original_worker_start(self)
    forget_finished_threads(workflow_utils.TMP_THREADS)


class RecentHandles:
    """A queue's receipt handles of deleted messages, the newest `DELETED_HANDLES_KEPT` of them:
    the set operations moto's Queue uses (`in`, `update`, `add`, `len`), oldest forgotten first."""

    def __init__(self, existing: Any = ()) -> None:
        self._handles: dict[str, None] = {}  # insertion-ordered
        self.update(existing)

    def __contains__(self, handle: object) -> bool:
        return handle in self._handles

    def __len__(self) -> int:
        return len(self._handles)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._handles))

    def add(self, handle: str) -> None:
        self.update((handle,))

    def update(self, handles: Any) -> None:
        with _handles_lock:
            for handle in handles:
                self._handles.pop(handle, None)
                self._handles[handle] = None
            extra = len(self._handles) - DELETED_HANDLES_KEPT
            if extra > DELETED_HANDLES_KEPT // 10:  # in batches, not a dict walk per delete
                for handle in list(self._handles)[:extra]:
                    del self._handles[handle]


def _delete_keeping_recent_handles(self: Queue, receipt_handle: str) -> None:
    if not isinstance(self.deleted_messages, RecentHandles):  # a queue's first delete
        with _handles_lock:
            if not isinstance(self.deleted_messages, RecentHandles):
                self.deleted_messages = RecentHandles(self.deleted_messages)
    _original_delete_message(self, receipt_handle)


def install() -> None:
    with _lock:
        BaseModel.__new__ = staticmethod(_new_tracked_weakly)  # type: ignore[method-assign,assignment]
        ExecutionWorker.start = _start_worker_forgetting_finished_threads
        Queue.delete_message = _delete_keeping_recent_handles
    moto_histories.install()


def tracked_objects(class_: type) -> int:
    """How many objects of a moto model class moto's tracking lists now (the live ones)."""
    return len(class_.__dict__.get("instances_tracked") or ())


def held_in_memory() -> dict[str, int]:
    """The two lists above, for local/moto_speed.held_in_memory (the benchmark's M lines)."""
    from moto.core.model_instances import model_data

    classes = [model for models in list(model_data.values()) for model in list(models.values())]
    return {
        "moto model objects listed (live ones only: the rest are let go)": sum(tracked_objects(c) for c in classes),
        f"workflow engine threads listed (finished ones forgotten past {FINISHED_THREADS_KEPT})": len(workflow_utils.TMP_THREADS),
        **moto_histories.held_in_memory(),
    }


def table_data_mib(region: str = "us-east-1") -> float:
    """The Python memory of every table's items (their attribute values, keys and the partition
    maps holding them) and of the index value maps local/moto_patches.py keeps beside them, in
    MiB: the data a table holds, which grows with the orders as it does on DynamoDB. The
    benchmark's memory pass reports it apart from the rest of the process's growth. An estimate,
    on the high side: a key object shared by a partition map, its item and an index entry is
    counted in each. Objects every item shares (None, booleans, small integers, the type tags and
    one-letter strings) are not counted, and an object's attributes are reached through the
    collector's referents, never through `__dict__`, which on Python 3.11 would create a
    dictionary for each object it reads and leave it in the process (a review of decision 181)."""
    import gc
    import sys

    from moto.dynamodb.models import dynamodb_backends

    shared_texts = {"S", "N", "B", "M", "L", "SS", "NS", "BS", "BOOL", "NULL"}

    def size(value: Any) -> int:
        # The items are trees (no value is shared between two items, no cycles): no set of the
        # objects seen, which for 20,000 items was itself tens of MiB that stayed in the RSS.
        if value is None or isinstance(value, (bool, type)) or (type(value) is int and -5 <= value <= 256):
            return 0
        if isinstance(value, str):
            return 0 if len(value) <= 1 or value in shared_texts else sys.getsizeof(value)
        total = sys.getsizeof(value)
        if isinstance(value, dict):
            total += sum(size(k) + size(v) for k, v in list(value.items()))
        elif isinstance(value, (list, tuple, set, frozenset)):
            total += sum(size(v) for v in list(value))
        else:  # an object: its attribute values (an int, a float or bytes has none)
            total += sum(size(v) for v in gc.get_referents(value))
        return total

    tables = [t for account in list(dynamodb_backends.values()) for b in list(account.values()) if b.region_name == region for t in list(b.tables.values())]
    total = 0
    for table in tables:
        total += size(table.items)
        for kept in ("_oms_index_values", "_oms_index_keys"):
            total += size(table.__dict__.get(kept, {}))
    return total / 2**20
