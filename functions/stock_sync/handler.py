"""Stock sync queue consumer: WMS/ERP StockSnapshot and StockMovement events (EventBridge envelopes)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import inventory_store
from shared.backorders.queue import send_restock
from shared.backorders.signals import after_count, after_movement
from shared.errors import MovementRefused
from shared.inventory import StockDelta, StockSnapshot
from shared.observability import logger
from shared.usecases.sync_stock import apply_delta, apply_snapshot
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.stock_marks import mark_stock_changed
from shared.sqs_batch import QueueMessage, process_partial_response



def apply_one(record: QueueMessage) -> None:
    envelope = json.loads(record.body)
    kind, detail = envelope.get("detail-type"), envelope.get("detail", {})
    if kind == "StockSnapshot":
        snapshot = StockSnapshot.model_validate(detail)
        outcome = apply_snapshot(snapshot, inventory_store())
        logger.info("stock snapshot", extra={"sku": snapshot.sku, "warehouse_id": snapshot.warehouse_id, "outcome": outcome})
        mark_stock_changed([snapshot.sku], channel_sync_store())  # 库存同步: the channels hear of it
        signal = after_count(snapshot, outcome)
    elif kind == "StockMovement":
        delta = StockDelta.model_validate(detail)
        outcome = apply_delta(delta, inventory_store())
        logger.info("stock movement", extra={"delta_id": delta.delta_id, "outcome": outcome})
        if outcome == "refused":  # maybe ahead of its receipt: retried, then the DLQ (decision 260)
            raise MovementRefused(delta.delta_id, delta.sku, delta.warehouse_id, delta.change)
        signal = after_movement(delta, outcome)
        if outcome != "counted":  # a counted movement left the stock as the count set it
            mark_stock_changed([delta.sku], channel_sync_store())  # 库存同步: the channels hear of it
    else:
        raise ValueError(f"unsupported detail-type {kind!r}: expected StockSnapshot or StockMovement")
    if signal is not None:  # backordered orders waiting for this SKU are looked at (shared/backorders/)
        send_restock(signal)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=apply_one, context=context)
