"""Reads the orders table's stream: for each order's change to RELEASED, publishes what its
release left pending of its outbound notes (decision 193, shared/outbox/release_stream.py). A
record that fails is reported; the stream retries from it and, once the record is older than the
mapping's maximum age, sends the batch's coordinates to the failure queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import outbox_publisher
from shared.observability import logger, metrics
from shared.outbox.release_stream import ReleaseFailed, publish_releases


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failed = None
    try:
        report = publish_releases(event.get("Records") or [], outbox_publisher())
    except ReleaseFailed as error:
        logger.warning("release not published: the stream retries it", extra={"sequence_number": error.sequence_number, "error": str(error.cause)})
        report, failed = error.report, error.sequence_number
    report.log_recovery("published outbound notes a release left pending")
    return {"batchItemFailures": [{"itemIdentifier": failed}] if failed else []}
