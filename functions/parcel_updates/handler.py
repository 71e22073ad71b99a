"""Parcel updates queue consumer: ParcelShipped, ParcelDelivered, DeliveryException events from
warehouses and carriers (EventBridge envelopes)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import inventory_store, order_store
from shared.observability import logger
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from shared.writeback.aws import queues
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.usecases.request import request_writeback
from shared.sqs_batch import QueueMessage, process_partial_response

KINDS = ("ParcelShipped", "ParcelDelivered", "DeliveryException")


def apply_one(record: QueueMessage) -> None:
    envelope = json.loads(record.body)
    kind = envelope.get("detail-type")
    if kind not in KINDS:
        raise ValueError(f"unsupported detail-type {kind!r}: expected one of {KINDS}")
    update = ParcelUpdate.model_validate(envelope.get("detail", {}))
    outcome = apply_parcel_update(kind, update, envelope.get("source", "unknown"), order_store(), inventory_store())
    logger.info("parcel update", extra={"order_id": update.order_id, "kind": kind, "outcome": outcome})
    if kind in ("ParcelShipped", "ParcelDelivered"):  # also on a repeat: a write-back whose send was lost is queued again
        writeback = request_writeback(update.order_id, update.warehouse_id, order_store(), channel_sync_store(), queues.send)
        logger.info("write-back", extra={"order_id": update.order_id, "outcome": writeback})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=apply_one, context=context)
