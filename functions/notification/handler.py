"""Workflow task: create the outbound notes (出库单) with their outbox messages, then publish them."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import order_store, outbox_publisher
from shared.aws.transient import transient_errors_named
from shared.clock import utc_now
from shared.observability import ORDER_TO_OUTBOUND_METRIC, logger, metrics
from shared.usecases.release_to_warehouse import release_order
from shared.workflow_io import OrderRef


@transient_errors_named
@logger.inject_lambda_context(correlation_id_path="order_id", clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = OrderRef.model_validate(event)
    released = release_order(request.order_id, order_store(), outbox_publisher())
    note_ids = released.note_ids
    metrics.add_metric(name="OrdersReleased", unit="Count", value=1)
    if note_ids:
        # Order to outbound note: the promise the platform keeps at a promotion's peak (alarmed
        # on its p99 in infra/monitoring.py). A retried step reports again: a harmless extra sample.
        # The order's creation time comes with the release (the order it read): no second read.
        created = datetime.fromisoformat(released.order_created_at.replace("Z", "+00:00"))
        metrics.add_metric(name=ORDER_TO_OUTBOUND_METRIC, unit="Seconds", value=max(0.0, (utc_now() - created).total_seconds()))
    logger.info("released to warehouse", extra={"outbound_note_ids": note_ids})
    return {"order_id": request.order_id, "outbound_note_ids": note_ids}
