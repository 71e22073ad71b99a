"""The local runtime's memory does not grow with the orders it has finished with (issue 15:
"memory flat over 2,000 orders"; decision 162). Counted, not timed: after N orders, the moto
objects still alive that no table, state machine or stream holds are a bounded number, not a
number per order. Before the fix moto's own list of every model object it built kept about 75
DynamoDB items per order outside the tables, every workflow run ever started (with its history)
and about seven finished engine threads per order."""

from __future__ import annotations

import gc
import json
import threading
import time

import pytest
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser import utils as workflow_utils

from local import heap, moto_memory, moto_speed
from local.demo import SETTLED, http
from local.runtime import LocalRuntime
from local.seed import load_seed
from shared.aws.stores import order_store

ORDERS = 24
RUNS_KEPT = 4
THREADS_KEPT = 10


def _items_in_tables() -> set[int]:
    held: set[int] = set()
    for account in list(dynamodb_backends.values()):
        for backend in list(account.values()):
            for table in list(backend.tables.values()):
                for value in list(table.items.values()):
                    held.update(id(item) for item in (value.values() if isinstance(value, dict) else [value]))
    return held


def _orders(shanghai_order: dict, run: str) -> list[dict]:
    # each its own buyer and address: review would hold a repeat of another order's as a duplicate
    return [
        {
            **shanghai_order,
            "external_id": f"MEM-{run}-{i}",
            "buyer": {**shanghai_order["buyer"], "buyer_id": f"C-MEM-{run}-{i}"},
            "receiver": {**shanghai_order["receiver"], "detail": f"世纪大道{i}号 {run}"},
        }
        for i in range(ORDERS)
    ]


def _post_and_settle(runtime: LocalRuntime, orders: list[dict]) -> None:
    ids = []
    for order in orders:
        status, answer = http("POST", f"{runtime.api_url}/orders", json.dumps(order).encode())
        assert status == 202, answer
        ids.append(answer["order_id"])
    deadline = time.monotonic() + 120
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        pending = {i for i in pending if order_store().load(i).status not in SETTLED}
        time.sleep(0.25)
    assert not pending, f"{len(pending)} orders not settled"


@pytest.fixture
def small_bounds(monkeypatch):
    monkeypatch.setattr(moto_speed, "FINISHED_EXECUTIONS_KEPT", RUNS_KEPT)
    monkeypatch.setattr(moto_memory, "FINISHED_THREADS_KEPT", THREADS_KEPT)


def test_what_moto_holds_after_orders_is_bounded_not_per_order(shanghai_order, small_bounds):
    with LocalRuntime() as runtime:
        load_seed()
        orders = _orders(shanghai_order, str(time.time_ns()))
        _post_and_settle(runtime, orders[:-1])
        # one more once the others are done: the engine forgets finished threads when a run starts
        _post_and_settle(runtime, orders[-1:])
        runtime.wait_until_idle(timeout=30)

        heap.collect_all()  # the frozen objects walked too: a dead run frozen earlier is not counted alive
        in_tables = _items_in_tables()
        alive = heap.tracked_objects()  # frozen ones too (local/heap.py: the runtime freezes its old objects)
        loose_items = sum(1 for o in alive if isinstance(o, Item) and id(o) not in in_tables)
        listed_runs = sum(len(runtime.executions(key)) for key in runtime.resources.state_machine_arns)
        alive_runs = sum(1 for o in alive if isinstance(o, Execution))
        del alive
        engine_threads = list(workflow_utils.TMP_THREADS)

    # moto's dashboard list still names the live ones (S3's reset disposes keys through it)
    assert loose_items < 3 * ORDERS, f"{loose_items} DynamoDB items alive outside the tables after {ORDERS} orders"
    assert alive_runs <= listed_runs + RUNS_KEPT, f"{alive_runs} workflow runs alive, {listed_runs} listed"
    finished = [t for t in engine_threads if not t.is_alive()]
    assert len(finished) <= THREADS_KEPT + 7 * RUNS_KEPT, f"{len(finished)} finished engine threads still listed"


def test_the_tracking_list_forgets_what_nothing_else_holds_and_lists_what_is_held():
    class Model:
        pass

    kept, dropped = Model(), Model()
    tracked = moto_memory.WeakInstances([kept])
    tracked.append(dropped)
    assert list(tracked) == [kept, dropped]
    del dropped
    gc.collect()
    assert list(tracked) == [kept] and len(tracked) == 1
    unreferenceable = 7  # no weak reference to an int: held as moto holds it
    tracked.append(unreferenceable)
    assert list(tracked) == [kept, 7]


def test_only_finished_engine_threads_are_forgotten_and_only_past_the_bound():
    release = threading.Event()
    running = threading.Thread(target=release.wait)
    finished = [threading.Thread(target=lambda: None) for _ in range(3)]
    not_started = threading.Thread(target=lambda: None)
    for thread in (running, *finished):
        thread.start()
    for thread in finished:
        thread.join()
    threads = [running, *finished, not_started]
    assert moto_memory.forget_finished_threads(threads, kept=5) == 0 and len(threads) == 5
    assert moto_memory.forget_finished_threads(threads, kept=2) == 3
    assert threads == [running, not_started]
    release.set()
    running.join()


def test_the_patched_spots_still_exist():
    """A moto upgrade that moves what local/moto_memory.py replaces fails here first."""
    import inspect

    assert "cls.instances_tracked.append(instance)" in inspect.getsource(moto_memory._original_new)
    assert "TMP_THREADS.append(execution_logic_thread)" in inspect.getsource(moto_memory._original_worker_start)
