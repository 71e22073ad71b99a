"""What AWS allows and moto hid: two Express executions of the same order at once. With the fault
mode on, 30 orders each run twice concurrently (a second execution with the same name, and a
duplicate intake delivery); each (order, warehouse) note reaches the WMS queue once and the stock
is reserved once."""

from __future__ import annotations

from collections import Counter

from local.fault_scenarios import Scenario, run_scenario

ORDERS = 30


def test_concurrent_duplicate_executions_send_one_note_and_reserve_once(faulty_runtime):
    runtime, injector = faulty_runtime
    scenario = Scenario("30 orders, every one executed at least twice", duplicate_delivery=True, duplicate_execution=True)
    outcome = run_scenario(runtime, injector, scenario, ORDERS, timeout=600)  # a deadline for a stuck run, not a speed target
    assert outcome.accepted == ORDERS and outcome.statuses == Counter({"RELEASED": ORDERS}), outcome
    runs = Counter(e["name"] for e in runtime.executions())
    assert all(runs[order_id] >= 2 for order_id in outcome.order_ids)  # the duplicates really ran: moto no longer refuses them
    assert outcome.duplicate_notes == 0 and not outcome.missing_notes, outcome
    assert not outcome.reservation_problems, outcome  # every line held once, books balanced
    assert not outcome.stuck and not outcome.lost and outcome.dead_letters == 0
