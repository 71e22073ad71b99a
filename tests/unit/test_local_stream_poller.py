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
    reading._pending = [young]
    reading._deliver()
    assert (queue.sent, reading._pending, reading._attempts) == ([], [young], 1)  # retried from it
    reading._pending = [{**young, "dynamodb": {**young["dynamodb"], "ApproximateCreationDateTime": time.time() - 3601}}]
    reading._deliver()
    [parked] = queue.sent
    assert (parked["requestContext"]["condition"], parked["DDBStreamBatchInfo"]["startSequenceNumber"], reading._pending) == ("RecordAgeExceeded", "7", [])


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
    reading._pending = [{"dynamodb": {"Keys": {}, "SequenceNumber": "7", "ApproximateCreationDateTime": 1_000_000.0}}]
    reading._deliver()
    [parked] = queue.sent
    assert (parked["requestContext"]["condition"], reading._attempts, reading._pending) == ("RecordAgeExceeded", 0, [])


def test_a_status_filter_passes_only_a_change_to_that_status():
    reading = StreamPoller(None, None, "arn:stream", "consumer", failing, "queue", sort_key_equals="META", status_became="RELEASED")

    def record(old, new):
        images = {"NewImage": {"status": {"S": new}}, **({"OldImage": {"status": {"S": old}}} if old else {})}
        return {"dynamodb": {"Keys": {"pk": {"S": "ORDER#a"}, "sk": {"S": "META"}}, **images}}

    assert [reading._wanted(record(old, new)) for old, new in [("RESERVED", "RELEASED"), ("RELEASED", "RELEASED"), ("RELEASED", "SHIPPED"), (None, "RELEASED")]] == [True, False, False, False]
