"""The outbox publisher on moto: a note reaches the WMS FIFO queue once, whatever crashes or races."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import boto3
import pytest

from functions.outbox_publisher.handler import handler as outbox_handler
from shared.aws.dynamo import to_item, transact_write
from shared.aws.messaging import publish, send_to_wms
from shared.clock import iso, utc_now
from shared.events import OutboundNoteCreated
from shared.orders import ReceiverAddress
from shared.outbox.messages import OutboxMessage
from shared.outbox.publish import OutboxPublisher
from shared.outbox.store import PUBLISHED, UNCONFIRMED, OutboxStore
from shared.routing import PlannedLine
from tests.integration.conftest import context, drain


def pending_message(order_id: str = "OMS-OUTBOX1", created_at: str | None = None) -> OutboxMessage:
    note = OutboundNoteCreated(
        event_id=f"ON-{order_id}-WH-SH", order_id=order_id, note_id=f"ON-{order_id}-WH-SH", warehouse_id="WH-SH",
        channel="own_shop", external_id="X-1", lines=[PlannedLine(sku="TEA-LONGJING-250G", quantity=2)], receiver=ReceiverAddress(),
    )
    message = OutboxMessage.of(note, created_at or iso(utc_now()))
    outbox = OutboxStore()
    transact_write(outbox.db, [outbox.put_item(message)])
    return message


def wms_note_ids(aws) -> list[str]:
    return [json.loads(m["Body"])["detail"]["note_id"] for m in drain(boto3.client("sqs"), aws.queue_urls["wms_outbound"])]


def state_of(message: OutboxMessage) -> str:
    [item] = [i for i in OutboxStore().all_of(message.order_id) if i["message_id"] == message.message_id]
    return item["state"]


class CrashAfterSend(OutboxStore):
    """Dies between the send and noting it, once: the next publisher sends again."""

    crashed = False

    def mark_published(self, message, at, wms_sent_at=None):
        if not self.crashed:
            self.crashed = True
            raise ConnectionError("publisher died after SendMessage")
        super().mark_published(message, at, wms_sent_at)


def test_a_publisher_that_dies_between_send_and_mark_sends_again_and_the_queue_drops_it(aws):
    message = pending_message()
    with pytest.raises(ConnectionError):
        OutboxPublisher(CrashAfterSend(), send_to_wms, publish).publish_order(message.order_id)
    assert state_of(message) == "PENDING"
    report = OutboxPublisher(OutboxStore(), send_to_wms, publish).publish_order(message.order_id)
    assert report.published == [message.message_id] and state_of(message) == PUBLISHED
    assert wms_note_ids(aws) == [message.message_id]  # the re-send was deduplicated on the note id


def test_when_the_announcement_fails_the_send_is_noted_and_the_next_attempt_only_announces(aws):
    message = pending_message()
    announced = []

    def failing(events):
        raise ConnectionError("EventBridge unavailable")

    with pytest.raises(ConnectionError):
        OutboxPublisher(OutboxStore(), send_to_wms, failing).publish_order(message.order_id)
    [item] = OutboxStore().all_of(message.order_id)
    assert item["state"] == "PENDING" and item["wms_sent_at"]
    report = OutboxPublisher(OutboxStore(), lambda m: pytest.fail("sent twice"), announced.extend).publish_order(message.order_id)
    assert report.published == [message.message_id] and [e.event_id for e in announced] == [message.message_id]
    assert wms_note_ids(aws) == [message.message_id] and state_of(message) == PUBLISHED


def test_racing_publishers_put_the_note_on_the_queue_once(aws):
    message = pending_message()
    barrier = threading.Barrier(4)

    def publisher():
        barrier.wait()
        OutboxPublisher(OutboxStore(), send_to_wms, publish).publish_order(message.order_id)

    threads = [threading.Thread(target=publisher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wms_note_ids(aws) == [message.message_id] and state_of(message) == PUBLISHED


def test_past_the_deduplication_window_an_unconfirmed_send_is_parked_not_repeated(aws):
    message = pending_message()
    long_ago = iso(utc_now() - timedelta(minutes=10))
    OutboxStore().db.update_item(
        TableName=OutboxStore().table,
        Key=to_item({"pk": f"ORDER#{message.order_id}", "sk": f"OUTBOX#{message.message_id}"}),
        UpdateExpression="SET first_attempt_at = :t",
        ExpressionAttributeValues={":t": {"S": long_ago}},
    )
    report = OutboxPublisher(OutboxStore(), send_to_wms, publish).publish_order(message.order_id)
    assert report.unconfirmed == [message.message_id] and state_of(message) == UNCONFIRMED
    assert wms_note_ids(aws) == []  # an operator checks the WMS for the id first (runbook)


def test_the_scheduled_publisher_sends_what_a_crash_left_pending(aws, monkeypatch):
    fresh = pending_message("OMS-FRESH")
    stale = pending_message("OMS-STALE", created_at=iso(utc_now() - timedelta(minutes=2)))
    monkeypatch.setenv("OUTBOX_GRACE_SECONDS", "30")
    answer = outbox_handler({}, context("outbox_publisher"))
    assert answer["published"] == [stale.message_id]  # the fresh one is the fast path's to send
    assert wms_note_ids(aws) == [stale.message_id] and state_of(fresh) == "PENDING"
