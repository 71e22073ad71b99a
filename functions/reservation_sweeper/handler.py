"""Scheduled every minute: release reservations whose hold expired with no order owning them."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import inventory_store, order_store
from shared.observability import logger, metrics
from shared.usecases.sweep_reservations import sweep_expired_reservations


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = sweep_expired_reservations(order_store(), inventory_store())
    metrics.add_metric(name="ReservationLinesReleasedOnExpiry", unit="Count", value=report.released_lines)
    if report.expired_lines:
        logger.info("swept expired reservations", extra=report.model_dump())
    return report.model_dump()
