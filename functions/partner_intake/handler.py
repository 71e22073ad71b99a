"""Partner SaaS intake: order events from an EventBridge partner event source, delivered by a rule
through the partner_orders queue. A good event becomes an order exactly as a webhook would (a
refund or a cancellation goes to the after-sales queue, as from the webhook route); an
event oms can never use goes to the queue's DLQ with the reason, and the batch moves on."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aftersales.inbound import partner_after_sales, queue_refund
from shared.aftersales.waiting import send_again
from shared.aws.dead_letters import dead_letter
from shared.aws.messaging import enqueue_for_fulfilment
from shared.aws.stores import catalog_store, order_store
from shared.channels import partner_events
from shared.observability import logger
from shared.payloads import load_json
from shared.problems import InputRejected
from shared.usecases.intake_order import intake_order
from shared.sqs_batch import QueueMessage, process_partial_response

DEAD_LETTER_QUEUE_ENV = "PARTNER_ORDERS_DEAD_LETTER_QUEUE_URL"



def take_partner_event(record: QueueMessage) -> None:
    try:
        document = load_json(record.body)
        after_sales = partner_after_sales(document)
        if after_sales is not None:  # a refund or the order's cancellation: after-sales, not intake
            queue_refund(after_sales, {"route": "eventbridge partner event", "event_id": str(document.get("id", ""))})
            logger.info("partner after-sales event queued", extra={"order_id": after_sales.order_id, "refund_id": after_sales.refund_id})
            return
        channel_order = partner_events.parse(document)
        acceptance = intake_order(channel_order, catalog_store(), order_store(), enqueue_for_fulfilment, send_waiting=send_again)
    except InputRejected as refused:  # retrying cannot fix the event itself
        logger.warning("partner event refused", extra={"message_id": record.message_id, "reason": str(refused)})
        dead_letter(DEAD_LETTER_QUEUE_ENV, record.body, reason=str(refused), problems=refused.problems, source={"message_id": record.message_id})
        return
    logger.info("partner order accepted", extra={"order_id": acceptance.order_id, "duplicate": acceptance.duplicate, "amendment": acceptance.amendment})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=take_partner_event, context=context)
