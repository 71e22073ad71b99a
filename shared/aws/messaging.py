"""The asynchronous edges a function talks to: the intake queue, the event bus, the workflow."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shared.aws.clients import client, resource_name
from shared.errors import EventPublishFailed

if TYPE_CHECKING:  # a function that only queues or starts runs does not load the event models (decision 158)
    from shared.events import DomainEvent
    from shared.outbox.messages import OutboxMessage

INTAKE_QUEUE_ENV = "INTAKE_QUEUE_URL"
EVENT_BUS_ENV = "EVENT_BUS_NAME"
WORKFLOW_ENV = "FULFILMENT_STATE_MACHINE_ARN"
WMS_QUEUE_ENV = "WMS_OUTBOUND_QUEUE_URL"
_PUT_EVENTS_BATCH = 10  # EventBridge's limit per PutEvents call


def enqueue_for_fulfilment(order_id: str) -> None:
    client("sqs").send_message(
        QueueUrl=resource_name(INTAKE_QUEUE_ENV), MessageBody=json.dumps({"order_id": order_id})
    )


def send_to_wms(message: OutboxMessage) -> None:
    """One message on the WMS FIFO queue: its id deduplicates (SQS drops a repeat for five
    minutes), its order keeps one order's messages in sequence (a note before its voiding)."""
    client("sqs").send_message(
        QueueUrl=resource_name(WMS_QUEUE_ENV),
        MessageBody=json.dumps(message.envelope()),
        MessageDeduplicationId=message.message_id,
        MessageGroupId=message.order_id,
    )


def publish(events: Sequence[DomainEvent]) -> None:
    from shared.events import SOURCE  # loaded already by whoever made the events

    bus = resource_name(EVENT_BUS_ENV)
    for start in range(0, len(events), _PUT_EVENTS_BATCH):
        batch = events[start : start + _PUT_EVENTS_BATCH]
        response = client("events").put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": event.detail_type,
                    "Detail": event.model_dump_json(),
                    "EventBusName": bus,
                    "Resources": [],
                }
                for event in batch
            ]
        )
        if response.get("FailedEntryCount", 0):
            failed = [e for e in response["Entries"] if "ErrorCode" in e]
            raise EventPublishFailed(f"{len(failed)} of {len(batch)} events refused: {failed[:3]}")


def announce_as(source: str, detail_type: str, detail: dict[str, Any]) -> None:
    """One event on oms's bus under another system's source, as that system would have put it:
    the warehouse reconciler announces a WMS's ParcelShipped the WMS's own delivery lost, so
    every rule that takes the WMS's events (parcel updates, customer notices) acts on it."""
    response = client("events").put_events(
        Entries=[{"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": resource_name(EVENT_BUS_ENV), "Resources": []}]
    )
    if response.get("FailedEntryCount", 0):
        raise EventPublishFailed(f"{detail_type} from {source} refused: {response['Entries']}")


def start_fulfilment(order_id: str, resume_at: str | None = None, run_name: str | None = None) -> bool:
    """Starts the order's workflow, named after the order (or `run_name` for a resumed run).
    `resume_at="Route"` skips review: an operator approved a held order. False when the name ran."""
    payload = {"order_id": order_id, "resume_at": resume_at or "Review"}
    try:
        client("stepfunctions").start_execution(
            stateMachineArn=resource_name(WORKFLOW_ENV), name=run_name or order_id, input=json.dumps(payload)
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
            return False
        raise
    return True
