"""Reconciliation runs queue consumer: runs one channel reconciliation per message. A run whose
shop is busy waits a minute (the message comes back delayed); a run that nears the function's
timeout checkpoints and continues in a new message; a run the platform keeps failing is FAILED
with its checkpoint (the next incremental window covers it again; asking again resumes it)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from shared.aftersales.waiting import send_again
from shared.aws.dead_letters import dead_letter
from shared.aws.messaging import enqueue_for_fulfilment
from shared.aws.stores import catalog_store, order_store
from shared.observability import logger, metrics
from shared.reconciliation.credentials import UnknownShop
from shared.reconciliation.domain import RunRequest
from shared.reconciliation.metrics import emit_difference_metrics
from shared.reconciliation.pull import lister_for
from shared.reconciliation.queue import request_run
from shared.reconciliation.stores import platform_credentials, reconciliation_store
from shared.reconciliation.usecases.run_channel import RunPorts, run_channel_reconciliation
from shared.sqs_batch import QueueMessage, process_partial_response

DEAD_LETTER_QUEUE_ENV = "RECONCILIATION_RUNS_DEAD_LETTER_QUEUE_URL"
BUSY_SHOP_DELAY_SECONDS = 60
_context: LambdaContext | None = None


def _time_left() -> float:
    return _context.get_remaining_time_in_millis() / 1000 if _context is not None else float("inf")


def run_one(record: QueueMessage) -> None:
    try:
        request = RunRequest.model_validate_json(record.body)
        credentials = platform_credentials().for_shop(request.channel, request.shop)
    except (ValidationError, UnknownShop) as error:
        dead_letter(DEAD_LETTER_QUEUE_ENV, record.body, reason=f"not a run oms can do: {error}", source={"message_id": record.message_id})
        return
    ports = RunPorts(reconciliation_store(), order_store(), catalog_store(), enqueue_for_fulfilment, lister_for(request.channel), credentials, send_waiting=send_again)
    result = run_channel_reconciliation(request, ports, time_left=_time_left)
    run = result.run
    logger.append_keys(run_id=run.run_id)
    if result.outcome == "deferred":
        request_run(request, delay_seconds=BUSY_SHOP_DELAY_SECONDS)
    elif result.outcome == "continue":
        request_run(request)
    elif result.outcome == "failed":
        metrics.add_metric(name="ReconciliationRunsFailed", unit="Count", value=1)
        logger.error("reconciliation run failed; its checkpoint is kept", extra={"error": run.error, "pages": run.pages})
    elif result.finished_now:
        emit_difference_metrics(run.differences, run.needs_person)
    logger.info("reconciliation run", extra={"outcome": result.outcome, "pages": run.pages, "orders_seen": run.orders_seen, "differences": run.differences})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _context
    _context = context
    return process_partial_response(event=event, record_handler=run_one, context=context)
