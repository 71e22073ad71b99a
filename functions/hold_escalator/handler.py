"""Scheduled: escalate held orders nobody decided on within HOLD_ESCALATION_MINUTES."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.messaging import publish
from shared.aws.stores import order_store
from shared.observability import logger, metrics
from shared.usecases.escalate_holds import escalate_stale_holds


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    escalated = escalate_stale_holds(order_store(), publish)
    metrics.add_metric(name="HeldOrdersEscalated", unit="Count", value=len(escalated))
    if escalated:
        logger.warning("held orders escalated", extra={"order_ids": escalated})
    return {"escalated": escalated}
