"""Workflow task: automatic review. Returns {"decision": APPROVED | ON_HOLD | REJECTED}."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.order_store import OrderStore
from shared.observability import logger
from shared.usecases.review_order import review_order
from shared.workflow_io import OrderRef


@cache
def _store() -> OrderStore:
    return OrderStore()


@logger.inject_lambda_context(correlation_id_path="order_id", clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = OrderRef.model_validate(event)
    decision = review_order(request.order_id, _store())
    logger.info("reviewed", extra={"decision": decision})
    return {"order_id": request.order_id, "decision": decision.value}
