"""A Lambda DynamoDB-stream event source, locally: read each shard of a table's stream in order,
hand the consumer batches (after the event filter), and on a reported failure retry from the
first failed record; after `retry_attempts`, or once that record is older than the mapping's
maximum record age, the batch's coordinates go to the failure queue and reading goes on, as the
event source mapping's on-failure destination does on AWS.

Like the event source mapping, it gathers records for up to the consumer's batching window
(MaximumBatchingWindowInSeconds) before it invokes, unless a full batch is there sooner: the
batches a consumer sees, and so what it writes per record, are AWS's (decision 116)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from local.moto_patches import LocalLambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


def shard_ids(streams: Any, stream_arn: str) -> list[str]:
    return [shard["ShardId"] for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]]


def shard_iterator(streams: Any, stream_arn: str, shard_id: str, position: str) -> str:
    """An iterator at TRIM_HORIZON (the shard's oldest record kept) or LATEST (its next record)."""
    return streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType=position)["ShardIterator"]


def iterators_after_present(streams: Any, stream_arn: str) -> dict[str, str]:
    """Where each shard's next record will be: a restart's restore writes every kept item again,
    and those writes are the state being restored, not changes to count (decision 140)."""
    return {shard_id: shard_iterator(streams, stream_arn, shard_id, "LATEST") for shard_id in shard_ids(streams, stream_arn)}


class StreamPoller:
    def __init__(
        self,
        streams: Any,
        sqs: Any,
        stream_arn: str,
        function_name: str,
        handler: Handler,
        failure_queue_url: str,
        *,
        sort_key_equals: str | None = None,
        partition_key_prefix: str | None = None,
        status_became: str | None = None,
        batch_size: int = 100,
        retry_attempts: int = 10,
        max_record_age_seconds: float | None = None,
        poll_seconds: float = 0.25,  # Lambda reads a stream's shard four times a second
        shard_refresh_seconds: float = 5.0,
        batching_window_seconds: float = 0.0,
        iterators: dict[str, str] | None = None,
    ):
        self.streams, self.sqs, self.stream_arn = streams, sqs, stream_arn
        self.function_name, self.handler, self.failure_queue_url = function_name, handler, failure_queue_url
        self.sort_key_equals, self.batch_size, self.retry_attempts = sort_key_equals, batch_size, retry_attempts
        self.partition_key_prefix, self.status_became = partition_key_prefix, status_became
        self.max_record_age_seconds = max_record_age_seconds
        self.poll_seconds, self.shard_refresh_seconds = poll_seconds, shard_refresh_seconds
        self._shards: list[str] = []
        self._shards_read_at = float("-inf")
        self.batching_window_seconds = batching_window_seconds
        self._first_seen: float | None = None  # when the oldest record not yet delivered was read
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"stream-{function_name}", daemon=True)
        self._iterators: dict[str, str] = dict(iterators or {})  # shard -> where to read on; others from the start
        self._pending: list[dict[str, Any]] = []
        self._attempts = 0
        self.caught_up = False  # the last read found nothing new and nothing waits for a retry
        self.batches = 0
        self.failed_batches = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def busy(self) -> bool:
        return not self.caught_up

    def _wanted(self, record: dict[str, Any]) -> bool:
        """The event source mapping's filter (infra/wiring.py): the sort key, the partition key's
        prefix, a change of `status` to a value (anything-but on the old image: a field the record
        lacks matches no pattern, as on AWS)."""
        keys = record["dynamodb"].get("Keys", {})
        if self.sort_key_equals is not None and keys.get("sk", {}).get("S") != self.sort_key_equals:
            return False
        if self.partition_key_prefix is not None and not keys.get("pk", {}).get("S", "").startswith(self.partition_key_prefix):
            return False
        if self.status_became is None:
            return True
        new = record["dynamodb"].get("NewImage", {}).get("status", {}).get("S")
        old = record["dynamodb"].get("OldImage", {}).get("status", {}).get("S")
        return new == self.status_became and old is not None and old != self.status_became

    def _too_old(self, record: dict[str, Any]) -> bool:
        """Past the mapping's MaximumRecordAgeInSeconds: AWS stops retrying it."""
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        return self.max_record_age_seconds is not None and created is not None and time.time() - float(created) > self.max_record_age_seconds

    def _read(self) -> list[dict[str, Any]]:
        # The shard list changes rarely (a new shard when one closes): read it every few seconds,
        # not with every poll (an idle poll was a describe and a read, ten times a second).
        if time.monotonic() - self._shards_read_at >= self.shard_refresh_seconds:
            self._shards = shard_ids(self.streams, self.stream_arn)
            self._shards_read_at = time.monotonic()
        records: list[dict[str, Any]] = []
        for shard_id in self._shards:
            if shard_id not in self._iterators:
                self._iterators[shard_id] = shard_iterator(self.streams, self.stream_arn, shard_id, "TRIM_HORIZON")
            answer = self.streams.get_records(ShardIterator=self._iterators[shard_id], Limit=1000)
            self._iterators[shard_id] = answer["NextShardIterator"]
            for record in answer["Records"]:
                record = {**record, "eventSourceARN": self.stream_arn, "dynamodb": _as_lambda_gives(record["dynamodb"])}
                if self._wanted(record):
                    records.append(record)
        return records

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._attempts == 0 and len(self._pending) < self.batch_size:
                    self._pending += self._read()
                if not self._pending:
                    self.caught_up = True
                    self._first_seen = None
                    self._stop.wait(self.poll_seconds)
                    continue
                self.caught_up = False
                if self._first_seen is None:
                    self._first_seen = time.monotonic()
                waited = time.monotonic() - self._first_seen
                if self._attempts == 0 and len(self._pending) < self.batch_size and waited < self.batching_window_seconds:
                    self._stop.wait(min(self.poll_seconds, self.batching_window_seconds - waited))
                    continue  # gather more, as the mapping's batching window does
                self._deliver()
                if not self._pending:
                    self._first_seen = None
            except Exception:  # the server is stopping
                if self._stop.wait(0.2):
                    return

    def _deliver(self) -> None:
        batch = self._pending[: self.batch_size]
        try:
            result = self.handler({"Records": batch}, LocalLambdaContext(self.function_name)) or {}
            failures = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
        except Exception:
            failures = [batch[0]["dynamodb"]["SequenceNumber"]]
        self.batches += 1
        if not failures:
            self._pending = self._pending[len(batch):]
            self._attempts = 0
            return
        self.failed_batches += 1
        first = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failures), 0)
        self._pending = self._pending[first:]
        self._attempts += 1
        # Read the record's age once: the decision to park and the condition it is parked under
        # must agree even if the limit passes (or the wall clock steps) between two reads.
        too_old = self._too_old(self._pending[0])
        if self._attempts > self.retry_attempts or too_old:
            failed = self._pending[: self.batch_size]
            self.sqs.send_message(
                QueueUrl=self.failure_queue_url,
                MessageBody=json.dumps({
                    "requestContext": {"condition": "RecordAgeExceeded" if too_old else "RetryAttemptsExhausted", "functionArn": self.function_name},
                    "DDBStreamBatchInfo": {
                        "streamArn": self.stream_arn,
                        "startSequenceNumber": failed[0]["dynamodb"]["SequenceNumber"],
                        "endSequenceNumber": failed[-1]["dynamodb"]["SequenceNumber"],
                        "batchSize": len(failed),
                    },
                }),
            )
            self._pending = self._pending[len(failed):]
            self._attempts = 0
        else:
            self._stop.wait(min(2.0, 0.05 * 2 ** min(self._attempts, 6)))


def _as_lambda_gives(data: dict[str, Any]) -> dict[str, Any]:
    """A record's `dynamodb` part as Lambda's event carries it: ApproximateCreationDateTime in
    seconds since the epoch (the SDK parses GetRecords' into a datetime)."""
    created = data.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        return {**data, "ApproximateCreationDateTime": float(int(created.timestamp()))}
    return data
