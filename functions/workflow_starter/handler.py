"""Intake queue consumer: starts the fulfilment workflow of each queued order. A failed record is
reported alone (partial batch failure) and, after the queue's retries, lands in its DLQ."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.messaging import start_fulfilment
from shared.aws.stores import order_store
from shared.lifecycle import OrderStatus
from shared.observability import logger
from shared.workflow_io import OrderRef

processor = BatchProcessor(event_type=EventType.SQS)


def start_one(record: SQSRecord) -> None:
    ref = OrderRef.model_validate_json(record.body)
    current = order_store().load(ref.order_id)
    if current.status != OrderStatus.RECEIVED:
        logger.info("order already under way; not started again", extra={"order_id": ref.order_id, "status": current.status})
        return
    started = start_fulfilment(ref.order_id)
    logger.info("workflow started" if started else "workflow already started", extra={"order_id": ref.order_id})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=start_one, processor=processor, context=context)
