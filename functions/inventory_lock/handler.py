"""Workflow task: reserve the plan's stock. Raises StockShortage (a named error the workflow
catches to route again) when a line cannot be covered."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import inventory_store, order_store
from shared.aws.transient import transient_errors_named
from shared.observability import logger
from shared.usecases.reserve_stock import reserve_stock
from shared.usecases.split_backorder import MISSING_LINES, backorder_mode
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.stock_marks import mark_stock_changed
from shared.workflow_io import OrderRef



@transient_errors_named
@logger.inject_lambda_context(correlation_id_path="order_id", clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = OrderRef.model_validate(event)
    reservation_id = reserve_stock(request.order_id, order_store(), inventory_store())
    logger.info("stock reserved", extra={"reservation_id": reservation_id})
    # 库存同步: the channels hear that these SKUs have less to sell (the plan comes with the input).
    shipments = (event.get("plan") or {}).get("shipments") or []
    mark_stock_changed((line["sku"] for s in shipments for line in s.get("lines", [])), channel_sync_store(), debounce=True)
    # BACKORDER_MODE=lines: a receipt handled while routing split off the child of the missing
    # lines would be missed by it; look now that this order holds its own units (decision 186).
    if backorder_mode() == MISSING_LINES:
        _wake_child(request.order_id)
    return {"order_id": request.order_id, "reservation_id": reservation_id}


def _wake_child(order_id: str) -> None:
    from shared.backorders.queue import send_restock
    from shared.backorders.wake import wake_child_if_restocked  # the planner's modules: lines mode only

    if (woken := wake_child_if_restocked(order_id, order_store(), inventory_store(), send_restock)) is not None:
        logger.info("backorder child restocked meanwhile: release signalled", extra={"sku": woken.sku, "trigger": woken.trigger})
