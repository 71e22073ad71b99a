"""A Lambda SQS event source, locally: receive a batch, call the handler, delete what succeeded.

Unlike moto's own event-source mapping this honours `batchItemFailures`: only the failed
records come back (after `retry_delay_seconds`), and the queue's redrive policy moves a record
that keeps failing to its dead-letter queue, as on AWS.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from local.moto_patches import LocalLambdaContext
from local.sqs_long_poll import stop_waiting_when

LONG_POLL_SECONDS = 20  # as Lambda's event source mapping (local/sqs_long_poll.py serves it inside moto)

Handler = Callable[[dict[str, Any], Any], Any]


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS message as the Lambda SQS event carries it (lower-camel message attributes)."""
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class SqsPoller:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        function_name: str,
        handler: Handler,
        batch_size: int = 10,
        concurrency: int = 2,
        retry_delay_seconds: int = 1,
        timeout_s: int = 10,  # the function's timeout: what its context's remaining time counts down from
    ):
        self.sqs, self.queue_url, self.queue_arn = sqs, queue_url, queue_arn
        self.function_name, self.handler = function_name, handler
        self.batch_size, self.retry_delay_seconds, self.timeout_s = batch_size, retry_delay_seconds, timeout_s
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"poller-{function_name}-{i}", daemon=True) for i in range(concurrency)
        ]
        self.batches = 0
        self.failed_records = 0
        # Like Lambda's pollers, extra threads join only while the queue has work: an idle queue
        # costs one long poll at a time, not one per thread.
        self._has_work = threading.Event()
        self._busy = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def pause(self) -> None:
        """Stops taking messages (they wait in the queue, as behind a disabled event source mapping)."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def _run(self) -> None:
        region = self.queue_arn.split(":")[3]
        first = threading.current_thread() is self._threads[0]
        # Lambda's long poll (20 s), ended within a second when this poller stops or pauses
        stop_waiting_when(lambda: self._stop.is_set() or self._paused.is_set())
        while not self._stop.is_set():
            if self._paused.is_set():
                self._stop.wait(0.1)
                continue
            if not first and not self._has_work.wait(1.0):
                continue
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=self.batch_size,
                    WaitTimeSeconds=LONG_POLL_SECONDS,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception:  # the server is stopping
                if self._stop.wait(0.2):
                    return
                continue
            if first:
                (self._has_work.set if messages else self._has_work.clear)()
            if messages:
                with self._lock:
                    self._busy += 1
                try:
                    self._deliver(messages, region)
                finally:
                    with self._lock:
                        self._busy -= 1

    def _deliver(self, messages: list[dict[str, Any]], region: str) -> None:
        event = {"Records": [lambda_record(m, self.queue_arn, region) for m in messages]}
        try:
            result = self.handler(event, LocalLambdaContext(self.function_name, timeout_s=self.timeout_s)) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # an unhandled error fails the whole batch, as on AWS
            failed = {m["MessageId"] for m in messages}
        self.batches += 1
        self.failed_records += len(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        for message in messages:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=self.retry_delay_seconds
                )
