"""Workflow task: choose the warehouse plan. Returns {"outcome": ROUTED | BACKORDERED, "plan"}."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import inventory_store, order_store
from shared.aws.transient import transient_errors_named
from shared.backorders.queue import send_restock
from shared.backorders.wake import wake_if_restocked
from shared.observability import logger
from shared.notices.announce import announce_backordered
from shared.usecases.route_order import route_order
from shared.workflow_io import RouteRequest



@transient_errors_named
@logger.inject_lambda_context(correlation_id_path="order_id", clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = RouteRequest.model_validate(event)
    outcome = route_order(request.order_id, request.route_attempt, order_store(), inventory_store())
    logger.info("routed", extra={"outcome": outcome.outcome})
    if outcome.outcome == "BACKORDERED":  # the customer's delay notice (shared/notices/)
        announce_backordered(request.order_id)
        # A receipt handled while this step routed would be missed: look at the stock once more.
        # (A child of missing lines is looked at by the inventory lock, once its parent holds its units.)
        if (woken := wake_if_restocked(request.order_id, order_store(), inventory_store(), send_restock)) is not None:
            logger.info("backordered, but restocked meanwhile: release signalled", extra={"sku": woken.sku})
    return {"order_id": request.order_id, **outcome.model_dump(mode="json")}
