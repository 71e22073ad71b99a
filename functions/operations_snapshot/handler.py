"""Every minute: the order health index (订单健康度) now, per channel and warehouse, into its
history (per minute and per day) and to CloudWatch (metric OrderHealthIndex, alarmed on)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.clock import utc_now
from shared.aws.stores import operations_store
from shared.observability import logger, metrics
from shared.operations.domain import ALL
from shared.operations.usecases import snapshot

HEALTH_METRIC = "OrderHealthIndex"
# The history keeps one value per minute: a run sooner than this after the last one (the local
# runtime's scaled-down schedule fires every 0.6 s) would only rewrite the same minute.
MIN_SECONDS_BETWEEN_RUNS = 15.0
_last_run: float | None = None


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _last_run
    if _last_run is not None and time.monotonic() - _last_run < MIN_SECONDS_BETWEEN_RUNS:
        return {"skipped": "this minute's health index was recorded moments ago"}
    _last_run = time.monotonic()
    values = snapshot(operations_store(), utc_now())
    metrics.add_metric(name=HEALTH_METRIC, unit=MetricUnit.Count, value=float(values[ALL]))
    logger.info("order health index", extra={"health": {k: str(v) for k, v in values.items()}})
    return {"health": {k: str(v) for k, v in values.items()}}
