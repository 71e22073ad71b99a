"""Fault injection for the local runtime and the tests: AWS's failure modes, on purpose.

A `FaultPlan` names, per order, what goes wrong in which workflow step (a function key):

- `transient_error`: the step's first AWS call fails with a network error (after the SDK's own
  retries: EndpointConnectionError), in its first invocation only;
- `throttle`: the same with a ThrottlingException ClientError;
- `permanent_failure`: every AWS call of the step is refused (AccessDeniedException), every time;
- `crash_after_write`: the step's process dies (Sandbox.Timedout) right after its first committed
  write, before anything else (for notification: after META's RELEASED naming its notes, before
  the publish), in its first invocation only;
- `crash_before_decision`: the step's process dies after a write that comes before its decision
  (a status change's timeline entry or plan, put on its own before META: decision 154; a
  release's notes, decision 225) and before
  the decision itself, in its first invocation only;
- `publisher_down`: every WMS send from the step dies (Sandbox.Timedout), every time, so only the
  scheduled outbox publisher can deliver.

`INTAKE` (the API's POST /orders) takes the same kinds: its `crash_after_write` is the process
dying between storing the order and queueing it (the channel sees a 502; if it does not send the
order again, only the stuck-order detector can take it further).

The faults are raised where AWS raises them: inside the handler, at the boto3 call, through
botocore's `before-call` event on the process's clients, so the handler's own classification
(shared/aws/transient.py) and the workflow's Retry/Catch see exactly what they would on AWS.
`FaultInjector.install(runtime)` wraps the runtime's workflow task handlers (moto's Lambda
invocations); `wrap(key, handler)` wraps one handler for in-process tests. Scenario-level faults
(duplicate deliveries and executions) live with the scenarios (local/fault_scenarios.py); a new
fault kind is a new entry in `KINDS` and a branch in `_before_call`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from botocore.exceptions import EndpointConnectionError

from local import moto_patches
from shared.aws import clients, order_items
from shared.ids import order_id_for

KINDS = ("transient_error", "throttle", "permanent_failure", "crash_after_write", "crash_before_decision", "publisher_down")
ONCE_KINDS = frozenset({"transient_error", "throttle", "crash_after_write", "crash_before_decision"})  # first invocation only
WORKFLOW_STEPS = ("review", "routing", "inventory_lock", "notification")
INTAKE = "intake"
_SERVICES = ("dynamodb", "sqs", "events", "stepfunctions")

Handler = Callable[[Any, Any], Any]


class ProcessCrashed(Exception):
    """The function's process died (timed out, ran out of memory): its answer never arrives."""

    lambda_error_type = "Sandbox.Timedout"


@dataclass(frozen=True)
class Fault:
    step: str  # a function key (infra/topology.py)
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {KINDS}")


@dataclass
class _Armed:
    fault: Fault
    wrote: bool = False  # the step's decision is committed (its transaction, or META's write)
    wrote_before: bool = False  # a write before the decision is committed
    writing_meta: bool = False  # intake's call in flight is the put of the order's META item


@dataclass
class FaultPlan:
    by_order: dict[str, Fault] = field(default_factory=dict)

    def add(self, order_ids: list[str], fault: Fault) -> None:
        for order_id in order_ids:
            self.by_order[order_id] = fault


class FaultInjector:
    def __init__(self, plan: FaultPlan | None = None):
        self.plan = plan or FaultPlan()
        self.fired: Counter[tuple[str, str]] = Counter()  # (step, kind) -> faults raised
        self._invocations: Counter[tuple[str, str]] = Counter()  # (step, order) -> invocations
        self._local = threading.local()
        self._lock = threading.Lock()
        self._hooked: set[int] = set()
        self._restore: dict[str, Handler] = {}

    # -- wiring ------------------------------------------------------------------------------

    def install(self, runtime: Any, steps: tuple[str, ...] = WORKFLOW_STEPS) -> FaultInjector:
        """Wraps the runtime's workflow task handlers (what moto's ASL engine invokes)."""
        for key in steps:
            name = runtime.resources.function_names[key]
            original = moto_patches._handlers[name]
            self._restore[name] = original
            moto_patches._handlers[name] = self.wrap(key, original)
        return self

    def install_intake(self, runtime: Any) -> FaultInjector:
        """Wraps the API's POST /orders (the order's id is read from the body it carries)."""
        name = runtime.resources.function_names[INTAKE]
        for i, route in enumerate(runtime.gateway.routes):
            if route.function_name == name and route.method == "POST" and route.resource == "/orders":
                runtime.gateway.routes[i] = dataclasses.replace(route, handler=self.wrap(INTAKE, route.handler, _posted_order_id))
        return self

    def uninstall(self) -> None:
        moto_patches._handlers.update(self._restore)
        self._restore.clear()

    def wrap(self, step: str, handler: Handler, order_of: Callable[[Any], str | None] | None = None) -> Handler:
        def faulty(event: Any, context: Any) -> Any:
            order_id = (order_of or _task_order_id)(event)
            fault = self.plan.by_order.get(order_id or "")
            if fault is None or fault.step != step:
                return handler(event, context)
            with self._lock:
                self._invocations[(step, order_id)] += 1
                first = self._invocations[(step, order_id)] == 1
            if fault.kind in ONCE_KINDS and not first:
                return handler(event, context)
            self._hook_clients()
            self._local.armed = armed = _Armed(fault)
            try:
                answer = handler(event, context)
            finally:
                self._local.armed = None
            if fault.kind == "crash_after_write" and armed.wrote:
                self._count(fault)
                raise ProcessCrashed(f"{step} died after its write, before answering (fault injected)")
            return answer

        return faulty

    # -- the faults, at the boto3 call -------------------------------------------------------

    def _hook_clients(self) -> None:
        for service in _SERVICES:
            found = clients.client(service)
            if id(found) not in self._hooked:
                with self._lock:
                    if id(found) not in self._hooked:
                        found.meta.events.register("before-call", self._before_call)
                        found.meta.events.register("after-call", self._after_call)
                        self._hooked.add(id(found))

    def _before_call(self, model: Any, params: Any, **_: Any) -> Any:
        armed: _Armed | None = getattr(self._local, "armed", None)
        if armed is None:
            return None
        fault, operation = armed.fault, model.name
        if fault.kind == "transient_error":
            self._disarm(fault)
            raise EndpointConnectionError(endpoint_url=f"https://{model.service_model.endpoint_prefix}.fault-injected")
        if fault.kind == "throttle":
            self._disarm(fault)
            return _error_response(400, "ThrottlingException", "Rate exceeded (fault injected)")
        if fault.kind == "permanent_failure":
            self._count(fault)
            return _error_response(400, "AccessDeniedException", f"not authorized to perform {operation} (fault injected)")
        if fault.kind == "crash_after_write" and armed.wrote:
            self._disarm(fault)
            raise ProcessCrashed(f"{fault.step} died after its write, before {operation} (fault injected)")
        if fault.kind == "crash_before_decision" and armed.wrote_before and not armed.wrote:
            self._disarm(fault)
            raise ProcessCrashed(f"{fault.step} died after a write, before its decision {operation} (fault injected)")
        if fault.kind == "crash_after_write" and fault.step == INTAKE:
            armed.writing_meta = operation == "PutItem" and _puts_meta(params)
        elif fault.kind in ("crash_after_write", "crash_before_decision"):
            armed.writing_meta = operation in ("PutItem", "UpdateItem") and _puts_meta(params)
        if fault.kind == "publisher_down" and operation == "SendMessage" and "MessageDeduplicationId" in str(params.get("body", "")):
            self._count(fault)
            raise ProcessCrashed(f"{fault.step} died before sending to the WMS (fault injected)")
        return None

    def _after_call(self, model: Any, http_response: Any, **_: Any) -> None:
        armed: _Armed | None = getattr(self._local, "armed", None)
        if armed is None or getattr(http_response, "status_code", 500) >= 300:
            return
        # A workflow step's decision is its transaction or its write of META (decision 154: a
        # status change's entry and plan are put first, on their own); intake's is the put of META
        # (decision 90: two single-item writes, content then META; the order exists once META does).
        if armed.fault.step == INTAKE:
            armed.wrote = armed.wrote or model.name == "TransactWriteItems" or (model.name == "PutItem" and armed.writing_meta)
        elif model.name == "TransactWriteItems" or (model.name in ("PutItem", "UpdateItem") and armed.writing_meta):
            armed.wrote = True
        elif model.name in ("PutItem", "UpdateItem"):
            armed.wrote_before = True

    def _disarm(self, fault: Fault) -> None:
        self._count(fault)
        self._local.armed = None

    def _count(self, fault: Fault) -> None:
        with self._lock:
            self.fired[(fault.step, fault.kind)] += 1


def _puts_meta(params: Any) -> bool:
    try:
        body = params.get("body") or b"{}"
        request = json.loads(body if isinstance(body, (str, bytes)) else "{}")
        if "Item" in request:
            return request["Item"]["sk"]["S"] == order_items.META  # intake's put of META
        # An update of META is the decision only when it moves the version (a status change):
        # the reservation claim's META update before the lock's transaction is not.
        return request["Key"]["sk"]["S"] == order_items.META and "#version = :next" in request.get("UpdateExpression", "")
    except (ValueError, KeyError, TypeError):
        return False


def _task_order_id(event: Any) -> str | None:
    return event.get("order_id") if isinstance(event, dict) else None


def _posted_order_id(event: Any) -> str | None:
    try:
        body = json.loads(event.get("body") or "{}")
        return order_id_for(body["channel"], body["external_id"])
    except (ValueError, KeyError, TypeError):
        return None


def _error_response(status: int, code: str, message: str) -> tuple[Any, dict[str, Any]]:
    """What botocore makes a ClientError of, as if the service had answered it."""
    return SimpleNamespace(status_code=status, headers={}), {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
