"""A Lambda DynamoDB-stream event source, locally: read each shard of a table's stream in order,
hand the consumer batches (after the event filter), and on a reported failure retry from the
first failed record; after `retry_attempts`, or once that record is older than the mapping's
maximum record age, the batch's coordinates go to the failure queue and reading goes on, as the
event source mapping's on-failure destination does on AWS.

Like the event source mapping, it gathers records for up to the consumer's batching window
(MaximumBatchingWindowInSeconds) before it invokes, unless a full batch is there sooner: the
batches a consumer sees, and so what it writes per record, are AWS's (decision 116). A batch holds
one shard's records, never two shards' (each shard is retried on its own). With a tumbling window
(TumblingWindowInSeconds), each event also names its shard, its window and the state the function
returned for that window; an answer without a `state` is a failed invocation; a window with
batches ends with a final invocation without records, retried until it succeeds (decision 239)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
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


@dataclass
class _Shard:
    """What the poller keeps of one shard: its records not yet delivered, how often its first
    batch failed, when its oldest undelivered record was read, and with a tumbling window, the
    window its last batch was in and the state the function returned for it."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    first_seen: float | None = None
    window: float | None = None  # the start of the window a batch was delivered in, until its final invoke
    state: dict[str, Any] = field(default_factory=dict)
    retry_at: float = 0.0  # monotonic: a failed invocation is retried after a backoff
    final_attempts: int = 0

    def back_off(self, attempts: int) -> None:
        self.retry_at = time.monotonic() + min(2.0, 0.05 * 2 ** min(attempts, 6))


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
        tumbling_window_seconds: float | None = None,
        iterators: dict[str, str] | None = None,
    ):
        self.streams, self.sqs, self.stream_arn = streams, sqs, stream_arn
        self.function_name, self.handler, self.failure_queue_url = function_name, handler, failure_queue_url
        self.sort_key_equals, self.batch_size, self.retry_attempts = sort_key_equals, batch_size, retry_attempts
        self.partition_key_prefix, self.status_became = partition_key_prefix, status_became
        self.max_record_age_seconds = max_record_age_seconds
        self.poll_seconds, self.shard_refresh_seconds = poll_seconds, shard_refresh_seconds
        self._shard_ids: list[str] = []
        self._shards_read_at = float("-inf")
        self.batching_window_seconds = batching_window_seconds
        self.tumbling_window_seconds = tumbling_window_seconds or None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"stream-{function_name}", daemon=True)
        self._iterators: dict[str, str] = dict(iterators or {})  # shard -> where to read on; others from the start
        self.shards: dict[str, _Shard] = {}
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
        """Every shard's new records (the filter's), shard after shard."""
        return [record for records in self._read_shards().values() for record in records]

    def _read_shards(self, wanted: Callable[[str], bool] = lambda shard_id: True) -> dict[str, list[dict[str, Any]]]:
        # The shard list changes rarely (a new shard when one closes): read it every few seconds,
        # not with every poll (an idle poll was a describe and a read, ten times a second).
        if time.monotonic() - self._shards_read_at >= self.shard_refresh_seconds:
            self._shard_ids = shard_ids(self.streams, self.stream_arn)
            self._shards_read_at = time.monotonic()
        found: dict[str, list[dict[str, Any]]] = {}
        for shard_id in self._shard_ids:
            if not wanted(shard_id):
                continue
            if shard_id not in self._iterators:
                self._iterators[shard_id] = shard_iterator(self.streams, self.stream_arn, shard_id, "TRIM_HORIZON")
            answer = self.streams.get_records(ShardIterator=self._iterators[shard_id], Limit=1000)
            self._iterators[shard_id] = answer["NextShardIterator"]
            records = []
            for record in answer["Records"]:
                record = {**record, "eventSourceARN": self.stream_arn, "dynamodb": _as_lambda_gives(record["dynamodb"])}
                if self._wanted(record):
                    records.append(record)
            found[shard_id] = records
        return found

    def _shard(self, shard_id: str) -> _Shard:
        return self.shards.setdefault(shard_id, _Shard())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                # A shard is read while it waits for no retry and holds less than a batch.
                def wanted(shard_id: str) -> bool:
                    shard = self.shards.get(shard_id)
                    return shard is None or (shard.attempts == 0 and len(shard.pending) < self.batch_size)

                for shard_id, records in self._read_shards(wanted).items():
                    self._shard(shard_id).pending += records
                waits = [self._step(shard_id, shard) for shard_id, shard in list(self.shards.items())]
                self.caught_up = all(not shard.pending for shard in self.shards.values())
                pause = min([w for w in waits if w is not None], default=self.poll_seconds)
                if pause > 0:
                    self._stop.wait(min(pause, self.poll_seconds))
            except Exception:  # the server is stopping
                if self._stop.wait(0.2):
                    return

    def _step(self, shard_id: str, shard: _Shard) -> float | None:
        """Delivers what is due on one shard: its window's final invoke, or a batch once full or
        its batching window has passed. Returns how long it may wait (None: nothing to wait for)."""
        if shard.retry_at > time.monotonic():
            return shard.retry_at - time.monotonic()  # backing off after a failed invocation
        if self.tumbling_window_seconds and shard.window is not None and self._window_ended(shard):
            return self._final_invoke(shard_id, shard)
        if not shard.pending:
            shard.first_seen = None
            return None
        if shard.first_seen is None:
            shard.first_seen = time.monotonic()
        waited = time.monotonic() - shard.first_seen
        if shard.attempts == 0 and len(shard.pending) < self.batch_size and waited < self.batching_window_seconds:
            return self.batching_window_seconds - waited  # gather more, as the mapping's batching window does
        self._deliver(shard_id)
        if not shard.pending:
            shard.first_seen = None
        return 0.0

    # -- tumbling windows ---------------------------------------------------------------------

    def _window_of(self, record: dict[str, Any]) -> float:
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        moment = float(created) if created is not None else time.time()
        length = float(self.tumbling_window_seconds or 0)
        return (moment // length) * length

    def _window_ended(self, shard: _Shard) -> bool:
        """The window its last batch was in is over: its end has passed, or the shard's next
        record is in a later window."""
        assert shard.window is not None and self.tumbling_window_seconds
        if shard.pending and self._window_of(shard.pending[0]) > shard.window:
            return True
        return time.time() >= shard.window + self.tumbling_window_seconds

    def _window_fields(self, shard_id: str, start: float, state: dict[str, Any], final: bool) -> dict[str, Any]:
        end = start + float(self.tumbling_window_seconds or 0)
        return {
            "window": {"start": _iso(start), "end": _iso(end)},
            "state": state,
            "shardId": shard_id,
            "eventSourceARN": self.stream_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": False,
        }

    def _final_invoke(self, shard_id: str, shard: _Shard) -> float:
        """The window's last invocation, without records: retried until it succeeds (the shard
        waits for it, as on AWS); then the window's state is gone."""
        assert shard.window is not None
        event = {"Records": [], **self._window_fields(shard_id, shard.window, shard.state, final=True)}
        try:
            answer = self.handler(event, LocalLambdaContext(self.function_name))
            succeeded = isinstance(answer, dict) and isinstance(answer.get("state"), dict)
        except Exception:
            succeeded = False
        self.batches += 1
        if succeeded:
            shard.window, shard.state, shard.final_attempts = None, {}, 0
            return 0.0
        self.failed_batches += 1
        shard.final_attempts += 1
        shard.back_off(shard.final_attempts)
        return shard.retry_at - time.monotonic()

    # -- delivery -----------------------------------------------------------------------------

    def _leading_in_window(self, records: list[dict[str, Any]], window: Any) -> list[dict[str, Any]]:
        return list(itertools.takewhile(lambda r: self._window_of(r) == window, records))

    def _deliver(self, shard_id: str) -> None:
        shard = self._shard(shard_id)
        batch = shard.pending[: self.batch_size]
        event: dict[str, Any] = {"Records": batch}
        window = None
        if self.tumbling_window_seconds:
            window = self._window_of(batch[0])
            batch = self._leading_in_window(batch, window)  # a batch stays in one window
            state = shard.state if shard.window == window else {}
            event = {"Records": batch, **self._window_fields(shard_id, window, state, final=False)}
        try:
            result = self.handler(event, LocalLambdaContext(self.function_name)) or {}
            failures = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            if self.tumbling_window_seconds and not isinstance(result.get("state"), dict):
                failures = [batch[0]["dynamodb"]["SequenceNumber"]]  # Lambda takes an answer without a state as failed
        except Exception:
            failures = [batch[0]["dynamodb"]["SequenceNumber"]]
        self.batches += 1
        if window is not None:
            shard.window = window
            if not failures:
                shard.state = dict(result.get("state") or {})
        if not failures:
            shard.pending = shard.pending[len(batch):]
            shard.attempts = 0
            return
        self.failed_batches += 1
        first = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failures), 0)
        shard.pending = shard.pending[first:]
        shard.attempts += 1
        # Read the record's age once: the decision to park and the condition it is parked under
        # must agree even if the limit passes (or the wall clock steps) between two reads.
        too_old = self._too_old(shard.pending[0])
        if shard.attempts > self.retry_attempts or too_old:
            failed = shard.pending[: self.batch_size]
            if window is not None:  # the batch tried, in its window: not the next window's records, never delivered
                failed = self._leading_in_window(failed, window)
            self.sqs.send_message(
                QueueUrl=self.failure_queue_url,
                MessageBody=json.dumps({
                    "requestContext": {"condition": "RecordAgeExceeded" if too_old else "RetryAttemptsExhausted", "functionArn": self.function_name},
                    "DDBStreamBatchInfo": {
                        "shardId": shard_id,
                        "streamArn": self.stream_arn,
                        "startSequenceNumber": failed[0]["dynamodb"]["SequenceNumber"],
                        "endSequenceNumber": failed[-1]["dynamodb"]["SequenceNumber"],
                        "batchSize": len(failed),
                    },
                }),
            )
            shard.pending = shard.pending[len(failed):]
            shard.attempts = 0
        else:
            shard.back_off(shard.attempts)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_lambda_gives(data: dict[str, Any]) -> dict[str, Any]:
    """A record's `dynamodb` part as Lambda's event carries it: ApproximateCreationDateTime in
    seconds since the epoch (the SDK parses GetRecords' into a datetime)."""
    created = data.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        return {**data, "ApproximateCreationDateTime": float(int(created.timestamp()))}
    return data
