"""After-sales requests that came before their order (decision 264): a refund or a cancellation
for an order oms has not received yet is kept in the order's own partition of the orders table
(`AFTERSALES_WAITING#<refund_id>`, shared/aftersales/store.py) until the order arrives.

The after-sales consumer keeps it, then looks for the order again (usecases/waiting.py); intake,
whenever it accepts an order that is RECEIVED, looks for what waits for it and queues it again
(`send_again`, below), then removes it. Both reads are consistent and each side writes before it
reads, so of a request kept and its order stored at the same moment, at least one side sees the
other: the request is applied (twice at most, and a refund applies once: its record is found the
second time)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def send_again(order_id: str, shown: Sequence[dict[str, Any]] = ()) -> int:
    """Intake's step (AWS) before it queues a RECEIVED order: the after-sales messages that waited
    for it go to the after-sales queue again, then are removed (a crash between the two leaves the
    item, and the message, applied once). With them, `shown`: refunds the order's payload shows
    under way (AfterSalesRequest's fields), each as one message. Returns how many were sent."""
    from shared.aftersales.domain import AfterSalesRequest
    from shared.aftersales.messages import QUEUE_ENV, SHOWN_ON_ORDER, RefundMessage
    from shared.aftersales.store import AfterSalesStore
    from shared.aws.clients import client, resource_name
    from shared.aws.stores import order_store

    records = AfterSalesStore(order_store())
    items = records.waiting(order_id)
    for item in items:
        client("sqs").send_message(QueueUrl=resource_name(QUEUE_ENV), MessageBody=item["body"])
        records.remove_waiting(order_id, item["sk"])
    for values in shown:
        message = RefundMessage(request=AfterSalesRequest.model_validate(values), received_via={"source": SHOWN_ON_ORDER})
        client("sqs").send_message(QueueUrl=resource_name(QUEUE_ENV), MessageBody=message.body())
    return len(items) + len(shown)
