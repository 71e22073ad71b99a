"""Partial batch responses for SQS-triggered handlers, as Powertools' BatchProcessor gives them
(`process_partial_response`), without importing its batch package: that package loads
Powertools' pydantic parser models on import, ~100 ms of a new container's CPU
(`python -m benchmarks.cold_import`, decision 93).

Each record goes to `record_handler` as a `QueueMessage` (its body and message id: all the handlers
read; Powertools' SQSRecord would load its whole data_classes package, ~25 ms of a new container's
CPU, decision 158); a record whose handler raises is
reported in `batchItemFailures` (SQS makes it visible again, then the queue's DLQ takes it), the
others are deleted. When every record of the batch failed, BatchFailed is raised (as Powertools
does), so the invocation fails and Lambda's retry and the event source mapping's backoff apply.

On a FIFO queue (records carry `MessageGroupId`) a batch may hold several messages of one group,
in order. Once one fails, the later records of its group are reported failed without being
handled (as Powertools' SqsFifoPartialProcessor with skip_group_on_error): handling them would
apply a group's messages out of order, since the failed one comes back after them. Other groups
go on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.observability import logger


class QueueMessage:
    """One SQS record of a Lambda event: what a record handler reads of it."""

    __slots__ = ("raw_event",)

    def __init__(self, raw_event: dict[str, Any]):
        self.raw_event = raw_event

    @property
    def body(self) -> str:
        return self.raw_event["body"]

    @property
    def message_id(self) -> str:
        return self.raw_event["messageId"]

    @property
    def receive_count(self) -> int:
        """How many times SQS has delivered the message, this one included."""
        return int((self.raw_event.get("attributes") or {}).get("ApproximateReceiveCount", 1))


class HeldBehindFailure(Exception):
    """A FIFO record not handled because an earlier record of its message group failed."""

    def __init__(self, group: str):
        self.group = group
        super().__init__(f"an earlier message of group {group} failed in this batch")


class BatchFailed(Exception):
    """Every record of a batch failed; the messages return to the queue."""

    def __init__(self, errors: list[tuple[str, BaseException]]):
        self.errors = errors
        super().__init__(f"all {len(errors)} record(s) of the batch failed: " + "; ".join(f"{mid}: {error!r}" for mid, error in errors[:5]))


def process_partial_response(event: dict[str, Any], record_handler: Callable[[QueueMessage], Any], context: Any = None) -> dict[str, Any]:
    records = event.get("Records") or []
    failed: list[tuple[str, BaseException]] = []
    failed_groups: set[str] = set()  # FIFO message groups with a failed record in this batch
    for raw in records:
        record = QueueMessage(raw)
        group = (raw.get("attributes") or {}).get("MessageGroupId")
        if group is not None and group in failed_groups:
            failed.append((record.message_id, HeldBehindFailure(group)))
            continue
        try:
            record_handler(record)
        except Exception as error:  # noqa: BLE001 - reported per record, as the batch contract wants
            if getattr(error, "retry_later", False):  # expected: the message ran ahead of what it needs
                # not a fault: SQS re-delivers it (decision 171); its DLQ and alarm catch one that never catches up
                logger.info("record retried later", extra={"message_id": record.message_id, "reason": str(error)})
            else:
                logger.exception("record failed", extra={"message_id": record.message_id})
            failed.append((record.message_id, error))
            if group is not None:
                failed_groups.add(group)
    if records and len(failed) == len(records):
        raise BatchFailed(failed)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id, _ in failed]}
