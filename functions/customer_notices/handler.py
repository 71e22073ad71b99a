"""Customer notices queue consumer: domain events (EventBridge envelopes) that ask for a notice to
the customer; each notice is sent once per (order, kind, reference) and noted on the timeline."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from shared.aws.dead_letters import dead_letter
from shared.aws.stores import order_store
from shared.errors import OrderNotFound
from shared.notices.compose import request_for
from shared.notices.send import send_notice
from shared.notices.email import send_email
from shared.notices.sms import send_sms
from shared.observability import logger
from shared.sqs_batch import QueueMessage, process_partial_response

DEAD_LETTER_ENV = "CUSTOMER_NOTICES_DEAD_LETTER_QUEUE_URL"


def notify_one(record: QueueMessage) -> None:
    try:
        envelope = json.loads(record.body)
        request = request_for(str(envelope.get("detail-type")), envelope.get("detail") or {})
        if request is None:
            logger.info("no notice for this event", extra={"detail_type": envelope.get("detail-type")})
            return
        outcome = send_notice(request, order_store(), send_sms, send_email)
    except (ValueError, ValidationError, OrderNotFound, AttributeError) as error:
        dead_letter(DEAD_LETTER_ENV, record.body, reason=f"no notice can be sent: {error}"[:500])
        return
    logger.info("customer notice", extra={"order_id": request.order_id, "notice": request.notice_id, "outcome": outcome})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=notify_one, context=context)
