"""Counting without a transaction per run: one lane per stream shard (decision 239).

A shard of the orders stream is read by one batch at a time, in order, so its sequence numbers
only grow. Each counter item the aggregator moves has one copy per lane (`<sk>#L#<lane>`) that
carries its own watermark `w`, the last record it counted: an update applies only when its run
ends past `w`. That alone would count a retried batch twice when the retry's run ends further
than the crashed one's (its records extend further, so every item's `w` is behind it): so each
lane also keeps a run mark, put before a run's updates, naming the run's first and last record.
A retry finds the mark and replays exactly that run (items it reached keep `w` = its last and
skip), then starts the next run behind it.

Readers fold a key's lane items with the item without a lane (counted before the lanes, by the
transactional path, or compacted): numbers add up, except a day's peak (the largest).
Pure: no boto3 (shared/operations/lane_store.py writes and reads them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

LANE_MARK = "#L#"
LANE_END = LANE_MARK + "~"  # above every lane of a sort key: a lane name is hex
SEQUENCE_DIGITS = 40  # DynamoDB Streams sequence numbers: 21 to 40 digits
WATERMARK = "w"  # the last record a lane item counted (padded: strings compare as the numbers)
TOUCHED = "t"  # when a lane item was last moved (epoch seconds): compaction finds the idle ones
MAXIMA = frozenset({"peak_per_second", "expires_at_epoch"})
LANE_ONLY = frozenset({WATERMARK, TOUCHED})


def lane_of(stream_arn: str, shard_id: str) -> str:
    """The lane of one shard of one stream (a table's successive streams reuse shard ids)."""
    return hashlib.sha256(f"{stream_arn}/{shard_id}".encode()).hexdigest()[:12]


def padded(sequence_number: str) -> str:
    if not sequence_number.isdigit() or len(sequence_number) > SEQUENCE_DIGITS:
        raise ValueError(f"not a stream sequence number: {sequence_number!r}")
    return sequence_number.zfill(SEQUENCE_DIGITS)


def laned(sort_key: str, lane: str) -> str:
    return f"{sort_key}{LANE_MARK}{lane}"


def base_sort_key(sort_key: str) -> str:
    return sort_key.split(LANE_MARK, 1)[0]


def fold(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One item per sort key of one partition's items (lanes and the item without a lane), in
    sort-key order: numbers summed (a day's peak and an expiry: the largest), sets joined; the
    lanes' own watermark and time left out."""
    folded: dict[str, dict[str, Any]] = {}
    for item in items:
        sort_key = base_sort_key(item["sk"])
        into = folded.get(sort_key)
        if into is None:
            into = folded[sort_key] = {"sk": sort_key}
        for name, value in item.items():
            if name == "sk" or name in LANE_ONLY:
                continue
            if name not in into:
                into[name] = set(value) if isinstance(value, set) else value
            elif name in MAXIMA:
                into[name] = max(into[name], value)
            elif isinstance(value, set):
                into[name] |= value
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                into[name] += value
    return [folded[k] for k in sorted(folded)]


@dataclass(frozen=True)
class Run:
    """A lane's run of changes: its records' positions [start, end) in the batch."""

    start: int
    end: int
    replay: bool  # the lane's mark names it already: a retry re-applies exactly it


class RunMissing(Exception):
    """The batch starts at the lane's marked run but lacks its last record: it cannot be replayed
    exactly from this batch (the retry's batch starts where the run starts and may hold it)."""


def runs(sequence_numbers: list[str], mark: tuple[str, str] | None) -> list[Run]:
    """What a batch of one lane counts (its changes' padded sequence numbers, in order), given
    the lane's run mark (first, last) or None: its leading changes before the marked run were
    covered by an earlier run (counted, or given up to the failure queue); the marked run is
    replayed when the batch holds it; the rest is one new run. A batch that starts after the
    marked run's first record but within it follows the run's batch given up to the failure queue
    (the mapping moves past a batch only once it is counted or given up): its changes through the
    run's last were that batch's (partly counted, as any batch given up) and are skipped; a retry
    would start at the same record, so failing could never replay the run."""
    count, start, planned = len(sequence_numbers), 0, []
    if mark is not None:
        first, last = mark
        inside = bool(sequence_numbers) and first < sequence_numbers[0] <= last
        while start < count and (sequence_numbers[start] <= last if inside else sequence_numbers[start] < first):
            start += 1
        if start < count and sequence_numbers[start] <= last:
            if sequence_numbers[start] != first or last not in sequence_numbers:
                raise RunMissing(f"the batch holds part of the run {first}..{last} only")
            end = sequence_numbers.index(last) + 1
            planned.append(Run(start, end, replay=True))
            start = end
    if start < count:
        planned.append(Run(start, count, replay=False))
    return planned
