"""The local stream poller's shard reading (local/stream_poller.py), on an in-memory stream shaped
as DynamoDB Streams answers: a new poller reads each shard from its oldest record kept; one given
the iterators a restart's restore took first (iterators_after_present) reads only what came after."""

from __future__ import annotations

import json
import time

from local.stream_poller import StreamPoller, iterators_after_present


class Stream:
    """Two shards; an iterator is (shard, position): TRIM_HORIZON at 0, LATEST at the shard's end."""

    def __init__(self):
        self.shards: dict[str, list[dict]] = {"shard-1": [], "shard-2": []}

    def write(self, shard: str, pk: str, sk: str = "META") -> None:
        number = str(sum(len(records) for records in self.shards.values()) + 1)
        self.shards[shard].append({"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}, "SequenceNumber": number}})

    def describe_stream(self, StreamArn):  # noqa: N803 (boto3's names)
        return {"StreamDescription": {"Shards": [{"ShardId": shard} for shard in self.shards]}}

    def get_shard_iterator(self, StreamArn, ShardId, ShardIteratorType):  # noqa: N803
        return {"ShardIterator": f"{ShardId}@{0 if ShardIteratorType == 'TRIM_HORIZON' else len(self.shards[ShardId])}"}

    def get_records(self, ShardIterator, Limit):  # noqa: N803
        shard, at = ShardIterator.split("@")
        records = self.shards[shard][int(at) : int(at) + Limit]
        return {"Records": records, "NextShardIterator": f"{shard}@{int(at) + len(records)}"}


def poller(stream: Stream, iterators: dict[str, str] | None = None) -> StreamPoller:
    return StreamPoller(stream, None, "arn:stream", "consumer", lambda event, context: None, "queue", sort_key_equals="META", iterators=iterators)


def test_a_new_poller_reads_every_shard_from_its_oldest_record_then_only_new_ones():
    stream = Stream()
    stream.write("shard-1", "ORDER#a")
    stream.write("shard-2", "ORDER#b")
    stream.write("shard-2", "ORDER#b", sk="TL#000002")  # not the filter's
    reading = poller(stream)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in reading._read()] == ["ORDER#a", "ORDER#b"]
    stream.write("shard-1", "ORDER#c")
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in reading._read()] == ["ORDER#c"]


def test_a_poller_started_after_a_restore_reads_only_what_was_written_after_it():
    stream = Stream()
    stream.write("shard-1", "ORDER#restored")  # the restore's writes: state, not changes
    stream.write("shard-2", "ORDER#restored-too")
    present = iterators_after_present(stream, "arn:stream")
    assert set(present) == {"shard-1", "shard-2"}
    stream.write("shard-2", "ORDER#new")
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in poller(stream, present)._read()] == ["ORDER#new"]


class FailureQueue:
    def __init__(self):
        self.sent: list[dict] = []

    def send_message(self, QueueUrl, MessageBody):  # noqa: N803
        self.sent.append(json.loads(MessageBody))


def failing(event, context):
    raise ConnectionError("the consumer's dependency is down")


def test_a_failing_record_is_retried_while_younger_than_the_maximum_age_then_its_batch_goes_to_the_failure_queue():
    queue = FailureQueue()
    reading = StreamPoller(None, queue, "arn:stream", "consumer", failing, "queue", retry_attempts=10_000, max_record_age_seconds=3600)
    reading._stop.set()  # no backoff waits
    young = {"dynamodb": {"Keys": {}, "SequenceNumber": "7", "ApproximateCreationDateTime": time.time() - 60}}
    shard = reading._shard("shard-1")
    shard.pending = [young]
    reading._deliver("shard-1")
    assert (queue.sent, shard.pending, shard.attempts) == ([], [young], 1)  # retried from it
    shard.pending = [{**young, "dynamodb": {**young["dynamodb"], "ApproximateCreationDateTime": time.time() - 3601}}]
    reading._deliver("shard-1")
    [parked] = queue.sent
    info = parked["DDBStreamBatchInfo"]
    assert (parked["requestContext"]["condition"], info["startSequenceNumber"], info["shardId"], shard.pending) == ("RecordAgeExceeded", "7", "shard-1", [])


def test_a_batch_parked_for_its_age_is_parked_under_that_condition_even_if_the_clock_moves_between_reads(monkeypatch):
    """The age is read once per failed delivery: the decision to park and the condition named
    agree. Here the wall clock steps back across the limit after its first read (NTP may step it)."""
    import local.stream_poller as module

    readings = iter([1_000_000.0 + 3601, 1_000_000.0 + 60])  # past the limit, then back under it
    clock = type("Clock", (), {"time": staticmethod(lambda: next(readings)), "monotonic": staticmethod(time.monotonic)})
    monkeypatch.setattr(module, "time", clock)
    queue = FailureQueue()
    reading = StreamPoller(None, queue, "arn:stream", "consumer", failing, "queue", retry_attempts=10_000, max_record_age_seconds=3600)
    reading._stop.set()
    shard = reading._shard("shard-1")
    shard.pending = [{"dynamodb": {"Keys": {}, "SequenceNumber": "7", "ApproximateCreationDateTime": 1_000_000.0}}]
    reading._deliver("shard-1")
    [parked] = queue.sent
    assert (parked["requestContext"]["condition"], shard.attempts, shard.pending) == ("RecordAgeExceeded", 0, [])


def test_a_status_filter_passes_only_a_change_to_that_status():
    reading = StreamPoller(None, None, "arn:stream", "consumer", failing, "queue", sort_key_equals="META", status_became="RELEASED")

    def record(old, new):
        images = {"NewImage": {"status": {"S": new}}, **({"OldImage": {"status": {"S": old}}} if old else {})}
        return {"dynamodb": {"Keys": {"pk": {"S": "ORDER#a"}, "sk": {"S": "META"}}, **images}}

    assert [reading._wanted(record(old, new)) for old, new in [("RESERVED", "RELEASED"), ("RELEASED", "RELEASED"), ("RELEASED", "SHIPPED"), (None, "RELEASED")]] == [True, False, False, False]


W0 = 1_000_000_020.0  # a multiple of 60: a minute window starts there (2001-09-09T01:47:00Z)


class Consumer:
    """Records what it is handed; answers with a state counting its records (or as told)."""

    def __init__(self, answer=None):
        self.events: list[dict] = []
        self.answer = answer

    def __call__(self, event, context):
        self.events.append(event)
        if self.answer is not None:
            return self.answer(event)
        return {"state": {"seen": event["state"].get("seen", 0) + len(event["Records"])}, "batchItemFailures": []}


def written(stream: Stream, shard: str, created: float, pk: str = "ORDER#a") -> None:
    stream.write(shard, pk)
    stream.shards[shard][-1]["dynamodb"]["ApproximateCreationDateTime"] = created


def run_until(reading: StreamPoller, done, seconds: float = 5.0) -> None:
    reading.start()
    try:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        reading.stop()


def test_a_batch_holds_one_shards_records_only():
    stream, consumer = Stream(), Consumer(answer=lambda event: {"batchItemFailures": []})
    for n in range(3):
        stream.write("shard-1", f"ORDER#a{n}")
        stream.write("shard-2", f"ORDER#b{n}")
    reading = StreamPoller(stream, None, "arn:stream", "consumer", consumer, "queue", poll_seconds=0.01)
    run_until(reading, lambda: sum(len(e["Records"]) for e in consumer.events) == 6)
    shards_per_batch = [{r["dynamodb"]["Keys"]["pk"]["S"][6] for r in e["Records"]} for e in consumer.events]
    assert len(consumer.events) == 2 and sorted(map(sorted, shards_per_batch)) == [["a"], ["b"]]
    assert all(set(e) == {"Records"} for e in consumer.events)  # no window: the records alone


def test_a_windowed_batch_names_its_shard_and_window_and_gets_the_state_its_window_last_returned(monkeypatch):
    import local.stream_poller as module

    now = [W0 + 30]  # within the window [W0, W0 + 60)
    monkeypatch.setattr(module, "time", type("Clock", (), {"time": staticmethod(lambda: now[0]), "monotonic": staticmethod(time.monotonic)}))
    stream, consumer = Stream(), Consumer()
    written(stream, "shard-1", W0 + 10)
    written(stream, "shard-1", W0 + 11)
    reading = StreamPoller(stream, None, "arn:stream", "consumer", consumer, "queue", batch_size=1, tumbling_window_seconds=60, poll_seconds=0.01)
    run_until(reading, lambda: len(consumer.events) == 2)
    first, second = consumer.events
    assert {k: first[k] for k in ("shardId", "eventSourceARN", "window", "isFinalInvokeForWindow", "isWindowTerminatedEarly")} == {
        "shardId": "shard-1", "eventSourceARN": "arn:stream", "window": {"start": "2001-09-09T01:47:00Z", "end": "2001-09-09T01:48:00Z"},
        "isFinalInvokeForWindow": False, "isWindowTerminatedEarly": False,
    }
    assert (first["state"], second["state"]) == ({}, {"seen": 1})


def test_the_window_ends_with_one_final_invocation_then_the_state_starts_afresh(monkeypatch):
    import local.stream_poller as module

    now = [W0 + 30]
    monkeypatch.setattr(module, "time", type("Clock", (), {"time": staticmethod(lambda: now[0]), "monotonic": staticmethod(time.monotonic)}))
    stream, consumer = Stream(), Consumer()
    written(stream, "shard-1", W0 + 10)
    reading = StreamPoller(stream, None, "arn:stream", "consumer", consumer, "queue", tumbling_window_seconds=60)
    reading._stop.set()
    for shard_id, records in reading._read_shards().items():
        reading._shard(shard_id).pending += records
    reading._step("shard-1", reading._shard("shard-1"))
    assert reading._step("shard-1", reading._shard("shard-1")) is None  # the window is still open: nothing due
    now[0] = W0 + 61
    reading._step("shard-1", reading._shard("shard-1"))
    final = consumer.events[-1]
    assert (final["Records"], final["isFinalInvokeForWindow"], final["state"], final["window"]["start"]) == ([], True, {"seen": 1}, "2001-09-09T01:47:00Z")
    written(stream, "shard-1", W0 + 61)
    for shard_id, records in reading._read_shards().items():
        reading._shard(shard_id).pending += records
    reading._step("shard-1", reading._shard("shard-1"))
    assert len(consumer.events) == 3 and consumer.events[-1]["state"] == {} and consumer.events[-1]["window"]["start"] == "2001-09-09T01:48:00Z"
    assert reading._step("shard-1", reading._shard("shard-1")) is None  # one final invocation per window, not more


def test_an_answer_without_a_state_is_a_failed_invocation_and_its_batch_is_retried():
    stream = Stream()
    written(stream, "shard-1", time.time())
    consumer = Consumer(answer=lambda event: {"batchItemFailures": []} if len(consumer.events) == 1 else {"state": {}, "batchItemFailures": []})
    reading = StreamPoller(stream, None, "arn:stream", "consumer", consumer, "queue", tumbling_window_seconds=900, poll_seconds=0.01)
    run_until(reading, lambda: len(consumer.events) >= 2 and reading.caught_up)
    assert [len(e["Records"]) for e in consumer.events[:2]] == [1, 1] and reading.failed_batches == 1
    assert consumer.events[0]["Records"] == consumer.events[1]["Records"]


def test_a_batch_never_spans_two_windows(monkeypatch):
    import local.stream_poller as module

    now = [W0 + 200]
    monkeypatch.setattr(module, "time", type("Clock", (), {"time": staticmethod(lambda: now[0]), "monotonic": staticmethod(time.monotonic)}))
    stream, consumer = Stream(), Consumer()
    written(stream, "shard-1", W0 + 30, "ORDER#early")
    written(stream, "shard-1", W0 + 70, "ORDER#late")
    reading = StreamPoller(stream, None, "arn:stream", "consumer", consumer, "queue", tumbling_window_seconds=60)
    reading._stop.set()
    for shard_id, records in reading._read_shards().items():
        reading._shard(shard_id).pending += records
    for _ in range(4):
        reading._step("shard-1", reading._shard("shard-1"))
    assert [([r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]], e["isFinalInvokeForWindow"]) for e in consumer.events] == [
        (["ORDER#early"], False), ([], True), (["ORDER#late"], False), ([], True),
    ]


def test_a_windowed_batch_given_up_sends_only_its_own_records_to_the_failure_queue(monkeypatch):
    """The batch tried stays in its window: giving it up must not take the next window's records,
    which were never delivered, to the failure queue with it."""
    import local.stream_poller as module

    now = [W0 + 200]
    monkeypatch.setattr(module, "time", type("Clock", (), {"time": staticmethod(lambda: now[0]), "monotonic": staticmethod(time.monotonic)}))
    stream, queue = Stream(), FailureQueue()
    written(stream, "shard-1", W0 + 30, "ORDER#early")
    written(stream, "shard-1", W0 + 70, "ORDER#late")
    reading = StreamPoller(stream, queue, "arn:stream", "consumer", failing, "queue", retry_attempts=0, tumbling_window_seconds=60)
    reading._stop.set()
    for shard_id, records in reading._read_shards().items():
        reading._shard(shard_id).pending += records
    reading._deliver("shard-1")
    [parked] = queue.sent
    assert parked["DDBStreamBatchInfo"]["batchSize"] == 1
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in reading._shard("shard-1").pending] == ["ORDER#late"]
