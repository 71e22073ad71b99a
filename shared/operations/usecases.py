"""Use cases of the operations aggregates: count a batch of order changes, read the overview and
the KPIs, take the minute's health snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.clock import business_day
from shared.operations.domain import (
    ALL,
    PEAK_SECOND_PREFIX,
    PEAK_SECONDS_KEY,
    Deltas,
    OrderChange,
    change_deltas,
    counter_key,
    gauge_key,
    second_of,
)
from shared.operations.health import Health, health
from shared.operations.kpis import kpi_statuses, kpi_values, sum_counters
from shared.operations.lane_store import LaneStore
from shared.operations.lanes import RunMissing, padded, runs
from shared.operations.store import ITEMS, MAX_TRANSACTION_ITEMS, OperationsStore, found_items, in_parallel


class AggregationFailed(Exception):
    def __init__(self, first_failed: int, cause: Exception):
        super().__init__(f"change {first_failed} and the ones after it were not counted: {cause}")
        self.first_failed, self.cause = first_failed, cause


def aggregate(changes: list[OrderChange], store: OperationsStore, sequence_numbers: list[str], stream: str = "", lane: str | None = None) -> int:
    """Counts each change once, in order: in the shard's lane (`lane`: decision 239) when the
    batch names its shard, else in runs of one transaction each. `sequence_numbers`
    are the stream records' of the changes, `stream` names the stream (its numbers are unique
    within it). Returns how many were counted (a redelivery's are not); raises AggregationFailed
    naming the first change not counted (the stream retries from its record).

    Exactly once without a memory per order (decision 140): each run's transaction puts a guard
    keyed on its first record naming its last. A stream batch, first delivered or retried, starts
    at a run's first record (the mapping's checkpoint: where a batch began or the record this
    function reported failed; no bisecting), so the guards found from the batch's first change
    on chain through what an earlier delivery counted."""
    if len(sequence_numbers) != len(changes):
        raise ValueError("one sequence number per change")
    if lane is not None:
        return _aggregate_in_lane(changes, store, sequence_numbers, stream, lane)
    peaks: set[str] = set()
    start = _counted_before(changes, store, sequence_numbers, stream, peaks)
    counted = 0
    chunk_start, chunk_deltas = start, Deltas()

    def flush(end: int) -> None:
        nonlocal counted
        if end == chunk_start:
            return
        try:
            store.apply(stream, sequence_numbers[chunk_start], sequence_numbers[end - 1], chunk_deltas)
        except Exception as error:  # AlreadyCounted: another delivery counted it meanwhile, the retry skips it
            raise AggregationFailed(chunk_start, error) from error
        counted += end - chunk_start
        _collect_peaks(chunk_deltas, peaks)

    for index in range(start, len(changes)):
        deltas = change_deltas(changes[index])
        if index > chunk_start and len(chunk_deltas.keys() | deltas.keys()) + 1 > MAX_TRANSACTION_ITEMS:
            flush(index)
            chunk_start, chunk_deltas = index, Deltas()
        chunk_deltas.merge(deltas)
    flush(len(changes))
    store.refresh_peaks(peaks)
    return counted


def _counted_before(changes: list[OrderChange], store: OperationsStore, sequence_numbers: list[str], stream: str, peaks: set[str]) -> int:
    """How many of the batch's first changes runs of one transaction counted already (their
    guards chain from the batch's first record on); their seconds join `peaks` (a crash may have
    come before the peak's refresh)."""
    start = 0
    while start < len(changes) and (last := store.counted_through(stream, sequence_numbers[start])) is not None:
        through = sequence_numbers.index(last, start) + 1 if last in sequence_numbers[start:] else len(changes)
        peaks |= {second_of(c.new.created_at) for c in changes[start:through] if c.old is None}
        start = through
    return start


def _aggregate_in_lane(changes: list[OrderChange], store: OperationsStore, sequence_numbers: list[str], stream: str, lane: str) -> int:
    """Decision 239: the lane's marked run replayed if the batch holds it (a retry), then the
    rest as one new run: its mark put, then each item's conditional update. A lane with no mark
    yet may follow runs counted in transactions before the lanes (their guards are read then)."""
    if not changes:
        return 0  # the window's final invocation, or a batch of records that are not order changes
    lanes = LaneStore(store)
    numbers = [padded(n) for n in sequence_numbers]
    peaks: set[str] = set()
    mark = lanes.run_mark(lane)
    start = _counted_before(changes, store, sequence_numbers, stream, peaks) if mark is None else 0
    try:
        planned = runs(numbers[start:], mark)
    except RunMissing as missing:
        raise AggregationFailed(start, missing) from missing
    # The changes skipped before the marked run were counted by a delivery that may have failed
    # before refreshing their peak (then the whole batch is retried): their seconds join `peaks`.
    skipped = start + (planned[0].start if planned else len(changes) - start)
    peaks |= {second_of(c.new.created_at) for c in changes[start:skipped] if c.old is None}
    counted = 0
    for run in planned:
        first, end = start + run.start, start + run.end
        deltas = Deltas()
        for change in changes[first:end]:
            change_deltas(change, deltas)
        try:
            if not run.replay:
                lanes.mark_run(lane, numbers[first], numbers[end - 1])
            lanes.apply(lane, numbers[end - 1], deltas)
        except Exception as error:  # the retry starts at this run's first record and replays it
            raise AggregationFailed(first, error) from error
        if not run.replay:
            counted += end - first
        _collect_peaks(deltas, peaks)
    store.refresh_peaks(peaks)
    return counted


def _collect_peaks(deltas: Deltas, peaks: set[str]) -> None:
    for pk, sk in deltas.numbers:
        if pk == PEAK_SECONDS_KEY and sk.startswith(PEAK_SECOND_PREFIX):
            peaks.add(sk[len(PEAK_SECOND_PREFIX):])


# -- reads ---------------------------------------------------------------------------------------


def _dims_by_kind(store: OperationsStore) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {"channel": [], "warehouse": [], "ruleset": [], "policy": []}
    for d in store.dims():
        kind, _, value = d.partition("#")
        if kind in kinds:
            kinds[kind].append(value)
    return {k: sorted(v) for k, v in kinds.items()}


HEALTH_ITEMS = ("health", *ITEMS)


def health_now(store: OperationsStore, now: datetime, dims: dict[str, list[str]] | None = None) -> dict[str, Any]:
    reads, combine = health_reads(store, now, dims if dims is not None else _dims_by_kind(store))
    return combine(in_parallel(reads))


def health_reads(store: OperationsStore, now: datetime, dims: dict[str, list[str]], also: list[tuple[str, str]] | tuple[()] = ()) -> tuple[dict[Any, Any], Any]:
    """The reads of the health index now (everywhere, per channel, per warehouse), and what makes
    the figures of their results: the overview runs them in its one round of reads. The items of
    `also` come in the gauges' batch read, under HEALTH_ITEMS of the results."""
    dimensions = [ALL] + [f"{kind}#{value}" for kind in ("channel", "warehouse") for value in dims[kind]]
    reads, gauges_of = store.gauge_reads(dimensions, now, also)

    def combine(found: dict[Any, Any]) -> dict[str, Any]:
        gauges = gauges_of(found)
        figures = {d: health(g, now) for d, g in gauges.items()}
        return {
            "all": figures[ALL],
            "by_channel": {v: figures[f"channel#{v}"] for v in dims["channel"]},
            "by_warehouse": {v: figures[f"warehouse#{v}"] for v in dims["warehouse"]},
            "open_by_status": {k: v for k, v in gauges[ALL].open.items() if v},
        }

    return {("health", *key): read for key, read in reads.items()}, lambda got: combine({key[1:]: value for key, value in got.items() if key[0] == "health"})


def overview(store: OperationsStore, now: datetime) -> dict[str, Any]:
    """Everything the console's overview shows, from a few dozen small reads (no order scan)."""
    dims = _dims_by_kind(store)
    today, day_from = business_day(now), business_day(now - timedelta(days=30))
    first_hour = now - timedelta(hours=23)
    hours = [(first_hour + timedelta(hours=h)).strftime("%Y-%m-%dT%H") for h in range(24)]
    minute_from = (now - timedelta(minutes=180)).strftime("%Y-%m-%dT%H:%M")
    minute_to = now.strftime("%Y-%m-%dT%H:%M")
    today_keys = [(counter_key(ALL), f"D#{today}")] + [
        (counter_key(f"{kind}#{v}"), f"D#{today}") for kind in ("channel", "warehouse") for v in dims[kind]
    ]
    # One round of independent reads: the health index's gauges and buckets with the rest, today's
    # counters with the gauges' item reads (each key's lanes with it: decision 239).
    reads, health_of = health_reads(store, now, dims, also=today_keys)
    reads |= {
        "minutes": lambda: store.minute_history(ALL, minute_from, minute_to),
        "days": lambda: store.history(ALL, f"D#{day_from}", f"D#{today}"),
    }
    for channel in dims["channel"]:
        reads[f"hours#{channel}"] = (lambda c=channel: store.counters(f"channel#{c}", f"H#{hours[0]}", f"H#{hours[-1]}", ("received",)))
    got = in_parallel(reads)
    figures = health_of(got)
    everything: Health = figures["all"]
    today_items = found_items(got, HEALTH_ITEMS)

    def today_of(d: str) -> dict[str, Any]:
        return today_items.get((counter_key(d), f"D#{today}"), {})

    per_hour = {}
    for channel in dims["channel"]:
        counts = {i["sk"][2:]: int(i.get("received", 0)) for i in got[f"hours#{channel}"]}
        per_hour[channel] = [counts.get(h, 0) for h in hours]
    today_all = today_of(ALL)
    return {
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "health": {
            "index": everything.index,
            "detail": everything,
            "by_channel": {c: h.index for c, h in figures["by_channel"].items()},
            "by_warehouse": {w: h.index for w, h in figures["by_warehouse"].items()},
        },
        "health_history": {
            "minutes": [{"at": i["sk"][2:], "index": i["index"]} for i in got["minutes"]],
            "days": [{"day": i["sk"][2:], "last": i["last"], "worst": i["worst"], "mean": (Decimal(str(i["sum"])) / i["n"]).quantize(Decimal("0.1")) if i.get("n") else None} for i in got["days"]],
        },
        "open_by_status": figures["open_by_status"],
        "today_by_status": {k.removeprefix("entered_"): int(v) for k, v in today_all.items() if k.startswith("entered_")},
        "stuck_by_status": everything.overdue,
        "exceptions": everything.exceptions,
        "holds_by_age": everything.holds_by_age,
        "backorders": everything.backorders,
        "orders_per_hour": {"hours": hours, "by_channel": per_hour},
        "today": {
            "day": today,  # China's day (decision 265)
            "time_zone": "Asia/Shanghai",
            "received": int(today_all.get("received", 0)),
            "all": kpi_values(today_all),
            "by_channel": {c: {"health": figures["by_channel"][c].index, **kpi_values(today_of(f"channel#{c}"))} for c in dims["channel"]},
            "by_warehouse": {w: {"health": figures["by_warehouse"][w].index, **kpi_values(today_of(f"warehouse#{w}"))} for w in dims["warehouse"]},
        },
    }


def kpis(store: OperationsStore, now: datetime, days: int = 14) -> dict[str, Any]:
    """The seed's KPIs: today's value, the window's value and trend, against baseline and target,
    and each one per review rule-set version and per routing strategy over the window."""
    dims = _dims_by_kind(store)
    first, last = business_day(now - timedelta(days=days - 1)), business_day(now)
    reads: dict[str, Any] = {ALL: lambda: store.counters(ALL, f"D#{first}", f"D#{last}")}
    for kind in ("ruleset", "policy"):
        for value in dims[kind]:
            reads[f"{kind}#{value}"] = (lambda d=f"{kind}#{value}": store.counters(d, f"D#{first}", f"D#{last}"))
    got = in_parallel(reads)
    by_day = {i["sk"][2:]: i for i in got[ALL]}
    day_names = [business_day(now - timedelta(days=days - 1 - n)) for n in range(days)]
    window = sum_counters(got[ALL])
    return {
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "window": {"from": first, "to": last},
        "kpis": kpi_statuses(by_day.get(last, {}), window, [(d, by_day.get(d, {})) for d in day_names]),
        "by_ruleset": {v: kpi_values(sum_counters(got[f"ruleset#{v}"])) for v in dims["ruleset"]},
        "by_policy": {v: kpi_values(sum_counters(got[f"policy#{v}"])) for v in dims["policy"]},
    }


def snapshot(store: OperationsStore, now: datetime) -> dict[str, Decimal]:
    """The minute's health index per dimension, written to the history; returns them (metrics)."""
    figures = health_now(store, now)
    minute = now.strftime("%Y-%m-%dT%H:%M")
    values = {ALL: figures["all"].index}
    values |= {f"channel#{c}": h.index for c, h in figures["by_channel"].items()}
    values |= {f"warehouse#{w}": h.index for w, h in figures["by_warehouse"].items()}
    for dimension, index in values.items():
        store.record_health(dimension, minute, index, int(now.timestamp()))
    if now.minute == COMPACTION_MINUTE:
        compact_lanes(store, now)
    return values


COMPACTION_MINUTE = 7  # once an hour, in the minute's snapshot


def compact_lanes(store: OperationsStore, now: datetime) -> int:
    """Folds the lanes no shard can move any more (idle two days: lane_store.IDLE_SECONDS) into
    the items without a lane, where readers would otherwise read them for good: each dimension's
    open-order gauges (they never expire) and its day counters of three days ago (the KPIs read
    14 days of them). Returns how many lanes were folded."""
    dims = [ALL] + [f"{kind}#{value}" for kind, values in _dims_by_kind(store).items() for value in values]
    day = business_day(now - timedelta(days=3))
    keys = [gauge_key(d) for d in dims] + [(counter_key(d), f"D#{day}") for d in dims]
    lanes, epoch = LaneStore(store), int(now.timestamp())
    return sum(in_parallel({key: (lambda k=key: lanes.compact(*k, epoch)) for key in keys}).values())
