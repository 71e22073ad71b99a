"""Scheduled every minute: publish outbox messages whose writer crashed before publishing them."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import outbox_publisher
from shared.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = outbox_publisher().publish_stale(float(os.environ.get("OUTBOX_GRACE_SECONDS", "30")))
    report.log_recovery("published outbox messages a crash left pending")
    return report.model_dump()
