"""After-sales queue consumer: refunds and cancellations from every channel (queued by intake
and partner intake), the WMS's answers to intercept requests (InterceptResult) and its
return receipts (ReturnReceipt). A failed record is retried alone (partial batch failure); a
message that can never apply (malformed, an unknown line, intercept or return, more units than
ordered) goes to the dead-letter queue at once with the reason. A refund or cancellation for an
order oms does not have yet is kept and delivered again a few times, then dead-lettered with the
reason if the order has still not come (shared/aftersales/usecases/waiting.py)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from shared.aftersales.domain import Nonsense
from shared.aftersales.messages import DEAD_LETTER_QUEUE_ENV, RefundMessage, envelope
from shared.aftersales.usecases.waiting import apply_or_wait
from shared.aftersales.usecases.intercept import InterceptAnswer, answer_intercept
from shared.aftersales.usecases.returns import ReturnReceipt, receive_return
from shared.aftersales.wiring import after_sales
from shared.aws.dead_letters import dead_letter
from shared.lifecycle import Actor, ActorKind
from shared.observability import logger, metrics
from shared.problems import InputRejected
from shared.sqs_batch import QueueMessage, process_partial_response



def apply_one(record: QueueMessage) -> None:
    try:
        kind, outcome, order_id = _apply(envelope(record.body), record.receive_count)
    except (Nonsense, ValidationError, InputRejected, ValueError) as poison:
        reason, rule = _why(poison)
        logger.warning("after-sales message to the dead-letter queue", extra={"message_id": record.message_id, "reason": reason})
        dead_letter(DEAD_LETTER_QUEUE_ENV, record.body, reason=reason, source={"message_id": record.message_id, "rule": rule})
        metrics.add_metric(name="AfterSalesDeadLettered", unit="Count", value=1)
        return
    logger.info("after-sales message applied", extra={"kind": kind, "outcome": outcome, "order_id": order_id})


def _apply(document: dict[str, Any], delivery: int) -> tuple[str, str, str]:
    if document.get("kind") == "refund":
        message = RefundMessage.model_validate(document)
        actor = Actor(kind=ActorKind.CHANNEL, name=message.request.channel.value)
        return "refund", apply_or_wait(message, delivery, actor, after_sales()), message.request.order_id
    kind, source, detail = document.get("detail-type"), str(document.get("source", "unknown")), document.get("detail")
    if not isinstance(detail, dict):
        raise ValueError("an after-sales event needs a detail object")
    if kind == "InterceptResult":
        answer = InterceptAnswer.model_validate(detail)
        return kind, answer_intercept(answer, source, after_sales()), answer.order_id
    if kind == "ReturnReceipt":
        receipt = ReturnReceipt.model_validate(detail)
        return kind, receive_return(receipt, source, after_sales()), receipt.order_id
    raise ValueError(f"unsupported after-sales message: kind {document.get('kind')!r}, detail-type {kind!r}")


def _why(poison: Exception) -> tuple[str, str]:
    if isinstance(poison, Nonsense):
        return poison.reason, poison.rule
    if isinstance(poison, ValidationError):
        first = poison.errors()[0]
        return f"malformed: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}", "malformed"
    if isinstance(poison, InputRejected):
        return str(poison), poison.problems[0].rule
    return str(poison), "malformed"


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=apply_one, context=context)
