"""Intake's crash after the write really strikes after the order is stored (decision 90 made its
write two single-item puts, and the injector once waited for a transaction that never came: the
benchmark's row then crashed nothing). The order is stored RECEIVED, never queued; the channel is
answered with an error. Finding and re-driving it is the stuck-order detector's job
(tests/recovery, benchmarks/fault_injection)."""

from __future__ import annotations

import json

from local.fault_scenarios import SAMPLE, order_status, post_order, unique_order
from local.faults import Fault
from shared.ids import order_id_for


def test_a_crash_after_intakes_write_leaves_the_order_stored_and_unqueued(faulty_runtime):
    runtime, injector = faulty_runtime
    injector.install_intake(runtime)
    body = unique_order(json.loads(SAMPLE.read_text("utf-8")), "intake crash test", 0)
    order_id = order_id_for(body["channel"], body["external_id"])
    injector.plan.add([order_id], Fault("intake", "crash_after_write"))
    fired = injector.fired[("intake", "crash_after_write")]

    status, _ = post_order(runtime.api_url, body, attempts=1)

    assert status >= 500
    assert injector.fired[("intake", "crash_after_write")] == fired + 1
    assert order_status(order_id) == "RECEIVED"  # stored (META written), and nothing moved it on
