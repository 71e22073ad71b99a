"""Where moto spends CPU without doing anything AWS does, made cheap (a sibling of
local/moto_patches.py, installed with it and guarded by the same pinned-version test).

1. DynamoDB answers. moto 5.2 serialises every response through its generic, model-driven
   serializer, which walks botocore's shapes and looks every member up through an alias picker:
   for an AttributeValue (`{"S": "..."}`) that is about twenty calls, and an order's partition
   holds hundreds of them. A Query of one order cost 25 ms, two thirds of it serialising; the
   workflow's DynamoDB reads were half of the local runtime's CPU. An AttributeValue's JSON form
   is fixed by the DynamoDB API (strings and numbers as strings, binaries base64, sets and lists
   item by item, maps recursively), so it is written directly; everything around it (the item
   maps, Count, LastEvaluatedKey, consumed capacity, errors) still goes through moto's
   serializer. tests/unit/test_moto_speed.py compares both writers on every attribute type.
2. DynamoDB update expressions. moto parses an UpdateExpression (its own tokenizer and parser)
   twice per update, once to check the names and values it uses and once to apply it, and oms's
   writes use a handful of expressions thousands of times. The parsed tree is only read: the
   validator that resolves it against an item works on its own deep copy. So each expression
   text is parsed once (a bounded cache); a malformed one still raises on every request.
3. Request dispatch. For every request moto lists its handler class's methods with
   `inspect.getmembers` to see whether the action exists. A class's methods do not change while
   the server runs, so the list is taken once per class.
4. Finished workflow runs. moto keeps every execution it ever started, each with its whole event
   history (every state's input and output), and scans them all for each StartExecution's name
   check: memory and start time grew with every order. Express workflows on AWS keep no history
   that the API can list at all, so the local runtime keeps the newest `FINISHED_EXECUTIONS_KEPT`
   finished runs per state machine (enough for `oms`, the tests and the benchmarks to read a
   recent run's status and input) and every running one; older finished runs are forgotten.
   A forgotten run's name can be used again, as on AWS Express.
5. The ASL engine's failure dumps. Every error a task raises, including the ones the workflow's
   own Retry and Catch handle (a stock shortage that becomes a backorder, a duplicate run's
   OrderMovedOn, a reservation still in progress), was logged at ERROR by every component it
   passed through, each with the component's whole repr: hundreds of lines per order in a served
   log, and the reprs' CPU. The run's history and the order's timeline already record these, so
   they are logged only when the engine's logger is set to DEBUG (to debug the engine itself);
   exceptions that are not workflow errors (an engine failure) are logged as before.
6. DynamoDB stream records and iterators. moto keeps every record a table's stream ever had (each
   with the item's old and new images) and every shard iterator it ever handed out (one per
   GetRecords): memory that grows with every write and every poll. DynamoDB trims a stream's
   records after 24 hours; locally a shard keeps its newest `STREAM_RECORDS_KEPT` records (the
   sequence numbers go on unchanged) and the backend its newest `SHARD_ITERATORS_KEPT` iterators
   (each poll uses the one the last read returned). An iterator older than the trimmed records
   reads from the oldest kept one (DynamoDB would answer TrimmedDataAccessException; the local
   consumer reads within a quarter of a second, thousands of records behind the trim).
7. Update expression validation (decision 144): local/moto_validation.py, installed from here.
8. Per-request bookkeeping (decision 145). moto converts the action's name (and, on every SQS
   receive, each of the queue's attribute names) from CamelCase to snake_case character by
   character: a pure function of a few dozen names, so each answer is remembered. And every
   look-up of a service's backend takes a process-wide lock and lists the accounts to see whether
   the account's backend exists; once it does, the look-up reads it without the lock (creating
   one, and moto's reset, are unchanged).
9. moto's list of every model object it ever built (decision 162): local/moto_memory.py,
   installed from here.
10. JSONPath texts (decision 180). moto's ASL engine parses every JSONPath it evaluates (each
   Parameters binding, ResultSelector, ResultPath, Choice variable: about thirty per order) with
   jsonpath_ng, which builds a new PLY parser, reflecting over its grammar, for each parse. The
   parsed path is only read (find / update_or_create change the data, not the path), so each
   path text is parsed once (a bounded cache); a malformed one still raises on every use.
11. Request ids. moto draws every answer's 52-character request id one `random.choice` at a
   time (a twentieth of a DynamoDB answer's CPU); it is drawn in one `random.choices` from the
   same alphabet and moto's same (seedable) generator.
12. Item sizes (decision 220): local/moto_sizes.py, installed from here.
13. SQS long polls served inside moto (decision 221): local/sqs_long_poll.py, installed from here.
14.-16. DynamoDB items' deep copies, their regular JSON, and a Query's item sizes measured once:
   local/moto_items.py, installed from here.
17. Update expressions' tree walks with their type tests remembered per class: in
   local/moto_validation.py (with 7.), installed from here.
18.-19. DynamoDB answers converted to plain dictionaries directly, and Query and Scan responses
   handed the items found without a deep copy: local/moto_items.py.
20. Condition and filter expressions' tokens remembered per text: local/moto_validation.py.
21. EventBridge input paths (decision 246). For every rule target an event reaches, moto's
   EventBridge fills the target's input template (`EventTemplateParser.parse`), parsing each of
   its input paths (eight by default: `$.detail`, `$.id`, ...) with `jsonpath_ng.ext.parse`,
   imported inside the function at each call: a new PLY parser per path, about two thirds of a
   PutEvents' CPU. That name is bound to the same bounded cache as 10. (the module attribute the
   import reads), so each path text is parsed once; the paths are only read (`find`).
"""

from __future__ import annotations

import base64
import functools
import logging
import string
import threading
from typing import Any

import jsonpath_ng.ext as jsonpath_ng_ext
import moto.core.responses as core_responses
import moto.sqs.models as sqs_models
from moto.core.base_backend import BackendDict
from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.models import ShardIterator
from moto.stepfunctions.parser.asl.component import eval_component
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.utils import json_path

from local import moto_items, moto_memory, moto_sizes, moto_validation, sqs_long_poll

_lock = threading.Lock()
_original_structure = BaseJSONSerializer._serialize_type_structure
_ATTRIBUTE_VALUE_SERVICES = frozenset({"dynamodb", "dynamodbstreams"})
_EMPTY = (None, {}, [])


def _string(value: Any) -> Any:
    # as moto's string serializer: str() of anything but None, {} and []
    return str(value) if value not in _EMPTY else value


def _blob(value: Any) -> str:
    return base64.b64encode(value.encode("utf-8") if isinstance(value, str) else value).strip().decode("utf-8")


def attribute_value(value: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB AttributeValue as moto holds it ({type: value}, binaries as bytes) in its wire
    JSON form: the form moto's generic serializer writes, member by member."""
    out: dict[str, Any] = {}
    for kind, inner in value.items():
        if inner is None:
            continue
        if kind in ("S", "N"):
            out[kind] = _string(inner)
        elif kind == "B":
            out[kind] = _blob(inner)
        elif kind in ("SS", "NS"):
            out[kind] = [_string(v) for v in inner]
        elif kind == "BS":
            out[kind] = [_blob(v) for v in inner]
        elif kind == "M":
            out[kind] = {k: attribute_value(v) for k, v in inner.items() if v is not None}
        elif kind == "L":
            out[kind] = [attribute_value(v) if v is not None else None for v in inner]
        elif kind in ("NULL", "BOOL"):
            out[kind] = inner
    return out


def _serialize_structure(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
    if (
        key
        and shape.name == "AttributeValue"
        and isinstance(value, dict)
        and self.operation_model.service_model.service_name in _ATTRIBUTE_VALUE_SERVICES
    ):
        serialized[self.get_serialized_name(shape, key)] = attribute_value(value)
        return
    _original_structure(self, serialized, value, shape, key)


_original_make = UpdateExpressionParser.make  # a bound classmethod
_original_method_names = core_responses.method_names_from_class


@functools.lru_cache(maxsize=1024)
def _parsed_update_expression(expression: str) -> Any:
    return _original_make(expression)


def _make_update_expression(cls: type, expression_str: str) -> Any:
    return _parsed_update_expression(expression_str)


@functools.lru_cache(maxsize=None)
def _method_names(clazz: object) -> list[str]:
    return _original_method_names(clazz)


FINISHED_EXECUTIONS_KEPT = 500  # per state machine; None keeps every run (moto's behaviour)
_original_start_execution = StepFunctionsParserBackend.start_execution


def forget_old_finished_runs(executions: list[Any], kept: int) -> int:
    """Removes the oldest finished runs beyond the newest `kept` from moto's list of a state
    machine's executions (in start order), in place; returns how many went. Only finished runs
    are removed, one by one, so a run appended meanwhile by another thread is never lost."""
    finished = [e for e in list(executions) if e.stop_date is not None]
    extra = len(finished) - kept
    for execution in finished[: max(0, extra)]:
        try:
            executions.remove(execution)
        except ValueError:  # another thread removed it first
            pass
    return max(0, extra)


def _start_execution(self: StepFunctionsParserBackend, state_machine_arn: str, *args: Any, **kwargs: Any) -> Any:
    execution = _original_start_execution(self, state_machine_arn, *args, **kwargs)
    kept = FINISHED_EXECUTIONS_KEPT
    if kept is not None:
        executions = self.describe_state_machine(state_machine_arn).executions
        if len(executions) > kept + max(10, kept // 10):  # in batches: not a list scan per start
            with _lock:
                forget_old_finished_runs(executions, kept)
    return execution


_original_log_failure = eval_component.EvalComponent._log_failure_event_exception


def _log_failure_when_debugging(self: Any, failure_event_exception: Any) -> None:
    if eval_component.LOG.isEnabledFor(logging.DEBUG):  # else not even the repr is built
        _original_log_failure(self, failure_event_exception=failure_event_exception)


STREAM_RECORDS_KEPT = 10_000  # per shard
SHARD_ITERATORS_KEPT = 1_000  # per region's streams backend
_stream_lock = threading.RLock()  # a trim and a read of a shard's records do not interleave
_original_shard_add = StreamShard.add
_original_shard_get = StreamShard.get
_original_iterator_get = ShardIterator.get


def _add_keeping_recent(self: StreamShard, old: Any, new: Any) -> None:
    with _stream_lock:
        _original_shard_add(self, old, new)
        extra = len(self.items) - STREAM_RECORDS_KEPT
        if extra > STREAM_RECORDS_KEPT // 10:  # in batches, not a list shift per write
            del self.items[:extra]
            self.starting_sequence_number += extra  # the next record's number is unchanged


def _get_from_kept(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
    with _stream_lock:
        return _original_shard_get(self, max(start, self.starting_sequence_number), quantity)


def _iterator_get_keeping_recent(self: ShardIterator, limit: int = 1000) -> dict[str, Any]:
    with _stream_lock:
        answer = _original_iterator_get(self, limit)
        iterators = self.streams_backend.shard_iterators
        if len(iterators) > SHARD_ITERATORS_KEPT + SHARD_ITERATORS_KEPT // 10:
            for arn in list(iterators)[: len(iterators) - SHARD_ITERATORS_KEPT]:  # oldest first
                iterators.pop(arn, None)
        return answer


_original_camelcase_to_underscores = core_responses.camelcase_to_underscores
_camelcase_to_underscores = functools.lru_cache(maxsize=4096)(_original_camelcase_to_underscores)
_original_backend_getitem = BackendDict.__getitem__


def _backend_getitem(self: BackendDict, account_id: str) -> Any:
    if dict.__contains__(self, account_id):  # created already: no lock, no listing
        return dict.__getitem__(self, account_id)
    return _original_backend_getitem(self, account_id)


_original_ext_parse = json_path.parse  # jsonpath_ng.ext.parse
_original_plain_parse = result_path.parse  # jsonpath_ng.parse
_parsed_ext_path = functools.lru_cache(maxsize=1024)(_original_ext_parse)
_parsed_plain_path = functools.lru_cache(maxsize=1024)(_original_plain_parse)
_REQUEST_ID_ALPHABET = string.ascii_letters + string.digits  # moto's get_random_string pool
_original_request_id = core_responses.gen_amzn_requestid_long


def _request_id(headerdict: dict[str, Any] | None = None) -> str:
    from moto.moto_api._internal import mock_random

    request_id = "".join(mock_random.choices(_REQUEST_ID_ALPHABET, k=52))
    if isinstance(headerdict, dict):
        headerdict["x-amzn-requestid"] = request_id
    return request_id


def install() -> None:
    moto_validation.install()
    moto_memory.install()
    moto_sizes.install()
    moto_items.install()
    sqs_long_poll.install()
    with _lock:
        core_responses.camelcase_to_underscores = _camelcase_to_underscores
        sqs_models.camelcase_to_underscores = _camelcase_to_underscores
        BackendDict.__getitem__ = _backend_getitem
        BaseJSONSerializer._serialize_type_structure = _serialize_structure
        UpdateExpressionParser.make = classmethod(_make_update_expression)
        core_responses.method_names_from_class = _method_names
        StepFunctionsParserBackend.start_execution = _start_execution
        eval_component.EvalComponent._log_failure_event_exception = _log_failure_when_debugging
        StreamShard.add = _add_keeping_recent
        StreamShard.get = _get_from_kept
        ShardIterator.get = _iterator_get_keeping_recent
        json_path.parse = _parsed_ext_path
        result_path.parse = _parsed_plain_path
        jsonpath_ng_ext.parse = _parsed_ext_path  # read by moto's EventBridge at each call (21.)
        core_responses.gen_amzn_requestid_long = _request_id


def held_in_memory() -> dict[str, int]:
    """What the local runtime's moto holds now, store by store (benchmarks/workflow_throughput.py
    prints it beside the process's memory): the bounded stores above, each with its bound, and
    the ones that grow with the data, as on AWS (the tables' items) or with every message."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodbstreams.models import dynamodbstreams_backends
    from moto.sqs.models import sqs_backends
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    def backends(backend_dict: Any) -> list[Any]:
        return [backend for account in list(backend_dict.values()) for backend in list(account.values())]

    machines = [m for b in backends(stepfunctions_parser_backends) for m in b.state_machines]
    tables = [t for b in backends(dynamodb_backends) for t in b.tables.values()]
    shards = [t.stream_shard for t in tables if t.stream_shard is not None]
    queues = [q for b in backends(sqs_backends) for q in b.queues.values()]
    return {
        f"workflow runs kept, most per state machine (bound {FINISHED_EXECUTIONS_KEPT} finished + the running)": max((len(m.executions) for m in machines), default=0),
        f"stream records, most per shard (bound {STREAM_RECORDS_KEPT})": max((len(s.items) for s in shards), default=0),
        f"stream iterators (bound {SHARD_ITERATORS_KEPT} + 10%)": sum(len(b.shard_iterators) for b in backends(dynamodbstreams_backends)),
        f"parsed update expressions (bound {_parsed_update_expression.cache_info().maxsize})": _parsed_update_expression.cache_info().currsize,
        "queued messages (drain as consumers keep up)": sum(len(q._messages) for q in queues),
        f"deleted messages' receipt handles kept (bound {moto_memory.DELETED_HANDLES_KEPT} + 10% per queue)": sum(len(q.deleted_messages) for q in queues),
        "table items (the data: DynamoDB keeps it too)": sum(len(t) for t in tables),
        **moto_memory.held_in_memory(),
    }
