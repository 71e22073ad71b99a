"""Counting in lanes (decision 239) on the operations table: the hand-made day of
test_operations_figures counted in two shards' lanes gives the same figures as its transactional
count, each change counts once under redeliveries, crashes mid-run, retries that reach further,
late writes of a stale delivery, and across the switch from transactions; idle lanes fold away."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from functions.operations_aggregator.handler import handler
from local.moto_patches import LocalLambdaContext
from shared.aws.dynamo import from_item, to_item
from shared.clock import business_day
from shared.operations.domain import ALL, Deltas, change_deltas, gauge_key
from shared.operations.lane_store import IDLE_SECONDS, LaneStore
from shared.operations.lanes import lane_of, padded
from shared.operations.store import OperationsStore
from shared.operations.stream import change_of
from shared.operations.usecases import AggregationFailed, aggregate, compact_lanes, kpis
from tests.integration.test_operations_figures import CHANGES, NOW, SEQUENCE, _create_table, figures_of

A, B = lane_of("arn:stream", "shard-a"), lane_of("arn:stream", "shard-b")
HALF = len(CHANGES) // 2  # orders' later changes in a child shard: an order moves lanes


@pytest.fixture
def expected(aws) -> OperationsStore:
    store = OperationsStore("expected")
    _create_table(store)
    assert aggregate(CHANGES, store, SEQUENCE, stream="s") == len(CHANGES)
    return store


def all_figures(store: OperationsStore):
    return figures_of(store), kpis(store, NOW)


def items(store: OperationsStore) -> list[dict]:
    return [from_item(i) for i in store.db.scan(TableName=store.table)["Items"]]


def test_a_day_counted_in_two_lanes_reads_as_its_transactional_count(expected):
    store = OperationsStore()
    assert aggregate(CHANGES[:HALF], store, SEQUENCE[:HALF], lane=A) == HALF
    assert aggregate(CHANGES[HALF:], store, SEQUENCE[HALF:], lane=B) == len(CHANGES) - HALF
    assert all_figures(store) == all_figures(expected)
    unlaned = [i for i in items(store) if i["pk"].startswith(("C#", "G#", "B#")) and "#L#" not in i["sk"]]
    assert [(i["pk"], i["sk"], set(i) - {"pk", "sk"}) for i in unlaned] == [("C#all", "D#2026-12-01", {"peak_per_second"})]  # the day's peak only
    assert not [i for i in items(store) if i["pk"].startswith("Q#")]  # and no guard


def test_a_redelivered_batch_counts_nothing_twice(expected):
    store = OperationsStore()
    aggregate(CHANGES, store, SEQUENCE, lane=A)
    assert aggregate(CHANGES, store, SEQUENCE, lane=A) == 0
    with pytest.raises(AggregationFailed):  # a shorter one within the marked run: it cannot tell what it holds
        aggregate(CHANGES[:7], store, SEQUENCE[:7], lane=A)
    assert all_figures(store) == all_figures(expected)


def test_a_run_that_failed_midway_is_replayed_exactly_by_a_retry_that_reaches_further(expected, monkeypatch):
    store = OperationsStore()
    real, calls = LaneStore._update, []

    def failing_ninth(self, update):
        calls.append(update)
        if len(calls) == 9:
            raise RuntimeError("throttled")
        return real(self, update)

    monkeypatch.setattr(LaneStore, "_update", failing_ninth)
    with pytest.raises(AggregationFailed) as failed:
        aggregate(CHANGES[:HALF], store, SEQUENCE[:HALF], lane=A)
    assert failed.value.first_failed == 0  # the retry starts at the run's first record
    monkeypatch.setattr(LaneStore, "_update", real)
    # The retry's batch reaches further: the run marked is replayed as it was, then the rest.
    assert aggregate(CHANGES, store, SEQUENCE, lane=A) == len(CHANGES) - HALF
    assert all_figures(store) == all_figures(expected)


def _mark_then_time_out(store: OperationsStore, monkeypatch) -> None:
    """A delivery of the first half that marks its run, then times out before any write."""
    real = LaneStore.apply
    monkeypatch.setattr(LaneStore, "apply", lambda self, lane, last, deltas: (_ for _ in ()).throw(RuntimeError("timed out")))
    with pytest.raises(AggregationFailed):
        aggregate(CHANGES[:HALF], store, SEQUENCE[:HALF], lane=A)
    monkeypatch.setattr(LaneStore, "apply", real)


def test_a_retry_lacking_the_marked_runs_last_record_fails_and_counts_nothing(expected, monkeypatch):
    store = OperationsStore()
    _mark_then_time_out(store, monkeypatch)
    with pytest.raises(AggregationFailed):
        aggregate(CHANGES[: HALF - 1], store, SEQUENCE[: HALF - 1], lane=A)
    assert aggregate(CHANGES, store, SEQUENCE, lane=A) == len(CHANGES) - HALF
    assert all_figures(store) == all_figures(expected)


def test_a_batch_starting_inside_the_marked_run_counts_what_follows_the_run(aws, monkeypatch):
    """The marked run's batch was given up to the failure queue (every retry lacked the run's
    last record), so the mapping's next batch starts inside the run. A retry of it starts at the
    same record and can never hold the run's first: failing would send it to the failure queue
    too, with the changes after the run. It skips the run's records (given up) and counts the rest."""
    second_half = OperationsStore("second-half")
    _create_table(second_half)
    aggregate(CHANGES[HALF:], second_half, SEQUENCE[HALF:], stream="s")
    store = OperationsStore()
    _mark_then_time_out(store, monkeypatch)  # the run 0..HALF-1 marked, nothing written; then given up
    assert aggregate(CHANGES[3:], store, SEQUENCE[3:], lane=A) == len(CHANGES) - HALF
    assert all_figures(store) == all_figures(second_half)


def test_a_batch_retried_whole_after_its_peaks_were_not_refreshed_refreshes_them(expected, monkeypatch):
    """A retry replays the crashed run and counts the next, then fails refreshing the day's peak
    (the whole batch is retried): the retry of that skips the replayed run's changes, whose
    seconds hold the day's busiest; their peak is refreshed still (as _counted_before does)."""
    store = OperationsStore()
    _mark_then_time_out(store, monkeypatch)  # the first half: its peak second (10:00:00) among them
    real = OperationsStore.refresh_peaks
    monkeypatch.setattr(OperationsStore, "refresh_peaks", lambda self, seconds: (_ for _ in ()).throw(RuntimeError("throttled")))
    with pytest.raises(RuntimeError):
        aggregate(CHANGES, store, SEQUENCE, lane=A)
    monkeypatch.setattr(OperationsStore, "refresh_peaks", real)
    assert aggregate(CHANGES, store, SEQUENCE, lane=A) == 0
    assert all_figures(store) == all_figures(expected)


def test_a_stale_deliverys_late_writes_change_nothing(expected, monkeypatch):
    """A delivery that timed out after marking its run keeps writing after its retry replayed
    the run and counted the next."""
    store = OperationsStore()
    _mark_then_time_out(store, monkeypatch)
    assert aggregate(CHANGES, store, SEQUENCE, lane=A) == len(CHANGES) - HALF
    stale = Deltas()
    for change in CHANGES[:HALF]:
        change_deltas(change, stale)
    assert LaneStore(store).apply(A, padded(SEQUENCE[HALF - 1]), stale) == 1  # only the lane-less set of dimensions
    assert all_figures(store) == all_figures(expected)


def test_a_delivery_that_read_the_lanes_mark_before_another_marked_its_run_counts_nothing(aws, monkeypatch):
    """Two deliveries of one shard at once (a timed-out one and its retry) both read the lane
    before either marked: the second's mark is refused, so it writes nothing."""
    first_half = OperationsStore("first-half")
    _create_table(first_half)
    aggregate(CHANGES[:HALF], first_half, SEQUENCE[:HALF], stream="s")
    store = OperationsStore()
    aggregate(CHANGES[:HALF], store, SEQUENCE[:HALF], lane=A)
    monkeypatch.setattr(LaneStore, "run_mark", lambda self, lane: None)  # what it read before the mark
    with pytest.raises(AggregationFailed) as failed:
        aggregate(CHANGES[: HALF + 3], store, SEQUENCE[: HALF + 3], lane=A)
    assert failed.value.first_failed == 0
    assert all_figures(store) == all_figures(first_half)


def test_the_switch_from_transactions_skips_what_their_guards_counted(expected):
    """Runs committed in transactions before the deploy, their batch delivered again after it:
    the lane has no mark yet, so the guards are read and their changes skipped."""
    store = OperationsStore()
    assert aggregate(CHANGES[:HALF], store, SEQUENCE[:HALF], stream="s") == HALF
    assert aggregate(CHANGES, store, SEQUENCE, stream="s", lane=A) == len(CHANGES) - HALF
    assert all_figures(store) == all_figures(expected)


def test_idle_lanes_fold_into_the_item_without_a_lane_and_readers_see_the_same(expected):
    store = OperationsStore()
    aggregate(CHANGES[:HALF], store, SEQUENCE[:HALF], lane=A)
    aggregate(CHANGES[HALF:], store, SEQUENCE[HALF:], lane=B)
    assert compact_lanes(store, datetime.now(timezone.utc)) == 0  # nothing idle yet
    later = datetime.now(timezone.utc) + timedelta(seconds=IDLE_SECONDS + 60)
    day_key = ("C#all", f"D#{business_day(later - timedelta(days=3))}")
    assert compact_lanes(store, later) >= 2  # the gauges of every dimension, in both lanes
    gauges = [i for i in items(store) if i["pk"] == gauge_key(ALL)[0]]
    assert [i["sk"] for i in gauges] == ["OPEN"]
    assert figures_of(store) == figures_of(expected)
    assert store.item(*day_key) == {}  # no day three days before `later` was counted


def test_compaction_leaves_a_lane_moved_meanwhile(aws):
    store = OperationsStore()
    aggregate(CHANGES, store, SEQUENCE, lane=A)
    lanes = LaneStore(store)
    real_query = store.db.query

    def query_then_a_write(**kwargs):
        found = real_query(**kwargs)
        store.db.update_item(**store.counter_update(gauge_key(ALL)[:1] + (f"OPEN#L#{A}",), {"open_RECEIVED": 1}, {}, 0, watermark=(padded("9" * 30), int(time.time())))["Update"])
        return found

    store.db.query = query_then_a_write
    try:
        assert lanes.compact(*gauge_key(ALL), int(time.time()) + IDLE_SECONDS + 60) == 0
    finally:
        del store.db.query
    assert len([i for i in items(store) if i["pk"] == gauge_key(ALL)[0]]) == 1


def _event(records: list[dict], shard: str | None) -> dict:
    event: dict = {"Records": records}
    if shard:
        event |= {"shardId": shard, "eventSourceARN": "arn:stream", "window": {"start": "2026-12-01T12:00:00Z", "end": "2026-12-01T12:15:00Z"}, "state": {}, "isFinalInvokeForWindow": False, "isWindowTerminatedEarly": False}
    return event


def _record(change, sequence: str) -> dict:
    new = {"pk": f"ORDER#{change.new.order_id}", "sk": "META", **change.new.model_dump(mode="json", exclude_none=True), "order": {"channel": change.new.channel}}
    data = {"Keys": to_item({"pk": new["pk"], "sk": "META"}), "NewImage": to_item(new), "SequenceNumber": sequence}
    if change.old is not None:
        data["OldImage"] = to_item({"pk": new["pk"], "sk": "META", **change.old.model_dump(mode="json", exclude_none=True), "order": {"channel": change.old.channel}})
    return {"eventName": "MODIFY" if change.old else "INSERT", "eventSourceARN": "arn:stream", "dynamodb": data}


def test_the_handler_counts_a_windowed_batch_in_its_shards_lane_and_answers_with_a_state(aws):
    records = [_record(c, s) for c, s in zip(CHANGES, SEQUENCE, strict=True)]
    expected = OperationsStore("expected")
    _create_table(expected)
    aggregate([change_of(r) for r in records], expected, SEQUENCE, stream="s")
    assert handler(_event(records, "shard-a"), LocalLambdaContext("operations_aggregator")) == {"state": {}, "batchItemFailures": []}
    assert handler(_event([], "shard-a") | {"isFinalInvokeForWindow": True}, LocalLambdaContext("operations_aggregator")) == {"state": {}, "batchItemFailures": []}
    store = OperationsStore()
    assert [i for i in items(store) if i["sk"].endswith(f"#L#{lane_of('arn:stream', 'shard-a')}")]
    assert all_figures(store) == all_figures(expected)
    assert handler(_event(records, None), LocalLambdaContext("operations_aggregator")) == {"batchItemFailures": []}  # no window: no state
