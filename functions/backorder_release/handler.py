"""Backorder release queue consumer (FIFO, one SKU's signals in order): re-routes and reserves the
BACKORDERED orders the restocked SKU lets through, oldest first, one at a time."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from shared.aws.dead_letters import dead_letter
from shared.aws.messaging import start_fulfilment
from shared.aws.stores import inventory_store, order_store
from shared.backorders.queue import QUEUE_ENV, send_restock
from shared.backorders.release import release_backorders
from shared.backorders.signals import RestockSignal
from shared.observability import logger
from shared.sqs_batch import QueueMessage, process_partial_response

DEAD_LETTER_ENV = QUEUE_ENV.removesuffix("_QUEUE_URL") + "_DEAD_LETTER_QUEUE_URL"


def release_one(record: QueueMessage) -> None:
    try:
        signal = RestockSignal.model_validate(json.loads(record.body))
    except (ValueError, ValidationError) as error:
        dead_letter(DEAD_LETTER_ENV, record.body, reason=f"not a restock signal: {error}"[:500])
        return
    report = release_backorders(
        signal, order_store(), inventory_store(),
        start_run=lambda order_id, resume_at, name: start_fulfilment(order_id, resume_at=resume_at, run_name=name),
        continue_later=send_restock,
    )  # fmt: skip
    logger.info("backorders released", extra={"sku": signal.sku, "trigger": signal.trigger, "released": report.released(), "stopped_because": report.stopped_because})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=release_one, context=context)
