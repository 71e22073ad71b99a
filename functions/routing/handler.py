"""Workflow task: choose the warehouse plan. Returns {"outcome": ROUTED | BACKORDERED, "plan"}."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore
from shared.observability import logger
from shared.usecases.route_order import route_order
from shared.workflow_io import RouteRequest


@cache
def _stores() -> tuple[OrderStore, InventoryStore]:
    return OrderStore(), InventoryStore()


@logger.inject_lambda_context(correlation_id_path="order_id", clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = RouteRequest.model_validate(event)
    outcome = route_order(request.order_id, request.route_attempt, *_stores())
    logger.info("routed", extra={"outcome": outcome.outcome})
    return {"order_id": request.order_id, **outcome.model_dump(mode="json")}
