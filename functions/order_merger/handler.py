"""合单 in the background: the automatic merge rule on a schedule, and the merge events queue
(a member cancelled or refunded before release unmerges; the merged shipment shipping or being
delivered carries its members along)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.dead_letters import dead_letter
from shared.aws.messaging import publish, start_fulfilment
from shared.aws.stores import inventory_store, order_store, outbox_publisher
from shared.errors import OrderNotFound
from shared.lifecycle import Actor
from shared.merging.aftermath import follow_shipment, unmerge
from shared.merging.sweep import sweep
from shared.observability import logger
from shared.usecases.cancel_order import cancel_order
from shared.sqs_batch import QueueMessage, process_partial_response

DEAD_LETTER_ENV = "MERGE_EVENTS_DEAD_LETTER_QUEUE_URL"
_ACTOR = Actor.system("merging")


def _start(order_id: str, resume_at: str, run: str) -> None:
    start_fulfilment(order_id, resume_at=resume_at, run_name=run)


def _cancel(order_id: str, reason: str) -> None:
    cancel_order(order_id, reason, _ACTOR, order_store(), inventory_store(), publish, outbox_publisher())


def handle_event(record: QueueMessage) -> None:
    envelope = json.loads(record.body)
    kind, detail = envelope.get("detail-type"), envelope.get("detail") or {}
    order_id = str(detail.get("order_id") or "")
    try:
        if kind == "OrderCancelled":
            outcome = unmerge(order_id, f"order {order_id} cancelled: {detail.get('reason', '')}", order_store(), _start, _cancel)
        elif kind == "OrderRefunded" and detail.get("stage") != "before_release":
            outcome = "not_before_release"  # intercepted in the released shipment, or a return (decision 122)
        elif kind == "OrderRefunded":
            outcome = unmerge(order_id, f"order {order_id} refunded ({detail.get('stage', '')})", order_store(), _start, _cancel)
        elif kind in ("ParcelShipped", "ParcelDelivered"):
            outcome = follow_shipment(order_id, order_store())
        else:
            raise ValueError(f"unsupported detail-type {kind!r}")
    except (ValueError, OrderNotFound) as error:
        dead_letter(DEAD_LETTER_ENV, record.body, reason=f"merge event not applicable: {error}"[:500])
        return
    logger.info("merge event", extra={"order_id": order_id, "kind": kind, "outcome": outcome})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        return process_partial_response(event=event, record_handler=handle_event, context=context)
    report = sweep(order_store(), inventory_store(), _start, publish)  # the schedule
    logger.info("merge sweep", extra=report.model_dump())
    return report.model_dump()
