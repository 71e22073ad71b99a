"""The per-SKU release queue (SQS FIFO): MessageGroupId = the SKU, so one SKU's restocks are
handled one after another (no two releases race for its units) while different SKUs run side by
side; MessageDeduplicationId = the stock change's id, so a re-delivered receipt is dropped."""

from __future__ import annotations

from shared.aws.clients import client, resource_name
from shared.backorders.signals import RestockSignal

QUEUE_ENV = "BACKORDER_RELEASE_QUEUE_URL"


def send_restock(signal: RestockSignal) -> None:
    client("sqs").send_message(
        QueueUrl=resource_name(QUEUE_ENV),
        MessageBody=signal.model_dump_json(),
        MessageGroupId=signal.sku,
        MessageDeduplicationId=signal.deduplication_id,
    )
