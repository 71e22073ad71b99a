"""Intake queue consumer: starts the fulfilment workflow of each queued order. A failed record is
reported alone (partial batch failure) and retried; a message that can never start anything (not
an order reference, or an order that does not exist) goes to the DLQ with the reason at once."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from shared.aws.dead_letters import dead_letter
from shared.aws.messaging import start_fulfilment
from shared.aws.stores import order_store
from shared.errors import OrderNotFound
from shared.lifecycle import OrderStatus
from shared.observability import logger
from shared.workflow_io import OrderRef
from shared.sqs_batch import QueueMessage, process_partial_response

DEAD_LETTER_QUEUE_ENV = "INTAKE_DEAD_LETTER_QUEUE_URL"



def start_one(record: QueueMessage) -> None:
    try:
        ref = OrderRef.model_validate_json(record.body)
        current = order_store().load(ref.order_id)
    except (ValidationError, OrderNotFound) as poison:
        reason = f"not an order reference: {poison.errors()[0]['msg']}" if isinstance(poison, ValidationError) else str(poison)
        logger.warning("poison message to the dead-letter queue", extra={"message_id": record.message_id, "reason": reason})
        dead_letter(DEAD_LETTER_QUEUE_ENV, record.body, reason=reason, source={"message_id": record.message_id})
        return
    if current.status != OrderStatus.RECEIVED:
        logger.info("order already under way; not started again", extra={"order_id": ref.order_id, "status": current.status})
        return
    started = start_fulfilment(ref.order_id)
    logger.info("workflow started" if started else "workflow already started", extra={"order_id": ref.order_id})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=start_one, context=context)
