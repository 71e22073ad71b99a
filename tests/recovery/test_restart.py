"""The local runtime keeps its state across a restart: orders, stock, rule sets and queued
messages come back from the data folder; an order whose run the stop cut off is re-driven and
ends RELEASED. (`empty` is tested in test_stuck_orders.py, on the runtime it starts anyway.)"""

from __future__ import annotations

import copy
import json
import threading
import time

from local import persistence
from local.demo import http
from local.runtime import LocalRuntime
from local.seed import load_seed
from shared.aws.stores import inventory_store, order_store, rule_set_store
from shared.orders import OrderIn
from shared.review import default_document
from shared.usecases.accept_order import accept_order
from shared.usecases.review_order import review_order
from tests.conftest import load_event
from tests.e2e.conftest import post_order, unique
from tests.recovery.conftest import FAST_RECOVERY, wait_for_status
from tests.e2e.test_review_rules import rules


# Every open status with a limit: the operations aggregator buckets each status by its limit.
COUNTED_RECOVERY = {
    **FAST_RECOVERY,
    "settings": {
        **FAST_RECOVERY["settings"],
        "STUCK_LIMITS_SECONDS": json.dumps({**json.loads(FAST_RECOVERY["settings"]["STUCK_LIMITS_SECONDS"]), "ON_HOLD": 3600, "EXCEPTION": 3600, "DELIVERY_EXCEPTION": 3600, "SHIPPED": 3600}),
    },
}


def _received_today() -> int:
    from shared.clock import business_day, utc_now
    from shared.operations.store import OperationsStore

    key = ("C#all", f"D#{business_day(utc_now())}")  # the day's counters of all orders (China's day)
    return int(OperationsStore().counter_items([key]).get(key, {}).get("received", 0))


def test_state_survives_a_restart_and_a_cut_off_order_is_redriven_to_released(tmp_path):
    shanghai = load_event("orders/01_own_shop_shanghai.json")
    with LocalRuntime(data_dir=tmp_path, **COUNTED_RECOVERY) as first:
        load_seed()
        released = post_order(first, unique(shanghai))
        wait_for_status(first.api_url, released, "RELEASED")
        document = copy.deepcopy(default_document())
        status, stored = rules(first, "POST", "/rulesets", {"document": document, "comment": "kept across restarts", "activate": False})
        assert status == 201, stored
        # Cut off: reviewed, then the process stops before any run takes it further.
        cut_off = OrderIn.model_validate(unique(shanghai))
        accept_order(cut_off, order_store(), lambda _: None)
        review_order(cut_off.order_id, order_store())
        tea = inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH")
        notes_waiting = first.queue_depth("wms_outbound")
        versions = [v.version for v in rule_set_store().versions()]
        assert first.wait_until_idle()
        received = _received_today()
    assert (tmp_path / persistence.SNAPSHOT_FILE).exists() and not (tmp_path / persistence.RUNTIME_FILE).exists()

    with LocalRuntime(data_dir=tmp_path, **COUNTED_RECOVERY) as second:
        assert second.restored is not None and second.restored.items["orders"] > 0
        assert json.loads((tmp_path / persistence.RUNTIME_FILE).read_text())["api_url"] == second.api_url
        status, details = http("GET", f"{second.api_url}/orders/{released}")
        assert status == 200 and details["order"]["status"] == "RELEASED" and details["outbound_notes"]
        assert inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH").on_hand == tea.on_hand
        assert [v.version for v in rule_set_store().versions()] == versions
        finished = wait_for_status(second.api_url, cut_off.order_id, "RELEASED")
        assert any(e["actor"]["name"] == "stuck-order-detector" for e in finished["timeline"])
        now = inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH")
        assert (now.on_hand, now.reserved) == (tea.on_hand, tea.reserved + 2)  # its two tins, once
        # kept (the WMS has not pulled them) plus its note, which the outbox sends just after RELEASED is written
        deadline = time.monotonic() + 15
        while second.queue_depth("wms_outbound") < notes_waiting + 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert second.queue_depth("wms_outbound") == notes_waiting + 1
        # The restore writes every kept order again: state, not changes to count (decision 140).
        assert second.wait_until_idle()
        assert _received_today() == received == 2


def test_a_snapshot_taken_while_a_step_commits_is_of_one_moment_and_its_order_is_released_after_the_restart(tmp_path):
    """The process stop mid-flight row of the fault matrix: the stop's snapshot is read while the
    workflow still runs. Here the inventory lock's transaction (the order ROUTED → RESERVED with
    its stock) is sent while the snapshot reads the orders table. A snapshot read table by table
    took the inventory table after the commit and the orders table before it: the restarted
    runtime found the order ROUTED with its lines HELD, and its re-drive ended in EXCEPTION
    ("lines already held"). Of one moment, the snapshot holds all of the commit or none of it."""
    from local import moto_patches
    from shared.aws.dynamo import transact_write
    from shared.clock import iso, utc_now
    from shared.inventory import reservation_lines
    from shared.lifecycle import Actor, OrderStatus, transition_entry
    from shared.usecases.reserve_stock import reservation_id_for
    from shared.usecases.route_order import route_order

    shanghai = load_event("orders/01_own_shop_shanghai.json")
    with LocalRuntime(data_dir=tmp_path) as first:  # the environment's limits: nothing re-drives here
        load_seed()
        order = OrderIn.model_validate(unique(shanghai))
        orders, inventory = order_store(), inventory_store()
        accept_order(order, orders, lambda _: None)
        review_order(order.order_id, orders)
        route_order(order.order_id, 0, orders, inventory)
        routed = orders.load(order.order_id)
        tea = inventory.stock_record("TEA-LONGJING-250G", "WH-SH")
        now = utc_now()
        lines = reservation_lines(order.order_id, routed.plan, iso(now), iso(now))
        entry = transition_entry(OrderStatus.ROUTED, OrderStatus.RESERVED, Actor.system("inventory-lock"))
        commit = orders.transition_items(routed, OrderStatus.RESERVED, entry, set_fields={"reservation_id": reservation_id_for(order.order_id)})
        commit += inventory.reserve_items(lines, expires=False)  # one transaction over both tables, as the step's

        # The step commits as soon as the snapshot lets go of the local DynamoDB after its first
        # read: a read table by table lets go after the orders table, one of one moment at the end.
        snapshot_thread, writers = threading.get_ident(), []
        lock = moto_patches._dynamodb_lock

        class HandOver:
            def __init__(self) -> None:
                self.depth = threading.local()

            def __enter__(self) -> None:
                lock.acquire()
                self.depth.n = getattr(self.depth, "n", 0) + 1

            def __exit__(self, *exc: object) -> None:
                self.depth.n -= 1
                lock.release()
                if not self.depth.n and threading.get_ident() == snapshot_thread and not writers:
                    writers.append(threading.Thread(target=transact_write, args=(orders.db, commit)))
                    writers[0].start()
                    writers[0].join(timeout=5.0)

        try:
            moto_patches._dynamodb_lock = HandOver()
            snapshot = persistence.take(first.resources, "2026-12-02T00:00:00.000Z")
        finally:
            moto_patches._dynamodb_lock = lock
        assert writers, "the snapshot read nothing"
        writers[0].join(timeout=10)
        assert orders.load(order.order_id).status == OrderStatus.RESERVED  # it did commit, after the read
    persistence.write(tmp_path, snapshot)  # the stop's own snapshot replaced by the one taken mid-commit

    kept = {dynamo_item["pk"]["S"]: dynamo_item for dynamo_item in snapshot["tables"]["orders"] if dynamo_item["sk"]["S"] == "META"}
    held = [i for i in snapshot["tables"]["inventory"] if i["pk"]["S"].startswith("RESERVATION#") and order.order_id in i["pk"]["S"]]
    assert kept[f"ORDER#{order.order_id}"]["status"]["S"] == ("RESERVED" if held else "ROUTED")

    with LocalRuntime(data_dir=tmp_path, **FAST_RECOVERY) as second:
        details = wait_for_status(second.api_url, order.order_id, "RELEASED")
        assert not [e for e in details["timeline"] if e.get("to_status") == "EXCEPTION"]
        after = inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH")
        assert (after.on_hand, after.reserved) == (tea.on_hand, tea.reserved + 2)  # its two tins, once


def test_a_second_sigterm_while_stopping_does_not_cut_the_last_snapshot(tmp_path):
    """An impatient operator or a process manager signals again while the served runtime stops:
    the stop still ends with its snapshot (the orders accepted since the periodic one were lost
    when the second signal interrupted it), and the process exits cleanly."""
    import signal

    from local.restart_scenario import _serve

    with LocalRuntime(data_dir=tmp_path, empty=True):  # the state the server starts from
        load_seed()
    child, api = _serve(tmp_path, tmp_path / "served.log")
    try:
        status, answer = http("POST", f"{api}/orders", json.dumps(unique(load_event("orders/01_own_shop_shanghai.json"))).encode())
        assert status == 202, answer
    finally:
        child.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        child.send_signal(signal.SIGTERM)  # while the first stop runs
        returncode = child.wait(timeout=180)
    assert returncode == 0, (tmp_path / "served.log").read_text()
    assert not (tmp_path / persistence.RUNTIME_FILE).exists()  # removed after the stop's snapshot
    kept = persistence.read(tmp_path)
    assert any(i["pk"]["S"] == f"ORDER#{answer['order_id']}" for i in kept["tables"]["orders"])


def test_a_sigterm_as_soon_as_the_runtime_answers_still_stops_it_cleanly(tmp_path):
    """The API answers (and runtime.json is written) before the served runtime's main thread
    serves; a process manager's SIGTERM in that gap killed it with the signal's default action
    (no snapshot, exit -15). Now it is remembered and the runtime stops cleanly once up."""
    import signal

    from local.restart_scenario import _serve

    with LocalRuntime(data_dir=tmp_path, empty=True):
        load_seed()
    child, _ = _serve(tmp_path, tmp_path / "served.log")
    child.send_signal(signal.SIGTERM)  # at once: the runtime file has just appeared
    returncode = child.wait(timeout=180)
    log = (tmp_path / "served.log").read_text()
    assert returncode == 0 and "stopping: saving the state" in log, log
