"""A release's notes published from the orders table's stream (decision 193), on moto, with stream
records shaped as Lambda delivers them (the local poller's own behaviour: tests/unit/
test_local_stream_poller.py): a note a crash left pending is out of `by_outbox` and goes out from
the release's record, once however often the record comes; a note no release names never goes; a
record past the WMS queue's deduplication window parks its note; a fresh note is left to its writer
for a grace; a failed send is retried by the stream; a record that cannot be read is set aside to
the failure queue and does not hold the releases behind it; the sweep sends a voiding after its note; a note stored in `by_outbox` before is still swept."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import boto3
import pytest

from functions.release_publisher.handler import handler as release_publisher
from shared.aws import stores
from shared.aws.dynamo import to_value
from shared.aws.messaging import publish, send_to_wms
from shared.aws.stores import inventory_store, order_store
from shared.clock import iso, utc_now
from shared.lifecycle import Actor
from shared.outbox.publish import OutboxPublisher
from shared.outbox.release_stream import ReleaseFailed, publish_releases, release_of
from shared.outbox.store import OutboxStore, pending_key
from shared.usecases.cancel_order import cancel_order
from shared.usecases.release_to_warehouse import release_order
from tests.integration.conftest import context, drain
from tests.integration.test_note_messages import Unreachable, partition, reserved, unreachable


def wms_ids(aws) -> list[tuple[str, str]]:
    return [(b["detail-type"], b["id"]) for b in (json.loads(m["Body"]) for m in drain(boto3.client("sqs"), aws.queue_urls["wms_outbound"]))]


def meta_record(order_id: str, old_status: str = "RESERVED", sequence: str = "100", created: float | None = None) -> dict:
    """The stream record of the order's META as it is now, changed from `old_status`."""
    store = order_store()
    meta = store.db.get_item(TableName=store.table, Key={"pk": to_value(f"ORDER#{order_id}"), "sk": to_value("META")}, ConsistentRead=True)["Item"]
    return {
        "eventName": "MODIFY",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-12-02T00:00:00.000",
        "dynamodb": {
            "Keys": {"pk": meta["pk"], "sk": meta["sk"]},
            "NewImage": meta,
            "OldImage": {**meta, "status": to_value(old_status)},
            "SequenceNumber": sequence,
            "ApproximateCreationDateTime": float(int(created if created is not None else time.time())),
        },
    }


def no_poison(record):
    raise AssertionError(f"a readable release record was set aside: {record}")


def crashed_release(order_id: str) -> str:
    """The release committed, its fast path failed: the note is pending."""
    with pytest.raises(Unreachable):
        release_order(order_id, order_store(), OutboxPublisher(OutboxStore(), unreachable, publish))
    note = partition(order_id)["NOTE#WH-SH"]
    assert (note["outbox_state"], "outbox_key" in note) == ("PENDING", False)  # not in by_outbox
    return note["note_id"]


def test_a_note_a_crash_left_pending_goes_out_from_its_release_record_once_however_often_it_comes(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    note_id = crashed_release(order_id)
    assert OutboxStore().pending_before(iso(utc_now() + timedelta(seconds=1))) == []  # the sweep no longer sees it
    record = meta_record(order_id)
    announced: list = []
    publisher = OutboxPublisher(OutboxStore(), send_to_wms, announced.extend)
    assert publish_releases([record], publisher, set_aside=no_poison, sleep=lambda seconds: None).published == [note_id]
    assert publish_releases([record], publisher, set_aside=no_poison, sleep=lambda seconds: None).published == []  # the record delivered again
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]
    assert [e.event_id for e in announced] == [note_id]
    note = partition(order_id)["NOTE#WH-SH"]
    assert note["outbox_state"] == "PUBLISHED" and note["wms_sent_at"]


def test_a_note_its_writer_publishes_meanwhile_is_left_to_it(seeded, shanghai_order, monkeypatch):
    monkeypatch.setattr("shared.outbox.release_stream.FAST_PATH_GRACE_SECONDS", 60.0)  # the note is fresh, however slow this machine
    order_id = reserved(shanghai_order)
    note_id = crashed_release(order_id)
    announced: list = []

    def fast_path_finishes(seconds: float) -> None:  # the writer's publish, during the consumer's grace
        assert 0 < seconds <= 60.0
        OutboxPublisher(OutboxStore(), send_to_wms, announced.extend).publish_order(order_id)

    report = publish_releases([meta_record(order_id)], OutboxPublisher(OutboxStore(), send_to_wms, announced.extend), set_aside=no_poison, sleep=fast_path_finishes)
    assert report.published == [] and [e.event_id for e in announced] == [note_id]
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]


class DiesBeforeMarking(OutboxStore):
    def mark_published(self, message, at, wms_sent_at=None):
        raise ConnectionError("consumer died after SendMessage")


def test_a_delivery_that_died_after_sending_is_repeated_and_the_queue_drops_the_second_send(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    note_id = crashed_release(order_id)
    record = meta_record(order_id)
    with pytest.raises(ReleaseFailed):
        publish_releases([record], OutboxPublisher(DiesBeforeMarking(), send_to_wms, publish), set_aside=no_poison, sleep=lambda seconds: None)
    assert partition(order_id)["NOTE#WH-SH"]["outbox_state"] == "PENDING"
    assert publish_releases([record], OutboxPublisher(OutboxStore(), send_to_wms, publish), set_aside=no_poison, sleep=lambda seconds: None).published == [note_id]
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]  # the FIFO queue dropped the second send


def test_a_note_no_release_names_is_never_sent(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    note_id = crashed_release(order_id)
    store = order_store()
    orphan = {**partition(order_id)["NOTE#WH-SH"], "sk": "NOTE#WH-BJ", "note_id": "ON-ORPHAN", "warehouse_id": "WH-BJ"}
    store.db.put_item(TableName=store.table, Item={k: to_value(v) for k, v in orphan.items()})  # as a write that never committed
    publisher = OutboxPublisher(OutboxStore(), send_to_wms, publish)
    assert publish_releases([meta_record(order_id)], publisher, set_aside=no_poison, sleep=lambda seconds: None).published == [note_id]
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]
    # and a record that is no change to RELEASED names nothing (the filter's, checked again)
    assert release_of(meta_record(order_id, old_status="RELEASED")) is None
    assert publisher.publish_stale(older_than_seconds=-1).published == []  # nor does the sweep see it
    assert partition(order_id)["NOTE#WH-BJ"]["outbox_state"] == "PENDING"


def test_a_record_retried_past_the_deduplication_window_parks_its_note_unsent(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    note_id = crashed_release(order_id)
    store = order_store()
    five_minutes_ago = utc_now() - timedelta(seconds=300)
    store.db.update_item(  # the release committed five minutes ago, its record retried since
        TableName=store.table,
        Key={"pk": to_value(f"ORDER#{order_id}"), "sk": to_value("NOTE#WH-SH")},
        UpdateExpression="SET created_at = :at, first_attempt_at = :at",
        ExpressionAttributeValues={":at": to_value(iso(five_minutes_ago))},
    )
    record = meta_record(order_id, created=five_minutes_ago.timestamp())
    assert release_publisher({"Records": [record]}, context()) == {"batchItemFailures": []}
    assert wms_ids(seeded) == []
    note = partition(order_id)["NOTE#WH-SH"]
    assert (note["note_id"], note["outbox_state"], "wms_sent_at" in note, note["state"]) == (note_id, "UNCONFIRMED", False, "SENT")


def test_a_failed_send_is_reported_and_the_stream_retries_from_that_record(seeded, shanghai_order, monkeypatch):
    monkeypatch.setattr("shared.outbox.release_stream.FAST_PATH_GRACE_SECONDS", 0.0)
    order_id = reserved(shanghai_order)
    note_id = crashed_release(order_id)
    before = meta_record(order_id, old_status="RELEASED", sequence="99")  # not a release: passed over
    record = meta_record(order_id, sequence="100")
    with monkeypatch.context() as patched:
        stores.reset()
        patched.setattr("shared.aws.messaging.send_to_wms", unreachable)
        assert release_publisher({"Records": [before, record]}, context()) == {"batchItemFailures": [{"itemIdentifier": "100"}]}
        assert partition(order_id)["NOTE#WH-SH"]["outbox_state"] == "PENDING"
    stores.reset()
    assert release_publisher({"Records": [record]}, context()) == {"batchItemFailures": []}  # the retry, from that record
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]


def test_the_sweep_sends_a_voiding_after_its_note_though_the_note_is_not_in_the_index(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    note_id = crashed_release(order_id)
    with pytest.raises(Unreachable):
        cancel_order(order_id, "buyer asked", Actor.system("test"), order_store(), inventory_store(), publish, OutboxPublisher(OutboxStore(), unreachable, publish))
    report = OutboxPublisher(OutboxStore(), send_to_wms, publish).publish_stale(older_than_seconds=-1)
    assert report.published == [note_id, f"{note_id}:voided"]
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id), ("OutboundNoteVoided", f"{note_id}:voided")]


def test_a_note_stored_in_by_outbox_before_decision_193_is_still_swept(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    note_id = crashed_release(order_id)
    store = order_store()
    store.db.update_item(  # the layout of decision 185: the pending note in the index
        TableName=store.table,
        Key={"pk": to_value(f"ORDER#{order_id}"), "sk": to_value("NOTE#WH-SH")},
        UpdateExpression="SET outbox_key = :key",
        ExpressionAttributeValues={":key": to_value(pending_key(note_id))},
    )
    assert OutboxPublisher(OutboxStore(), send_to_wms, publish).publish_stale(older_than_seconds=-1).published == [note_id]
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]
    note = partition(order_id)["NOTE#WH-SH"]
    assert (note["outbox_state"], "outbox_key" in note) == ("PUBLISHED", False)


def test_a_record_that_cannot_be_read_is_set_aside_and_the_releases_behind_it_go_on(seeded, shanghai_order, monkeypatch):
    """A note item no one can read (a required attribute gone) would fail its record for the
    mapping's whole maximum age, and every release behind it on the shard would wait past the
    deduplication window. It goes to the failure queue at once, naming its order, notes and reason;
    the next release is published; nothing is reported failed."""
    monkeypatch.setattr("shared.outbox.release_stream.FAST_PATH_GRACE_SECONDS", 0.0)
    poisoned = reserved(shanghai_order)
    poisoned_note = crashed_release(poisoned)
    store = order_store()
    store.db.update_item(TableName=store.table, Key={"pk": to_value(f"ORDER#{poisoned}"), "sk": to_value("NOTE#WH-SH")}, UpdateExpression="REMOVE warehouse_id")
    another_buyer = {
        **shanghai_order,
        "external_id": shanghai_order["external_id"] + "-2",
        "buyer": {"buyer_id": "C-20010", "name": "李华"},
        "receiver": {**shanghai_order["receiver"], "name": "李华", "phone": "13900139000", "detail": "世纪大道200号"},
    }
    healthy = reserved(another_buyer)
    healthy_note = crashed_release(healthy)
    stores.reset()

    result = release_publisher({"Records": [meta_record(poisoned, sequence="100"), meta_record(healthy, sequence="101")]}, context())

    assert result == {"batchItemFailures": []}
    assert wms_ids(seeded) == [("OutboundNoteCreated", healthy_note)]
    [message] = drain(boto3.client("sqs"), seeded.queue_urls["order_releases_failed"], attributes=True)
    body = json.loads(message["Body"])
    assert (body["kind"], body["sequenceNumber"], body["orderId"], body["noteIds"]) == ("poison_release_record", "100", poisoned, [poisoned_note])
    assert "warehouse_id" in body["reason"] and message["MessageAttributes"]["order_id"]["StringValue"] == poisoned
    assert partition(poisoned)["NOTE#WH-SH"]["outbox_state"] == "PENDING"  # left for the person the queue's alarm calls


def _throttled():
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "SendMessage")


@pytest.mark.parametrize(
    "failure",
    [
        _throttled,
        # botocore decodes a 200 response cut short mid-character outside its retry: a ValueError
        # that is no reading error of the record
        lambda: UnicodeDecodeError("utf-8", b"\xe4\xb8", 0, 2, "unexpected end of data"),
        lambda: KeyError("Items"),  # a response that lost its body after the CRC32 retries
    ],
    ids=["throttled", "cut_short_mid_character", "body_lost"],
)
def test_an_aws_failure_is_retried_never_set_aside(seeded, shanghai_order, monkeypatch, failure):
    """A throttled service, or a response cut short, is no reading error of the record, whatever
    its Python type: the record is reported for the stream to retry, nothing goes to the failure
    queue."""
    monkeypatch.setattr("shared.outbox.release_stream.FAST_PATH_GRACE_SECONDS", 0.0)
    order_id = reserved(shanghai_order)
    crashed_release(order_id)

    def fails(message):
        raise failure()

    with monkeypatch.context() as patched:
        stores.reset()
        patched.setattr("shared.aws.messaging.send_to_wms", fails)
        assert release_publisher({"Records": [meta_record(order_id, sequence="100")]}, context()) == {"batchItemFailures": [{"itemIdentifier": "100"}]}
    assert drain(boto3.client("sqs"), seeded.queue_urls["order_releases_failed"]) == []
