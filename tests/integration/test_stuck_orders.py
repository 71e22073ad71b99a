"""The stuck-order detector against moto, with the clock in the test's hand: limits, re-drives one
limit apart, escalation once when re-driving does not help, waiting statuses escalated at once,
EXCEPTION counted; and the sharded status index's scatter-gather paging."""

from __future__ import annotations

import threading
from datetime import timedelta

from shared.aws import status_index
from shared.aws.order_store import OrderQuery
from shared.aws.stores import order_store
from shared.clock import utc_now
from shared.lifecycle import OrderStatus
from shared.recovery.detect_stuck import detect_stuck_orders
from shared.recovery.policy import StuckPolicy
from tests.integration.test_operations import STEPS, drive
from tests.integration.test_workflow_steps import accept

POLICY = StuckPolicy.parse({"RECEIVED": 60, "APPROVED": 60, "ROUTED": 60, "RESERVED": 60, "RELEASED": 3600}, max_redrives=2)


class Recorder:
    def __init__(self):
        self.enqueued, self.runs, self.events = [], [], []

    def detect(self, at_seconds: float):
        return detect_stuck_orders(
            order_store(), POLICY, self.enqueued.append, lambda o, resume, run: self.runs.append((o, resume, run)) or True, self.events.extend, now=utc_now() + timedelta(seconds=at_seconds)
        )


def test_redrive_that_does_not_help_is_tried_max_times_then_escalated_once(seeded, shanghai_order):
    order_id = drive(shanghai_order, "ROUTED")
    calls = Recorder()  # its re-drives start nothing: the order stays ROUTED
    assert calls.detect(30).redriven == []  # within its limit
    assert calls.detect(61).redriven == [order_id]
    assert calls.detect(90).redriven == []  # the re-drive gets a whole limit to work
    assert calls.detect(125).redriven == [order_id]
    report = calls.detect(190)
    assert report.redriven == [] and report.escalated == [order_id]
    later = calls.detect(300)
    assert later.escalated == [] and later.redriven == [] and later.stuck == {}  # once; then operations' (not counted)
    assert [r[1] for r in calls.runs] == ["Route", "Route"]
    assert len({r[2] for r in calls.runs}) == 2  # distinct run names: a second run is never refused as a repeat
    assert [e.detail_type for e in calls.events] == ["OrderStuck", "OrderStuck", "StuckOrderEscalated"]
    assert calls.events[-1].redrives == 2 and calls.events[-1].status == "ROUTED"
    notes = sorted((e for e in order_store().details(order_id).timeline if e.actor.name == "stuck-order-detector"), key=lambda e: e.at)
    assert len(notes) == 3 and "escalated to operations" in notes[-1].cause
    assert order_store().load(order_id).status == OrderStatus.ROUTED  # bookkeeping changes no status


def test_a_received_order_is_queued_again_and_a_move_resets_the_count(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    calls = Recorder()
    assert calls.detect(61).redriven == [order_id] and calls.enqueued == [order_id]
    assert calls.detect(125).redriven == [order_id] and calls.enqueued == [order_id]  # queued once; then a run
    assert calls.runs[-1][1] == "Review" and calls.events[-1].resume_at == "Review"
    STEPS["APPROVED"][0](order_id)  # the order moves on (its status changes): the count starts again
    assert order_store().load(order_id).status == OrderStatus.APPROVED
    report = calls.detect(200)
    assert report.redriven == [order_id] and calls.runs[-1][1] == "Route" and calls.events[-1].attempt == 1


def test_a_status_waiting_on_somebody_else_is_escalated_at_once_and_exception_counted(seeded, shanghai_order):
    released = drive(shanghai_order, "RELEASED")
    calls = Recorder()
    assert calls.detect(1800).escalated == []
    report = calls.detect(3700)
    assert report.escalated == [released] and report.redriven == [] and calls.runs == []
    [note] = [e for e in order_store().details(released).timeline if e.actor.name == "stuck-order-detector"]
    assert "waits on the warehouse's shipment update" in note.cause
    assert report.counted == {"EXCEPTION": 0}


def test_the_status_index_is_sharded_and_read_across_shards_in_pages(seeded, shanghai_order):
    ids = [accept({**shanghai_order, "external_id": f"{shanghai_order['external_id']}-{n}"}) for n in range(12)]
    shards = {status_index.shard_of(i) for i in ids}
    assert len(shards) > 1  # twelve orders land on several partitions
    raw = order_store().db.get_item(TableName=order_store().table, Key={"pk": {"S": f"ORDER#{ids[0]}"}, "sk": {"S": "META"}})["Item"]
    # A workflow status lives in by_flow (decision 92): the same shard, one key for the whole flow.
    assert raw["flow_key"]["S"] == status_index.flow_key(ids[0]) and "status_key" not in raw
    seen, token = [], None
    while True:
        page, token = order_store().list_orders(OrderQuery(status="RECEIVED", limit=5, next_token=token))
        assert len(page) <= 5
        seen.extend(page)
        if token is None:
            break
    assert sorted(o.order_id for o in seen) == sorted(ids)  # every order once, none twice
    stamps = [o.updated_at for o in seen]
    assert stamps == sorted(stamps, reverse=True)  # newest first across shards and pages
    oldest = order_store().waiting_since(OrderStatus.RECEIVED, "~", limit=3)
    assert [o.order_id for o in oldest] == [o.order_id for o in sorted(seen, key=lambda o: (o.updated_at, o.order_id))[:3]]
    assert order_store().count_in(OrderStatus.RECEIVED) == 12


def test_items_keyed_before_sharding_are_migrated(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    store = order_store()
    key = {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": "META"}}
    # As stored before sharding (and before by_flow): the raw status as status_key.
    store.db.update_item(TableName=store.table, Key=key, UpdateExpression="SET status_key = :raw REMOVE flow_key", ExpressionAttributeValues={":raw": {"S": "RECEIVED"}})
    assert store.count_in(OrderStatus.RECEIVED) == 0  # invisible to the sharded reads
    assert status_index.migrate_status_keys(store.db, store.table) == 1
    assert status_index.migrate_status_keys(store.db, store.table) == 0  # repeatable
    assert status_index.migrate_flow_keys(store.db, store.table) == 1  # then into by_flow (decision 92)
    assert status_index.migrate_flow_keys(store.db, store.table) == 0
    assert [o.order_id for o in store.waiting_since(OrderStatus.RECEIVED, "~")] == [order_id]


def test_a_backlog_is_acted_on_at_once_and_a_run_stops_reading_when_its_time_is_nearly_up(seeded, shanghai_order):
    ids = [accept({**shanghai_order, "external_id": f"{shanghai_order['external_id']}-b{n}"}) for n in range(6)]
    later = utc_now() + timedelta(seconds=61)
    # With its time nearly up, a run reads no page: the backlog waits for the next run, untouched.
    calls = Recorder()
    report = detect_stuck_orders(order_store(), POLICY, calls.enqueued.append, lambda *a: True, calls.events.extend, now=later, time_left=lambda: 5.0)
    assert report.stuck == {} and report.redriven == [] and calls.enqueued == []
    # With time, a page's orders are acted on at once: each queueing waits for two others to be
    # under way (a barrier of three), which one order at a time would never reach.
    together = threading.Barrier(3, timeout=20)
    queued: list[str] = []

    def enqueue(order_id: str) -> None:
        together.wait()
        queued.append(order_id)

    report = detect_stuck_orders(order_store(), POLICY, enqueue, lambda *a: True, calls.events.extend, now=later, time_left=lambda: 60.0, workers=3)
    assert sorted(report.redriven) == sorted(ids) == sorted(queued)
    assert report.stuck == {"RECEIVED": 6} and len(report.detection_delays) == 6
    assert [e.detail_type for e in calls.events] == ["OrderStuck"] * 6
    # Each was counted once: a second run at the same moment leaves them their limit to work.
    assert detect_stuck_orders(order_store(), POLICY, enqueue, lambda *a: True, calls.events.extend, now=later, time_left=lambda: 60.0).redriven == []
