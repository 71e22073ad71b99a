"""The lanes' pure rules (shared/operations/lanes.py, decision 239): which runs a batch of one
shard counts given the lane's run mark, and how readers fold a key's lanes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.operations.lanes import Run, RunMissing, base_sort_key, fold, lane_of, laned, padded, runs

N = [padded(str(n)) for n in range(100, 110)]


def test_sequence_numbers_pad_to_compare_as_numbers():
    assert padded("99") < padded("100")
    assert len(padded("1" * 40)) == 40
    for bad in ("", "12a", "1" * 41, "-1"):
        with pytest.raises(ValueError):
            padded(bad)


def test_a_lane_names_one_shard_of_one_stream():
    assert lane_of("arn:stream/1", "shard-1") != lane_of("arn:stream/1", "shard-2")
    assert lane_of("arn:stream/1", "shard-1") != lane_of("arn:stream/2", "shard-1")
    assert lane_of("arn:stream/1", "shard-1") == lane_of("arn:stream/1", "shard-1")
    assert base_sort_key(laned("D#2026-12-01", lane_of("a", "b"))) == "D#2026-12-01"


def test_a_lane_without_a_mark_counts_the_whole_batch_as_one_new_run():
    assert runs(N, None) == [Run(0, 10, replay=False)]
    assert runs([], None) == []


def test_a_batch_after_the_marked_run_is_one_new_run():
    assert runs(N[5:], (N[0], N[4])) == [Run(0, 5, replay=False)]


def test_a_retry_replays_the_marked_run_exactly_then_counts_the_rest_anew():
    # The crashed delivery marked N[2]..N[5]; the retry starts there and holds more.
    assert runs(N[2:], (N[2], N[5])) == [Run(0, 4, replay=True), Run(4, 8, replay=False)]
    assert runs(N[2:6], (N[2], N[5])) == [Run(0, 4, replay=True)]


def test_records_before_the_marked_run_were_counted_by_an_earlier_run():
    assert runs(N, (N[2], N[5])) == [Run(2, 6, replay=True), Run(6, 10, replay=False)]  # the first two skipped
    assert runs(N[:2], (N[2], N[5])) == []  # an old delivery, out of order: nothing to count


def test_a_batch_starting_at_the_marked_run_but_lacking_its_last_cannot_replay_it():
    with pytest.raises(RunMissing):
        runs(N[2:4], (N[2], N[5]))  # its retry starts at the run's first too, and may hold the last


def test_a_batch_starting_inside_the_marked_run_follows_the_runs_batch_given_up():
    # Its retry would start at N[3] again: it skips the run's records and counts what follows.
    assert runs(N[3:], (N[2], N[5])) == [Run(3, 7, replay=False)]
    assert runs(N[3:5], (N[2], N[5])) == []


def test_readers_fold_the_lanes_with_the_item_without_a_lane():
    items = [
        {"sk": "D#2026-12-01", "received": 3, "peak_per_second": 4, "expires_at_epoch": 10},
        {"sk": laned("D#2026-12-01", "a"), "received": 2, "cost": Decimal("1.5"), "w": N[0], "t": 1, "expires_at_epoch": 12},
        {"sk": laned("D#2026-12-01", "b"), "received": -1, "cost": Decimal("2.25"), "dims": {"x"}, "w": N[1], "t": 2},
        {"sk": laned("D#2026-12-02", "a"), "received": 1, "dims": {"y"}, "w": N[2], "t": 3},
    ]
    assert fold(items) == [
        {"sk": "D#2026-12-01", "received": 4, "peak_per_second": 4, "expires_at_epoch": 12, "cost": Decimal("3.75"), "dims": {"x"}},
        {"sk": "D#2026-12-02", "received": 1, "dims": {"y"}},
    ]
    assert items[2]["dims"] == {"x"}  # a set folded is a copy
