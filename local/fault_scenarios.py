"""The fault-injection matrix, run on the local runtime: the suite (tests/faults/) and the
benchmark (benchmarks/fault_injection.py) run the same scenarios and read the same outcome.

A scenario posts N orders over HTTP with faults planned for them (local/faults.py) or duplicated
deliveries/executions, waits until the runtime is idle, then reads what a reliability reviewer
reads: each order's status (lost when it is not found, stuck when it is not in a named final or
waiting status), the WMS queue (duplicate and missing notes), the reservations (lines held twice
or held by an order that should hold nothing), the stock books, and the dead-letter queues.
"""

from __future__ import annotations

import json
import time
import urllib.error
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import topology
from local import moto_patches
from local.demo import SETTLED, http
from local.faults import WORKFLOW_STEPS, Fault, FaultInjector
from local.runtime import LocalRuntime
from shared.aws import dynamo, reservation_records
from shared.aws.stores import inventory_store, order_store
from shared.errors import OrderNotFound
from shared.ids import order_id_for
from shared.inventory import ReservationState, StockRecord
from shared.outbox.store import OutboxStore

SAMPLE = Path(__file__).resolve().parent.parent / "events" / "orders" / "01_own_shop_shanghai.json"
# The sample's lines ship from Shanghai: the scenarios top this stock up before the first order.
STOCKED = (("TEA-LONGJING-250G", "WH-SH", 2), ("CUP-CELADON-6PK", "WH-SH", 1))  # (sku, warehouse, units per order)
HOLDS_STOCK = frozenset({"RESERVED", "RELEASED", "SHIPPED"})
POSTERS = 4  # concurrent POST /orders of a scenario


@dataclass(frozen=True)
class Scenario:
    name: str
    fault: Fault | None = None
    duplicate_delivery: bool = False  # the intake message arrives twice (SQS is at-least-once)
    duplicate_execution: bool = False  # a second execution of the order starts (AWS Express allows it)
    channel_gives_up: bool = False  # a refused POST is not sent again: an order stored anyway counts as accepted
    expect: frozenset[str] = frozenset({"RELEASED"})  # the statuses every order must end in


def matrix() -> list[Scenario]:
    scenarios = []
    for step in WORKFLOW_STEPS:
        for kind in ("transient_error", "throttle", "crash_after_write"):
            scenarios.append(Scenario(f"{step}: {kind.replace('_', ' ')}", Fault(step, kind)))
        scenarios.append(Scenario(f"{step}: permanent failure", Fault(step, "permanent_failure"), expect=frozenset({"EXCEPTION"})))
        # notification's notes are put before META names them (decision 225): a crash between them too
        scenarios.append(Scenario(f"{step}: crash before decision", Fault(step, "crash_before_decision")))
    scenarios.append(Scenario("notification: crash before every publish", Fault("notification", "publisher_down")))
    scenarios.append(Scenario("duplicate SQS delivery", duplicate_delivery=True))
    scenarios.append(Scenario("duplicate execution", duplicate_execution=True))
    return scenarios


def stuck_scenarios() -> list[Scenario]:
    """Faults no retry mends: the order waits, stored, until the stuck-order detector re-drives it
    (needs the detector's limits short enough for the run: the benchmark sets them)."""
    return [Scenario("intake: crash after the write, not re-sent", Fault("intake", "crash_after_write"), channel_gives_up=True)]


@dataclass
class Outcome:
    scenario: str
    accepted: int = 0
    order_ids: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    stuck: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # settled, but not as the scenario expects
    duplicate_notes: int = 0
    missing_notes: list[str] = field(default_factory=list)  # a RELEASED order's note not on the WMS queue
    reservation_problems: list[str] = field(default_factory=list)
    exceptions_without_error: list[str] = field(default_factory=list)
    dead_letters: int = 0
    detections: list[float] = field(default_factory=list)  # per re-driven order: seconds from its limit passing to the detector's note
    detected_from: str = "the limit"  # what `detections` count from ("the restart" when re-driven at a restart)
    faults_fired: int = 0
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not (self.stuck or self.lost or self.unexpected or self.duplicate_notes or self.missing_notes or self.reservation_problems or self.exceptions_without_error or self.dead_letters)

    def summary(self) -> str:
        return ", ".join(f"{status} {count}" for status, count in sorted(self.statuses.items()))


def stock_up(orders: int) -> None:
    """Enough of the sample's stock for `orders` orders; call before anything is reserved."""
    for sku, warehouse, units in STOCKED:
        inventory_store().put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=units * orders + 50, safety_stock=2))


def run_scenario(runtime: LocalRuntime, injector: FaultInjector, scenario: Scenario, orders: int, timeout: float = 120.0) -> Outcome:
    return run_scenarios(runtime, injector, [scenario], orders, timeout)[0]


def run_scenarios(
    runtime: LocalRuntime, injector: FaultInjector, scenarios: list[Scenario], orders: int, timeout: float = 120.0, limits: dict[str, float] | None = None
) -> list[Outcome]:
    """Runs the scenarios at once (their faults are planned per order, so they do not meet) and
    reads each one's outcome. The duplicate-execution mode is on for all when one asks for it."""
    started = time.monotonic()
    sample = json.loads(SAMPLE.read_text("utf-8"))
    fired_before = Counter(injector.fired)
    runs: list[tuple[Scenario, Outcome]] = []
    moto_patches.allow_duplicate_executions(any(s.duplicate_delivery or s.duplicate_execution for s in scenarios))
    try:
        for scenario in scenarios:
            bodies = [unique_order(sample, scenario.name, n) for n in range(orders)]
            ids = [order_id_for(body["channel"], body["external_id"]) for body in bodies]
            if scenario.fault:
                injector.plan.add(ids, scenario.fault)
            outcome = Outcome(scenario.name)
            # Channels post at once, as in a burst; a duplicate execution's scenario one by one, so
            # that the intake queue's own start runs before the duplicate moves the order on (the
            # starter does not start an order already under way: the duplicate would not run).
            with ThreadPoolExecutor(max_workers=1 if scenario.duplicate_execution else POSTERS) as posters:
                posted = list(posters.map(lambda body: _post(runtime, body, scenario), bodies))
            # Stored counts as accepted even unanswered (a crash after the write, a lost answer).
            outcome.order_ids = [order_id for order_id, ok in zip(ids, posted) if ok or order_status(order_id)]
            outcome.accepted = len(outcome.order_ids)
            runs.append((scenario, outcome))
        wait_settled(runtime, [o for _, outcome in runs for o in outcome.order_ids], started + timeout)
    finally:
        moto_patches.allow_duplicate_executions(False)
    read_outcomes(runtime, runs, limits)
    for scenario, outcome in runs:
        if scenario.fault:
            key = (scenario.fault.step, scenario.fault.kind)
            outcome.faults_fired = injector.fired[key] - fired_before[key]
        outcome.seconds = time.monotonic() - started
    return [outcome for _, outcome in runs]


def read_outcomes(runtime: LocalRuntime, runs: list[tuple[Scenario, Outcome]], limits: dict[str, float] | None = None) -> None:
    """Once the runtime is idle: each order's status, notes, reservations, and the books and DLQs."""
    notes = Counter(json.loads(m["Body"])["detail"]["note_id"] for m in _drain(runtime, runtime.resources.queue_urls["wms_outbound"]))
    books = books_problems()
    dead_letters = sum(runtime.queue_depth(q.key, dead_letter=True) for q in topology.QUEUES)
    for scenario, outcome in runs:
        _read(outcome, scenario, notes, limits)
        outcome.reservation_problems += books
        outcome.dead_letters = dead_letters


def unique_order(sample: dict[str, Any], scenario: str, n: int) -> dict[str, Any]:
    serial = f"{abs(hash(scenario)) % 10**8}-{n}-{time.time_ns()}"
    receiver = {**sample["receiver"], "detail": f"{sample['receiver']['detail']} {serial}"}
    return {**sample, "external_id": f"FAULT-{serial}", "buyer": {**sample["buyer"], "buyer_id": f"C-{serial}"}, "receiver": receiver}


def post_order(api: str, body: dict[str, Any], attempts: int = 3) -> tuple[int, dict[str, Any]]:
    """POST /orders as a channel sends it: a request left without an answer (a timeout on a loaded
    machine) is sent again, which is safe (the same order answers the same id). (0, {}) when no
    attempt was answered: the order may be stored all the same, and then it counts as accepted."""
    for _ in range(attempts):
        try:
            return http("POST", f"{api}/orders", json.dumps(body).encode())
        except (TimeoutError, urllib.error.URLError, ConnectionError):
            continue
    return 0, {}


def _post(runtime: LocalRuntime, body: dict[str, Any], scenario: Scenario) -> bool:
    status, answer = post_order(runtime.api_url, body)
    if status != 202:
        return False
    order_id = answer["order_id"]
    if scenario.duplicate_delivery:
        runtime.client("sqs").send_message(QueueUrl=runtime.resources.queue_urls["intake"], MessageBody=json.dumps({"order_id": order_id}))
    if scenario.duplicate_execution:
        runtime.client("stepfunctions").start_execution(
            stateMachineArn=runtime.resources.state_machine_arns["fulfilment"], name=order_id, input=json.dumps({"order_id": order_id, "resume_at": "Review"})
        )
    return True


def wait_settled(runtime: LocalRuntime, order_ids: list[str], deadline: float, poll_seconds: float = 0.5) -> None:
    """Until every order is settled, nothing runs and no outbox message waits (or the deadline).

    Read sparingly, so that the waiting does not slow what it waits for (the runtime shares this
    process): each round reads orders oldest first only until one is not settled yet (a round of
    800 loads ten times a second competed with the runtime for the local DynamoDB), and the idle
    check asks for running executions only, once every order is settled."""
    pending = list(order_ids)
    while time.monotonic() < deadline:
        while pending and order_status(pending[0]) in SETTLED:
            pending.pop(0)
        if not pending and _idle(runtime) and not _outbox_pending(order_ids):
            return
        time.sleep(poll_seconds)


def _idle(runtime: LocalRuntime) -> bool:
    """No consumer's queue holds a message, no poller is busy and no workflow run is running."""
    if any(p.busy for p in runtime.pollers) or any(runtime.queue_depth(q.key) for q in topology.QUEUES if q.consumer):
        return False
    sfn = runtime.client("stepfunctions")
    return not any(
        sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING", maxResults=1)["executions"] for arn in runtime.resources.state_machine_arns.values()
    )


def order_status(order_id: str) -> str | None:
    try:
        return order_store().load(order_id).status.value
    except OrderNotFound:
        return None


def _outbox_pending(order_ids: list[str]) -> bool:
    """Whether any of these orders has a message not yet published: read per order (the index is
    sharded, PENDING#0..15, decision 91: a read of the old single key found nothing and ended the
    wait before the sweep had published what a crashed step left behind)."""
    store = OutboxStore()
    return any(store.pending_of(order_id) for order_id in order_ids)


def _read(outcome: Outcome, scenario: Scenario, notes: Counter[str], limits: dict[str, float] | None = None) -> None:
    inventory = inventory_store()
    for order_id in outcome.order_ids:
        try:
            details = order_store().details(order_id)
        except OrderNotFound:
            outcome.lost.append(order_id)
            continue
        if limits is not None and (delay := detection_delay(details.timeline, limits)) is not None:
            outcome.detections.append(delay)
        status = details.order.status.value
        outcome.statuses[status] += 1
        if status not in SETTLED:
            outcome.stuck.append(order_id)
        elif status not in scenario.expect:
            outcome.unexpected.append(f"{order_id} {status}")
        if status == "EXCEPTION" and not any(e.to_status == "EXCEPTION" and e.details.get("error") for e in details.timeline):
            outcome.exceptions_without_error.append(order_id)
        outcome.duplicate_notes += sum(notes[n.note_id] - 1 for n in details.outbound_notes if notes[n.note_id] > 1)
        if status == "RELEASED":
            outcome.missing_notes += [n.note_id for n in details.outbound_notes if n.note_id not in notes]
        held = Counter((l.warehouse_id, l.sku) for l in inventory.reservations(order_id) if l.state == ReservationState.HELD)
        planned = {(s.warehouse_id, l.sku) for s in (details.order.plan.shipments if details.order.plan else []) for l in s.lines}
        if status in HOLDS_STOCK and set(held) != planned:
            outcome.reservation_problems.append(f"{order_id} {status} holds {sorted(held)} for plan {sorted(planned)}")
        elif status not in HOLDS_STOCK and held:
            outcome.reservation_problems.append(f"{order_id} {status} still holds {sorted(held)}")


DETECTOR = "stuck-order-detector"


def detection_delay(timeline: list[Any], limits: dict[str, float]) -> float | None:
    """Seconds from the moment the order passed its status's limit to the detector's first note
    on it (None when the detector never noted it, or re-drove it at a restart before any limit)."""
    notes = [e for e in timeline if e.actor.name == DETECTOR]
    if not notes:
        return None
    first = notes[0]
    entered = [e for e in timeline if e.kind == "transition" and e.at <= first.at]
    if not entered or entered[-1].to_status.value not in limits:
        return None
    return (moment(first.at) - moment(entered[-1].at)).total_seconds() - limits[entered[-1].to_status.value]


def moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def books_problems() -> list[str]:
    """Per stocked item: on_hand = available + reserved + safety stock, and `reserved` is exactly
    what the HELD reservation lines hold (nothing reserved twice, nothing given back twice)."""
    inventory = inventory_store()
    held: Counter[tuple[str, str]] = Counter()
    scan: dict[str, Any] = {"TableName": inventory.table}
    while True:
        page = inventory.db.scan(**scan)
        for item in map(dynamo.from_item, page["Items"]):
            if item["pk"].startswith("RESERVATION#"):
                for line in reservation_records.lines_of(item):  # a line's own record or the order's (decision 183)
                    if line.state == ReservationState.HELD:
                        held[(line.sku, line.warehouse_id)] += line.quantity
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    problems = []
    for sku, warehouse, _ in STOCKED:
        record = inventory.stock_record(sku, warehouse)
        if record.on_hand != record.available + record.reserved + record.safety_stock or record.available < 0:
            problems.append(f"{sku}@{warehouse}: on_hand {record.on_hand} ≠ available {record.available} + reserved {record.reserved} + safety {record.safety_stock}")
        if record.reserved != held[(sku, warehouse)]:
            problems.append(f"{sku}@{warehouse}: reserved {record.reserved} ≠ HELD lines {held[(sku, warehouse)]}")
    return problems


def _drain(runtime: LocalRuntime, url: str) -> list[dict[str, Any]]:
    sqs, messages = runtime.client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        messages.extend(batch)
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return messages
