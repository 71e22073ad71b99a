"""Reads the orders table's stream: for each order's change to RELEASED, publishes what its
release left pending of its outbound notes (decision 193, shared/outbox/release_stream.py). A
record that fails is reported; the stream retries from it and, once the record is older than the
mapping's maximum age, sends the batch's coordinates to the failure queue. A poison record (one
that cannot be read) goes to that queue at once, with its order and reason (decision 231)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.dead_letters import dead_letter
from shared.aws.stores import outbox_publisher
from shared.observability import logger, metrics
from shared.outbox.release_stream import ReleaseFailed, SetAside, publish_releases

FAILURE_QUEUE_ENV = "ORDER_RELEASES_FAILED_QUEUE_URL"


def set_aside(record: SetAside) -> None:
    logger.error("release record set aside: it cannot be read", extra=record._asdict())
    body = json.dumps({"kind": "poison_release_record", "sequenceNumber": record.sequence_number, "orderId": record.order_id, "noteIds": record.note_ids, "reason": record.reason})
    dead_letter(FAILURE_QUEUE_ENV, body, reason=record.reason, source={"sequence_number": record.sequence_number, "order_id": record.order_id or "-"})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failed = None
    try:
        report = publish_releases(event.get("Records") or [], outbox_publisher(), set_aside)
    except ReleaseFailed as error:
        logger.warning("release not published: the stream retries it", extra={"sequence_number": error.sequence_number, "error": str(error.cause)})
        report, failed = error.report, error.sequence_number
    metrics.add_metric(name="ReleaseRecordsSetAside", unit="Count", value=len(report.set_aside))
    report.log_recovery("published outbound notes a release left pending")
    return {"batchItemFailures": [{"itemIdentifier": failed}] if failed else []}
