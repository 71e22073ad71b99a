"""Every minute: the order health index (订单健康度) now, per channel and warehouse, into its
history (per minute and per day) and to CloudWatch (metric OrderHealthIndex, alarmed on)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.clock import utc_now
from shared.observability import logger, metrics
from shared.operations.domain import ALL
from shared.operations.store import OperationsStore
from shared.operations.usecases import snapshot

HEALTH_METRIC = "OrderHealthIndex"
_store: OperationsStore | None = None


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _store
    _store = _store or OperationsStore()
    values = snapshot(_store, utc_now())
    metrics.add_metric(name=HEALTH_METRIC, unit=MetricUnit.Count, value=float(values[ALL]))
    logger.info("order health index", extra={"health": {k: str(v) for k, v in values.items()}})
    return {"health": {k: str(v) for k, v in values.items()}}
