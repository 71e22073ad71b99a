"""Counts every AWS request the handlers make on the local runtime, by service, operation and
function, and what each DynamoDB request costs in capacity units (benchmarks/footprint/units.py).

One hook on botocore's `BaseClient._make_api_call` (the one method every client call goes
through) sees the operation and its parameters; the item before and after each write is read
from the local DynamoDB without a request (local.moto_patches.stored_item). Each handler is
wrapped to know which function a call belongs to, and to measure its CPU time and payloads; the
Powertools logger's stream is wrapped to count the bytes each function logs. The local transport
runs the moto server in the calling thread (local/transport.py): its work, which on AWS is the
service's (the model adds a latency per request for it), is measured apart (`server_cpu_s`) and
left out of the handler's CPU.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

from benchmarks.footprint.units import IndexShape, TableShape, item_size, price_write, read_units
from benchmarks.footprint.model import DEBOUNCED_PREFIX
from infra import topology
from local.transport import server_cpu_seconds

OUTSIDE = "-"  # calls made by the runtime itself (pollers) or the benchmark's driver
# Context variables, not thread-locals: a handler's reads and writes run in its read pool's threads
# too (shared/operations/parallel.in_parallel runs each call in a copy of the caller's context).
_function: contextvars.ContextVar[str] = contextvars.ContextVar("footprint_function", default=OUTSIDE)
_handler_thread: contextvars.ContextVar[int | None] = contextvars.ContextVar("footprint_handler_thread", default=None)


def current_function() -> str:
    return _function.get()


@dataclass
class Invocations:
    count: int = 0
    cpu_s: float = 0.0  # the handler's thread CPU, less the moto server's work in that thread
    server_cpu_s: float = 0.0  # that work: the local AWS emulator's, AWS's own side on AWS
    wall_s: float = 0.0
    event_bytes: int = 0
    result_bytes: int = 0
    log_bytes: int = 0
    records: int = 0  # a batch event's records (SQS, a stream), summed: a full batch's work is scaled from them


@dataclass
class Tally:
    calls: Counter = field(default_factory=Counter)  # (service, operation, function) -> requests
    write_units: Counter = field(default_factory=Counter)  # (table, index or "", key value) -> units
    read_units: Counter = field(default_factory=Counter)  # (table, index or "", function) -> units
    write_units_by_function: Counter = field(default_factory=Counter)
    index_rewrites: Counter = field(default_factory=Counter)  # (table, index) -> entries written
    # (table, index or "", function, operation, item kind) -> units: where each write unit comes from
    write_units_by_operation: Counter = field(default_factory=Counter)
    messages: Counter = field(default_factory=Counter)  # (service, function) -> 64 KB chunks sent
    # (service, operation, function) -> requests made from the handler's read pool, at once (in `calls` too)
    pooled_calls: Counter = field(default_factory=Counter)
    invocations: dict[str, Invocations] = field(default_factory=lambda: defaultdict(Invocations))
    key_orders: dict[tuple[str, str, str], set] = field(default_factory=lambda: defaultdict(set))  # key -> functions' orders touching it
    key_items: dict[tuple[str, str], set] = field(default_factory=lambda: defaultdict(set))  # debounced mark key -> its items' sort keys

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": [[*k, v] for k, v in sorted(self.calls.items())],
            "write_units": [[*k, v] for k, v in sorted(self.write_units.items())],
            "read_units": [[*k, v] for k, v in sorted(self.read_units.items())],
            "messages": [[*k, v] for k, v in sorted(self.messages.items())],
            "pooled_calls": [[*k, v] for k, v in sorted(self.pooled_calls.items())],
            "write_units_by_operation": [[*k, v] for k, v in sorted(self.write_units_by_operation.items())],
            "invocations": {k: vars(v) for k, v in sorted(self.invocations.items())},
            "key_items": [[*k, len(v)] for k, v in sorted(self.key_items.items())],
        }


def item_kind(key: dict[str, Any]) -> str:
    """An item's kind from its key: each key attribute's value up to its first '#' (ORDER/META,
    ORDER/TL, RESERVATION/...), so the per-operation table groups items, not orders."""
    def kind(value: str) -> str:
        words = []
        for word in value.split("#"):
            if not (word.isalpha() and word.isupper()):
                break
            words.append(word)
        return "#".join(words) or "*"

    return "/".join(kind(str(next(iter(v.values())))) for v in key.values())


def table_shapes() -> dict[str, TableShape]:
    """Table name (from the runtime's environment) -> its keys and indexes, from topology."""
    shapes = {}
    for table in topology.TABLES:
        name = os.environ.get(table.env_var)
        if name:
            indexes = tuple(IndexShape(i.name, i.partition_key, i.sort_key, i.projection) for i in table.indexes)
            shapes[name] = TableShape(table.key, table.partition_key, table.sort_key, indexes)
    return shapes


class Recorder:
    def __init__(self, on_write: Callable[[str, dict[str, Any] | None, dict[str, Any] | None, bool], None] | None = None) -> None:
        """`on_write(function, item before, item after, transactional)`: told of every item written
        (benchmarks/meta_entries.py follows each order's META size with it)."""
        self.tally = Tally()
        self._on_write = on_write
        self._lock = threading.Lock()
        self._original: Callable | None = None
        self._shapes: dict[str, TableShape] = {}

    # -- installing ------------------------------------------------------------------------

    def install(self) -> None:
        self._shapes = table_shapes()
        original = self._original = BaseClient._make_api_call
        recorder = self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            return recorder._call(client, operation, params, original)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            BaseClient._make_api_call = self._original  # type: ignore[method-assign]
            self._original = None

    def wrap(self, function_key: str, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        tally = self.tally

        def measured(event: Any, context: Any) -> Any:
            function_token, thread_token = _function.set(function_key), _handler_thread.set(threading.get_ident())
            cpu, served, wall = time.thread_time(), server_cpu_seconds(), time.perf_counter()
            try:
                result = handler(event, context)
            finally:
                server_s = server_cpu_seconds() - served
                cpu_s, wall_s = time.thread_time() - cpu - server_s, time.perf_counter() - wall
                _function.reset(function_token)
                _handler_thread.reset(thread_token)
            with self._lock:
                record = tally.invocations[function_key]
                record.count += 1
                record.cpu_s += cpu_s
                record.server_cpu_s += server_s
                record.wall_s += wall_s
                record.event_bytes += len(json.dumps(event, default=str))
                record.records += len(event.get("Records") or ()) if isinstance(event, dict) else 0
                record.result_bytes += len(json.dumps(result, default=str))
            return result

        return measured

    def count_logs(self, logger_name: str = "oms") -> None:
        """Every byte the handlers' logger writes, by function, instead of the terminal."""
        tally, lock = self.tally, self._lock

        class Sink:
            def write(self, text: str) -> int:
                with lock:
                    tally.invocations[current_function()].log_bytes += len(text.encode("utf-8"))
                return len(text)

            def flush(self) -> None:
                pass

        for handler in logging.getLogger(logger_name).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(Sink())  # type: ignore[arg-type]

    # -- one call --------------------------------------------------------------------------

    def _call(self, client: BaseClient, operation: str, params: dict[str, Any], original: Callable) -> Any:
        handler_thread = _handler_thread.get()
        if handler_thread is None or handler_thread == threading.get_ident():
            return self._counted_call(client, operation, params, original)
        # A call from the handler's read pool: its client-side CPU is the handler's too, and its
        # latency overlaps the pool's other calls'.
        with self._lock:
            self.tally.pooled_calls[(client.meta.service_model.service_name, operation, current_function())] += 1
        cpu, served = time.thread_time(), server_cpu_seconds()
        try:
            return self._counted_call(client, operation, params, original)
        finally:
            server_s = server_cpu_seconds() - served
            with self._lock:
                record = self.tally.invocations[current_function()]
                record.cpu_s += time.thread_time() - cpu - server_s
                record.server_cpu_s += server_s

    def _counted_call(self, client: BaseClient, operation: str, params: dict[str, Any], original: Callable) -> Any:
        service = client.meta.service_model.service_name
        function = current_function()
        with self._lock:
            self.tally.calls[(service, operation, function)] += 1
        if service != "dynamodb":
            self._messages(service, operation, params, function)
            return original(client, operation, params)
        writes = self._writes(operation, params)
        before = [self._stored(table, key) for table, key, _ in writes]
        try:
            response = original(client, operation, params)
        except Exception:
            # A refused condition still consumes capacity: at least one unit per item tried.
            with self._lock:
                for (table, key, transactional), old in zip(writes, before):
                    shape = self._shapes.get(table)
                    if shape is not None:
                        key_value = str(next(iter(key[shape.partition_key].values())))
                        self.tally.write_units[(shape.key, "", key_value)] += 2 if transactional else 1
                        self.tally.write_units_by_operation[(shape.key, "", function, operation + " (refused)", item_kind(key))] += 2 if transactional else 1
            raise
        with self._lock:
            for (table, key, transactional), old in zip(writes, before):
                shape = self._shapes.get(table)
                if shape is None:
                    continue
                new = self._stored(table, key)
                if self._on_write is not None:
                    self._on_write(function, old, new, transactional)
                priced = price_write(shape, old, new, transactional)
                self.tally.write_units[(shape.key, "", priced.table_key)] += priced.table_units
                if priced.table_key.startswith(DEBOUNCED_PREFIX) and shape.sort_key in key:
                    self.tally.key_items[(shape.key, priced.table_key)].add(str(next(iter(key[shape.sort_key].values()))))
                self.tally.write_units_by_function[function] += priced.table_units
                kind = item_kind(key)
                self.tally.write_units_by_operation[(shape.key, "", function, operation, kind)] += priced.table_units
                for index, key_value, units in priced.index_units:
                    self.tally.write_units[(shape.key, index, key_value)] += units
                    self.tally.write_units_by_operation[(shape.key, index, function, operation, kind)] += units
                    self.tally.write_units_by_function[function] += units
                    self.tally.index_rewrites[(shape.key, index)] += 1
            self._reads(operation, params, response, function)
        return response

    def _stored(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        from local.moto_patches import stored_item

        return stored_item(table, key)

    def _writes(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
        """(table name, item key, transactional) of every item the request writes."""
        out: list[tuple[str, dict[str, Any], bool]] = []

        def key_of(table: str, item: dict[str, Any]) -> dict[str, Any] | None:
            shape = self._shapes.get(table)
            if shape is None:
                return None
            return {k: item[k] for k in (shape.partition_key, shape.sort_key) if k in item}

        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            key = key_of(params["TableName"], params.get("Item") or params.get("Key") or {})
            if key:
                out.append((params["TableName"], key, False))
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                kind, op = next(iter(entry.items()))
                if kind in ("Put", "Update", "Delete"):
                    key = key_of(op["TableName"], op.get("Item") or op.get("Key") or {})
                    if key:
                        out.append((op["TableName"], key, True))
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    item = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get("Key") or {}
                    key = key_of(table, item)
                    if key:
                        out.append((table, key, False))
        return out

    def _reads(self, operation: str, params: dict[str, Any], response: dict[str, Any], function: str) -> None:
        def shape_key(table: str) -> str:
            shape = self._shapes.get(table)
            return shape.key if shape else table

        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            self.tally.read_units[(shape_key(params["TableName"]), "", function)] += read_units(item_size(response.get("Item")), consistent)
        elif operation in ("Query", "Scan"):
            size = sum(item_size(i) for i in response.get("Items", []))
            self.tally.read_units[(shape_key(params["TableName"]), params.get("IndexName", ""), function)] += read_units(size, consistent)
        elif operation == "BatchGetItem":
            for table, items in response.get("Responses", {}).items():
                wanted = params["RequestItems"].get(table, {})
                for item in items:
                    self.tally.read_units[(shape_key(table), "", function)] += read_units(item_size(item), bool(wanted.get("ConsistentRead")))
        elif operation == "TransactGetItems":
            for wanted, got in zip(params["TransactItems"], response.get("Responses", [])):
                self.tally.read_units[(shape_key(wanted["Get"]["TableName"]), "", function)] += 2 * read_units(item_size(got.get("Item")), True)

    def _messages(self, service: str, operation: str, params: dict[str, Any], function: str) -> None:
        """SQS and EventBridge bill per 64 KB chunk of each message or entry."""

        def chunks(size: int) -> int:
            return max(1, -(-size // 65536))

        with self._lock:
            if service == "sqs" and operation == "SendMessage":
                self.tally.messages[("sqs", function)] += chunks(len(params.get("MessageBody", "").encode()))
            elif service == "sqs" and operation == "SendMessageBatch":
                for entry in params.get("Entries", []):
                    self.tally.messages[("sqs", function)] += chunks(len(entry.get("MessageBody", "").encode()))
            elif service == "events" and operation == "PutEvents":
                for entry in params.get("Entries", []):
                    self.tally.messages[("events", function)] += chunks(len(json.dumps(entry).encode()))
