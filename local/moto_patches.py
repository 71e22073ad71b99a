"""The only places oms reaches inside moto, all in this module (moto is pinned; a test guards it).

1. `LambdaFunction._invoke_lambda` is the single spot where moto would start Docker to run a
   function. We run our own handler in this process instead and answer in moto's shape:
   (payload, errored, logs). An error payload carries `errorType` = the exception's class name,
   so the workflow's Retry/Catch match our named errors (StockShortage, OrderMovedOn, ...).
2. The ASL engine sleeps in real time for Wait states and Retry intervals; we scale both down.
3. The ASL engine builds a new boto3 client for every Lambda task; we reuse one per service.
4. DynamoDB fidelity. moto's threaded server runs requests concurrently with no locking, so a
   conditional write is check-then-act across threads (DynamoDB's is atomic), and
   TransactWriteItems deep-copies every table it touches to roll back by swapping the copy in:
   O(table) per transaction, and a rollback drops other requests' writes. We run each DynamoDB
   request under one lock and roll a cancelled transaction back with an undo log of the items
   it touched, and take the stream records it appended out of the tables' streams (on AWS a
   cancelled transaction writes no record; the local stream readers take the same lock). A Query on a table's own key sorts every item of the table to keep one
   partition's (O(table) per Query, where DynamoDB reads the partition): we hand it only that
   partition's items.
6. Snapshots of the local runtime's queues (local/persistence.py) read each queue's messages,
   in flight or not, from moto's SQS backend: through the API a read is a receive, which would
   hide the message from its consumer and count a delivery. The tables and queues are read at one
   moment, under the DynamoDB lock and every queue's message lock (see 11. below).
5. EventBridge partner buses. A partner bus is named after its source, which has slashes
   (aws.partner/shopify.com/<id>/<name>); moto takes everything after the last slash of an
   EventBusName as the bus, so rules and events could not reach it. We read a bus name as a name
   and only an ARN as an ARN, as EventBridge does.
6. Duplicate Express executions (a fault mode, off by default). moto refuses a second execution
   with a running or finished one's name (ExecutionAlreadyExists); AWS Express workflows accept
   it, so two executions of one order run at once there. `allow_duplicate_executions(True)` makes
   moto accept it too, so tests see what AWS allows (both runs share moto's ARN for the name; on
   AWS each Express run has its own, and nothing in oms reads it).
7. Request dispatch. moto's server finds the service of every request under one process-wide lock
   by listing its own package directory (~200 `isdir` calls) and trying hundreds of URL patterns:
   the lock was where the workflow benchmark spent two thirds of its samples. The host-to-service
   answer never changes, so we remember it per host (the lock and everything else unchanged).
8. The server's WSGI application (`server_app`), so this process's own boto3 calls reach it
   without a socket (local/transport.py); the server keeps serving other processes.
9. Parsed workflow definitions. moto's ASL engine parses the definition (an ANTLR grammar) again
   for every execution: about a tenth of the fulfilment workflow's CPU. The parsed program is
   read-only during evaluation (each execution's state is in its own Environment: the retry
   counters live on its heap, keyed by component), so we parse each definition once.
10. Index queries. moto answers a Query on a secondary index by testing every item of the table
   (O(table) per Query, where DynamoDB reads the index's partition): the scheduled scans and the
   duplicate check grew slower with every order stored. We keep, per table and per index hash
   attribute, which items hold each string value (updated by every put, update and delete, and
   by a cancelled transaction's undo) and hand the Query only those items; moto's own key
   conditions, sorting, paging and filters then run on them unchanged.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import inspect
import json
import threading
import time
import traceback
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import moto
import moto.dynamodb.models as dynamodb_models
from moto.awslambda.models import LambdaFunction
from moto.dynamodb.comparisons import get_comparison_func
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.events.models import EventsBackend
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

from local import moto_speed

PINNED_MOTO = "5.2.5"

Handler = Callable[[Any, Any], Any]
_lock = threading.Lock()
_installed = False
_handlers: dict[str, Handler] = {}  # Lambda function name -> our handler
_time_scale = 1.0


class LocalLambdaContext:
    """The attributes Powertools reads from a Lambda context."""

    def __init__(self, function_name: str, memory_mb: int = 256, timeout_s: int = 10):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.aws_request_id = f"local-{time.time_ns()}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def invoke_handler(function_name: str, event: Any) -> tuple[str, bool, str]:
    """Runs the handler registered for a function; returns moto's (payload, errored, logs)."""
    handler = _handlers.get(function_name)
    if handler is None:
        payload = {"errorType": "ResourceNotFoundException", "errorMessage": f"no local handler for {function_name}"}
        return json.dumps(payload), True, ""
    if isinstance(event, (str, bytes)):
        event = json.loads(event or "{}")
    try:
        result = handler(event, LocalLambdaContext(function_name))
    except Exception as error:  # the Lambda runtime turns any exception into an error payload
        payload = {
            # A fault may carry the Lambda service's own error name (e.g. Sandbox.Timedout).
            "errorType": getattr(error, "lambda_error_type", type(error).__name__),
            "errorMessage": str(error),
            "stackTrace": traceback.format_exception(error)[-5:],
        }
        return json.dumps(payload), True, traceback.format_exc()
    return json.dumps(result, default=str), False, ""


def _invoke_lambda(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    return invoke_handler(self.function_name, event if event is not None else {})


def _scaled_sleep(seconds: float) -> None:
    time.sleep(seconds * _time_scale)


def _scaled_wait_interval(original: Callable) -> Callable:
    @functools.wraps(original)
    def wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds * _time_scale)

    return wait_interval


_engine_clients: dict[tuple[str, str], Any] = {}


def _reused_boto_client(region: str, service: str, state_credentials: Any = None) -> Any:
    key = (region, service)
    if key not in _engine_clients:
        with _lock:  # boto3's default session is not safe to build clients from many threads
            if key not in _engine_clients:
                _engine_clients[key] = _original_boto_client_for(region=region, service=service)
    return _engine_clients[key]


_original_boto_client_for = lambda_eval_utils.boto_client_for


_dynamodb_lock = threading.RLock()
dynamodb_request_lock = _dynamodb_lock  # held by every DynamoDB request: a stream read under it sees no transaction half done
_real_deepcopy = copy.deepcopy
_original_call_action = DynamoHandler.call_action
_original_transact_write_items = DynamoDBBackend.transact_write_items


def _serialised_call_action(self: DynamoHandler) -> Any:
    with _dynamodb_lock:  # one DynamoDB request at a time: each is atomic, as on AWS
        return _original_call_action(self)


def _item_key(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    key = op["Item"] if op_type == "Put" else op["Key"]
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return DynamoType(key[table.hash_key_attr]), range_value


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    with _dynamodb_lock:
        undo = []
        # moto appends a stream record per item as it applies it: a cancelled transaction's must
        # go too (on AWS it writes nothing), or the stream's readers count changes that never were.
        streams = {}
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is not None and op_type in ("Put", "Update", "Delete"):
                try:
                    hash_value, range_value = _item_key(table, op_type, op)
                except KeyError:  # a malformed item: moto's own validation answers for it
                    continue
                undo.append((table, hash_value, range_value, _real_deepcopy(table.get_item(hash_value, range_value))))
                if table.stream_shard is not None and id(table) not in streams:
                    streams[id(table)] = (table.stream_shard, len(table.stream_shard.items))
        try:
            return _original_transact_write_items(self, transact_items)
        except Exception:
            for shard, length in streams.values():
                del shard.items[length:]
            for table, hash_value, range_value, before in reversed(undo):
                if before is None:
                    table.delete_item(hash_value, range_value)
                elif range_value is not None:
                    table.items[hash_value][range_value] = before
                else:
                    table.items[hash_value] = before
                _reindex(table, hash_value, range_value)
            raise


_original_query = Table.query
_original_all_items = Table.all_items
_QUERY_SIGNATURE = inspect.signature(Table.query)
_query_partition = threading.local()  # (table, hash key) while a base-table Query runs


def _query_reading_one_partition(self: Table, *args: Any, **kwargs: Any) -> Any:
    arguments = _QUERY_SIGNATURE.bind(self, *args, **kwargs).arguments
    if arguments.get("index_name") is not None:
        return _query_reading_one_index_value(self, arguments, args, kwargs)
    if arguments.get("hash_key") is None or not self.range_key_attr:
        return _original_query(self, *args, **kwargs)
    _query_partition.scope = (self, arguments["hash_key"], arguments.get("range_comparison"), arguments.get("range_objs") or [])
    try:
        return _original_query(self, *args, **kwargs)
    finally:
        _query_partition.scope = None


def _query_reading_one_index_value(self: Table, arguments: dict[str, Any], args: Any, kwargs: Any) -> Any:
    conditions = arguments.get("hash_key_conditions") or []
    if len(conditions) != 1 or getattr(conditions[0][1], "type", None) != "S":
        return _original_query(self, *args, **kwargs)
    attribute, value = conditions[0]
    _query_partition.scope = (self, None, _items_with(self, attribute, value.value))
    try:
        return _original_query(self, *args, **kwargs)
    finally:
        _query_partition.scope = None


def _all_items_of_the_queried_partition(self: Table) -> list[Any]:
    scope = getattr(_query_partition, "scope", None)
    if scope is None or scope[0] is not self:
        return _original_all_items(self)
    if len(scope) == 3:  # an index Query: the items holding its hash key's value (see 10. above)
        return scope[2]
    # moto then keeps the items whose hash key matches: these are exactly those, in key order.
    # A string sort key's condition is applied here first on the plain strings (moto applies it
    # again, to the same effect): moto sorts what it is given with Python-level comparisons, so a
    # partition of many items costed every Query of a few of them (decision 239).
    items = self.items.get(scope[1], {}).values()
    keep = _sort_key_condition(scope[2], scope[3])
    if keep is not None:
        items = [item for item in items if item.range_key is None or item.range_key.type != "S" or keep(item.range_key.value)]
    return sorted(items, key=lambda item: item.range_key)


def _sort_key_condition(comparison: str | None, values: list[Any]) -> Callable[[str], bool] | None:
    """The sort-key condition of a Query on plain strings (moto's own comparison of a string
    key's value), or None when it is not one on strings."""
    if not comparison or not values or any(getattr(v, "type", None) != "S" for v in values):
        return None
    compare = get_comparison_func(comparison)
    if compare is None:
        return None
    bounds = [v.value for v in values]
    return lambda key: bool(compare(key, *bounds))


_original_put_item = Table.put_item
_original_delete_item = Table.delete_item
_original_update_item = DynamoDBBackend.update_item
_INDEXED = "_oms_index_values"  # on a Table: {attribute: {value: {item key}}}
_INDEXED_BY_KEY = "_oms_index_keys"  # on a Table: {item key: {attribute: value}}


def _stored(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> Any:
    if table.range_key_attr:
        return table.items.get(hash_value, {}).get(range_value) if range_value is not None else None
    return table.items.get(hash_value)


def _string_value(item: Any, attribute: str) -> str | None:
    value = item.attrs.get(attribute) if item is not None else None
    return value.value if value is not None and value.type == "S" else None


def _reindex(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> None:
    """After a write to one item: its entries in the value maps of every attribute kept."""
    indexed: dict[str, dict[str, set[Any]]] | None = table.__dict__.get(_INDEXED)
    if not indexed:
        return
    key = (hash_value, range_value if table.range_key_attr else None)
    item = _stored(table, hash_value, range_value)
    before = table.__dict__[_INDEXED_BY_KEY].pop(key, {})
    after = {}
    for attribute, values in indexed.items():
        old, new = before.get(attribute), _string_value(item, attribute)
        if old is not None and old != new:
            values[old].discard(key)
        if new is not None:
            values.setdefault(new, set()).add(key)
            after[attribute] = new
    if after:
        table.__dict__[_INDEXED_BY_KEY][key] = after


def _items_with(table: Table, attribute: str, value: str) -> list[Any]:
    indexed = table.__dict__.setdefault(_INDEXED, {})
    by_key = table.__dict__.setdefault(_INDEXED_BY_KEY, {})
    if attribute not in indexed:  # first Query on this attribute: one pass over the table
        values: dict[str, set[Any]] = {}
        for item in _original_all_items(table):
            found = _string_value(item, attribute)
            if found is not None:
                key = (item.hash_key, item.range_key if table.range_key_attr else None)
                values.setdefault(found, set()).add(key)
                by_key.setdefault(key, {})[attribute] = found
        indexed[attribute] = values
    items = (_stored(table, h, r) for h, r in indexed[attribute].get(value, ()))
    return [item for item in items if item is not None]


def _put_item_indexed(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    item = _original_put_item(self, item_attrs, *args, **kwargs)
    _reindex(self, item.hash_key, item.range_key)
    return item


def _delete_item_indexed(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Any:
    item = _original_delete_item(self, hash_key, range_key)
    _reindex(self, hash_key, range_key)
    return item


def _update_item_indexed(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return _original_update_item(self, table_name, key, *args, **kwargs)
    finally:
        table = self.tables.get(table_name)
        if table is not None and table.hash_key_attr in key:
            _reindex(table, DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None)


def _deepcopy_except_tables(value: Any, memo: Any = None) -> Any:
    # moto snapshots whole tables before a transaction; our undo log makes that unnecessary.
    return value if isinstance(value, Table) else _real_deepcopy(value, memo)


def install_dynamodb_fidelity() -> None:
    """Atomic DynamoDB requests, O(items) transactions and O(partition) queries, in server mode
    and under mock_aws."""
    with _lock:
        if DynamoHandler.call_action is _serialised_call_action:
            return
        DynamoHandler.call_action = _serialised_call_action
        DynamoDBBackend.transact_write_items = _transact_write_items
        Table.query = _query_reading_one_partition
        Table.all_items = _all_items_of_the_queried_partition
        Table.put_item = _put_item_indexed
        Table.delete_item = _delete_item_indexed
        DynamoDBBackend.update_item = _update_item_indexed
        dynamodb_models.copy = SimpleNamespace(deepcopy=_deepcopy_except_tables, copy=copy.copy)


_EVENT_BUS_ARN_MARK = ":event-bus/"
_original_normalize_event_bus_arn = EventsBackend._normalize_event_bus_arn


def _event_bus_name(self: EventsBackend, name_or_arn: str | None) -> str:
    if name_or_arn is None:
        return "default"
    if name_or_arn.startswith("arn:") and _EVENT_BUS_ARN_MARK in name_or_arn:
        return name_or_arn.split(_EVENT_BUS_ARN_MARK, 1)[1]
    return name_or_arn


def install_partner_bus_names() -> None:
    """Partner buses (names with slashes) addressable by name, in server mode and under mock_aws."""
    with _lock:
        EventsBackend._normalize_event_bus_arn = _event_bus_name


def _fifo_ids(message: Any) -> dict[str, str]:
    ids = {"MessageGroupId": message.group_id, "MessageDeduplicationId": message.deduplication_id}
    return {k: v for k, v in ids.items() if v}


_original_name_idempotency = StateMachine._handle_name_input_idempotency
_duplicate_executions = threading.Event()


def _name_idempotency(self: StateMachine, name: str, execution_input: str) -> Any:
    if _duplicate_executions.is_set():
        return None  # as an Express workflow on AWS: every StartExecution starts a run
    return _original_name_idempotency(self, name, execution_input)


def allow_duplicate_executions(enabled: bool) -> None:
    """Fault mode: a second execution with a used name runs, as on AWS Express (see 6. above)."""
    with _lock:
        StateMachine._handle_name_input_idempotency = _name_idempotency
    if enabled:
        _duplicate_executions.set()
    else:
        _duplicate_executions.clear()


_original_backend_for_host = DomainDispatcherApplication.get_backend_for_host
_backend_of_host: dict[str | None, Any] = {}


def _remembered_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
    if host not in _backend_of_host:
        _backend_of_host[host] = _original_backend_for_host(self, host)
    return _backend_of_host[host]


def server_app(server: Any) -> Any:
    """The WSGI application a started ThreadedMotoServer serves (see 8. above)."""
    app = getattr(getattr(server, "_server", None), "app", None)
    if app is None:
        raise RuntimeError("moto's ThreadedMotoServer has no _server.app: re-check local/moto_patches.py")
    return app


_original_entrypoint = ExecutionWorker._get_evaluation_entrypoint
_parsed_programs: dict[str, Any] = {}  # workflow definition -> its parsed program (see 9. above)


_parse_lock = threading.Lock()


def _parsed_once(self: ExecutionWorker) -> Any:
    definition = self._evaluation_details.state_machine_details.definition
    program = _parsed_programs.get(definition)
    if program is None:
        # One parse, not one per execution that starts before the first parse ends: a burst of
        # executions all parsed at once (20 at a time, a second of CPU each, in the benchmark).
        with _parse_lock:
            program = _parsed_programs.get(definition)
            if program is None:
                program = _parsed_programs[definition] = AmazonStateLanguageParser.parse(definition)[0]
    return program


def install(handlers: dict[str, Handler], time_scale: float = 0.01) -> None:
    """Routes moto's Lambda invocations to `handlers` and scales ASL waits by `time_scale`."""
    global _installed, _time_scale
    if moto.__version__ != PINNED_MOTO:
        raise RuntimeError(f"local runtime patches moto {PINNED_MOTO}, found {moto.__version__}: re-check local/moto_patches.py")
    with _lock:
        _handlers.update(handlers)
        _time_scale = time_scale
        _engine_clients.clear()  # they point at the previous server's port
        if _installed:
            return
        LambdaFunction._invoke_lambda = _invoke_lambda
        retrier_decl.time = SimpleNamespace(sleep=_scaled_sleep, time=time.time, monotonic=time.monotonic)
        WaitFunction._wait_interval = _scaled_wait_interval(WaitFunction._wait_interval)
        lambda_eval_utils.boto_client_for = _reused_boto_client
        DomainDispatcherApplication.get_backend_for_host = _remembered_backend_for_host
        ExecutionWorker._get_evaluation_entrypoint = _parsed_once
        _installed = True
    install_dynamodb_fidelity()
    moto_speed.install()


def stored_item(table_name: str, key: dict[str, Any], region: str = "us-east-1") -> dict[str, Any] | None:
    """An item as the local DynamoDB holds it now (DynamoDB JSON), read without a request, so
    counting it adds no call: benchmarks/aws_footprint.py prices each write from the item before
    and after it (the larger of the two, and the index entries that change)."""
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = dynamodb_models.dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
    table = backend.tables.get(table_name)
    if table is None:
        return None
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr and table.range_key_attr in key else None
    with _dynamodb_lock:
        item = table.get_item(DynamoType(key[table.hash_key_attr]), range_value)
        return _real_deepcopy(item.to_json()["Attributes"]) if item is not None else None


def load_items(table_name: str, items: list[dict[str, Any]], region: str = "us-east-1") -> None:
    """Seeds a table with plain-Python items straight into moto's table, without a request per
    item (benchmarks/console_overview.py stores 100,000 orders and their aggregates this way; what
    it then measures goes through the API as usual). The table's stream sees each write."""
    from moto.core import DEFAULT_ACCOUNT_ID

    from shared.aws.dynamo import to_item

    table = dynamodb_models.dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables[table_name]
    with _dynamodb_lock:
        for item in items:
            table.put_item(to_item(item))


def table_items(table_name: str, region: str = "us-east-1") -> list[dict[str, Any]]:
    """Every item of a table as DynamoDB JSON, read without requests (a benchmark's check of
    100,000 orders' aggregates; moto's response serialisation would dominate otherwise)."""
    from moto.core import DEFAULT_ACCOUNT_ID

    table = dynamodb_models.dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables[table_name]
    with _dynamodb_lock:
        return [_real_deepcopy(item.to_json()["Attributes"]) for item in _original_all_items(table)]


# 11. One-moment reads for snapshots (local/persistence.py). A running runtime's snapshot read
# table by table, queue by queue, is torn: a transaction that commits between two reads (the
# inventory lock moving an order to RESERVED with its stock) is half in it (the order still
# ROUTED, its lines HELD), and the restarted runtime's re-drive then finds lines held by an order
# that does not own them. Reading every table and queue under the DynamoDB request lock and every
# queue's message lock gives the state of one moment, as a stopped process leaves it.


def state_at_one_moment(
    table_names: list[str], queue_names: list[str], account: str = "123456789012", region: str = "us-east-1"
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[tuple[str, dict[str, Any], dict[str, str]]]]]:
    """Every item of the tables (DynamoDB JSON, binary values as bytes: what a Scan gives boto3)
    and every message of the queues, visible, delayed or in flight, as (body, message attributes,
    FIFO ids; empty on a standard queue), read while no DynamoDB request runs and no message is queued."""
    from moto.sqs.models import sqs_backends

    tables = dynamodb_models.dynamodb_backends[account][region].tables
    queues = {name: sqs_backends[account][region].queues.get(name) for name in queue_names}
    with _dynamodb_lock, contextlib.ExitStack() as held:
        for queue in queues.values():
            if queue is not None:
                held.enter_context(queue._messages_lock)
        items = {
            name: [{k: _scanned(v) for k, v in _real_deepcopy(item.to_json()["Attributes"]).items()} for item in _original_all_items(tables[name])]
            for name in table_names
        }
        messages = {
            name: [(m.body, copy.deepcopy(m.message_attributes), _fifo_ids(m)) for m in queue._messages] if queue is not None else []
            for name, queue in queues.items()
        }
    return items, messages


def _scanned(value: dict[str, Any]) -> dict[str, Any]:
    """A stored attribute value as boto3 reads it from a Scan: binary as bytes, not base64."""
    kind, inner = next(iter(value.items()))
    if kind == "B":
        return {"B": inner if isinstance(inner, bytes) else base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [v if isinstance(v, bytes) else base64.b64decode(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _scanned(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_scanned(v) for v in inner]}
    return value
