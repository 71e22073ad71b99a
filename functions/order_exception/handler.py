"""Workflow catch-all task: the order moves to EXCEPTION with the error that stopped it, and gives
back its held stock (an order already RELEASED keeps both: see shared/usecases/record_exception.py)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.messaging import publish
from shared.aws.stores import inventory_store, order_store
from shared.aws.transient import transient_errors_named
from shared.observability import logger, metrics
from shared.usecases.record_exception import record_exception
from shared.workflow_io import ExceptionRequest



@transient_errors_named
@logger.inject_lambda_context(correlation_id_path="order_id", clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ExceptionRequest.model_validate(event)
    failed_status = record_exception(request.order_id, request.error, order_store(), inventory_store(), publish)
    metrics.add_metric(name="OrdersFailed", unit="Count", value=1)
    logger.warning("order moved to EXCEPTION", extra={"failed_status": failed_status, "error": request.error})
    return {"order_id": request.order_id, "failed_status": failed_status.value}
