"""Workflow task: reserve the plan's stock. Raises StockShortage (a named error the workflow
catches to route again) when a line cannot be covered."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import inventory_store, order_store
from shared.aws.transient import transient_errors_named
from shared.observability import logger
from shared.usecases.reserve_stock import reserve_stock
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
    return {"order_id": request.order_id, "reservation_id": reservation_id}
