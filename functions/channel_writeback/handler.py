"""The per-channel write-back queues' consumer (one function, one event source per channel
queue): each message is one package's write-back or one SKU's stock push for one channel."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import logger
from shared.sqs_batch import QueueMessage, process_partial_response
from shared.writeback.aws.stores import delivery_ports
from shared.writeback.usecases.deliver import deliver



def deliver_one(record: QueueMessage) -> None:
    message = json.loads(record.body)
    outcome = deliver(message, delivery_ports())
    logger.info("channel delivery", extra={"kind": message.get("kind"), "writeback_id": message.get("writeback_id"), "outcome": outcome})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=deliver_one, context=context)
