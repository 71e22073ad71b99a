"""The release as plain writes (decision 225, shared/aws/plain_release.py), on moto: the notes are
put first, then META names them. Every crash point and a duplicate execution leave nothing wrong:
a note META does not name is no note of the order (not read, not shown, never sent, overwritten
by a later release), a retried release names the note its crash left and sends it once, a retry
after minutes sends rather than parks, and a late twin never overwrites a named note. The
reviewer's mends: tests/integration/test_plain_release_mends.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.notification.handler import handler as notification
from local.faults import Fault, FaultInjector, FaultPlan, ProcessCrashed
from shared.aws import plain_release
from shared.aws.dynamo import to_item
from shared.aws.messaging import publish, send_to_wms
from shared.aws.stores import inventory_store, order_store
from shared.clock import iso, utc_now
from shared.lifecycle import Actor, OrderStatus
from shared.operations.order_aftersales import order_after_sales
from shared.outbox.publish import OutboxPublisher
from shared.outbox.store import OutboxStore
from shared.usecases.cancel_order import cancel_order
from tests.integration.conftest import context
from tests.integration.test_note_messages import partition, reserved
from tests.integration.test_release_stream import wms_ids


def crashed_before_naming(order_id: str) -> dict:
    """The notification step died after its note's put, before META's update: the note it left."""
    injector = FaultInjector(FaultPlan({order_id: Fault("notification", "crash_before_decision")}))
    with pytest.raises(ProcessCrashed):
        injector.wrap("notification", notification)({"order_id": order_id}, context())
    items = partition(order_id)
    assert items["META"]["status"] == "RESERVED" and "outbound_note_ids" not in items["META"]
    note = items["NOTE#WH-SH"]
    assert note[plain_release.RELEASE_VERSION] == items["META"]["version"] + 1 and note["outbox_state"] == "PENDING"
    return note


class NoNotesAsked:
    """The after-sales view's write-back records: asked only for the notes it shows."""

    def records(self, ids: list[str]) -> list:
        raise AssertionError(f"write-backs asked for {ids}")


def calls_of(operation: str) -> list[dict]:
    seen: list[dict] = []
    order_store().db.meta.events.register(f"before-call.dynamodb.{operation}", lambda params, **_: seen.append(params))
    return seen


def test_a_release_is_two_plain_writes_and_meta_names_its_note(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    transactions = calls_of("TransactWriteItems")
    [note_id] = notification({"order_id": order_id}, context())["outbound_note_ids"]
    assert transactions == []
    items = partition(order_id)
    assert items["META"]["outbound_note_ids"] == [note_id] and items["META"]["status"] == "RELEASED"
    assert items["NOTE#WH-SH"][plain_release.RELEASE_VERSION] == items["META"]["version"]
    assert items["NOTE#WH-SH"]["outbox_state"] == "PUBLISHED"
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]
    details = order_store().details(order_id)
    assert [n.note_id for n in details.outbound_notes] == [note_id]
    assert [e.to_status for e in details.timeline].count(OrderStatus.RELEASED) == 1


def test_a_note_meta_does_not_name_is_not_shown_and_never_sent_even_when_the_order_is_cancelled(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    crashed_before_naming(order_id)
    details = order_store().details(order_id)
    assert details.outbound_notes == [] and OrderStatus.RELEASED not in [e.to_status for e in details.timeline]
    assert order_store().partition(order_id)[1].get("NOTE#WH-SH") is None
    assert OutboxStore().pending_of(order_id) == []  # what cancel, intercept and the sweep publish
    cancel_order(order_id, "buyer asked", Actor.system("test"), order_store(), inventory_store(), publish, OutboxPublisher(OutboxStore(), send_to_wms, publish))
    OutboxPublisher(OutboxStore(), send_to_wms, publish).publish_stale(0)
    assert wms_ids(seeded) == []  # neither the note nor a voiding of it
    assert order_store().details(order_id).outbound_notes == []
    assert order_after_sales(order_id, order_store(), NoNotesAsked()).writebacks == []


def test_a_retried_release_names_the_note_its_crash_left_and_sends_it_once(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    left = crashed_before_naming(order_id)
    [note_id] = notification({"order_id": order_id}, context())["outbound_note_ids"]  # the step's retry
    notification({"order_id": order_id}, context())  # and a duplicate execution after it
    items = partition(order_id)
    assert items["META"]["outbound_note_ids"] == [note_id] == [left["note_id"]]
    assert items["NOTE#WH-SH"]["first_attempt_at"] == left["first_attempt_at"]  # a fresh note is left as it is (a twin's)
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]
    assert [e.to_status for e in order_store().details(order_id).timeline].count(OrderStatus.RELEASED) == 1


def test_a_release_retried_minutes_after_its_crash_sends_the_note_rather_than_parking_it(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    left = crashed_before_naming(order_id)
    store = order_store()
    old = iso(utc_now() - timedelta(minutes=10))  # the re-drive comes after the queue's deduplication window
    store.db.put_item(TableName=store.table, Item=to_item({**left, "first_attempt_at": old, "created_at": old}))
    [note_id] = notification({"order_id": order_id}, context())["outbound_note_ids"]
    note = partition(order_id)["NOTE#WH-SH"]
    # named as it was left (never rewritten), sent: its first send's bound is the release's time
    assert note["first_attempt_at"] == old and note["outbox_state"] == "PUBLISHED"
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]


def test_a_late_twin_never_overwrites_the_note_meta_names(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    store = order_store()
    twin_read = store.load(order_id)  # a duplicate execution read META before the release
    notification({"order_id": order_id}, context())
    named = partition(order_id)["NOTE#WH-SH"]
    from shared.usecases import release_to_warehouse

    publisher = OutboxPublisher(OutboxStore(), send_to_wms, publish)
    with pytest.raises(Exception):  # its update loses: VersionConflict, then it reads RELEASED
        release_to_warehouse._release(twin_read, store, publisher)
    assert partition(order_id)["NOTE#WH-SH"] == named  # published, untouched
    release_to_warehouse.release_order(order_id, store, publisher)  # its retry after the conflict
    assert len(wms_ids(seeded)) == 1


def test_a_note_of_an_earlier_release_attempt_is_overwritten_by_the_next(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    left = crashed_before_naming(order_id)
    store = order_store()
    store.db.put_item(TableName=store.table, Item=to_item({**left, plain_release.RELEASE_VERSION: left[plain_release.RELEASE_VERSION] - 3, "lines": []}))
    notification({"order_id": order_id}, context())
    note = partition(order_id)["NOTE#WH-SH"]
    assert note[plain_release.RELEASE_VERSION] == left[plain_release.RELEASE_VERSION] and note["lines"] == left["lines"]


def test_a_note_stored_in_a_transaction_is_never_overwritten(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    left = crashed_before_naming(order_id)
    store = order_store()
    legacy = {k: v for k, v in left.items() if k != plain_release.RELEASE_VERSION}
    store.db.put_item(TableName=store.table, Item=to_item(legacy))
    request = plain_release.note_put({"Put": {"TableName": store.table, "Item": to_item(left)}}, left[plain_release.RELEASE_VERSION] + 5)
    with pytest.raises(store.db.exceptions.ConditionalCheckFailedException):
        store.db.put_item(**request)


def test_switched_off_the_release_is_one_transaction(seeded, shanghai_order, monkeypatch):
    monkeypatch.setenv(plain_release.SWITCH_ENV, "0")
    order_id = reserved(shanghai_order)
    transactions = calls_of("TransactWriteItems")
    notification({"order_id": order_id}, context())
    assert len(transactions) == 1
    assert plain_release.RELEASE_VERSION not in partition(order_id)["NOTE#WH-SH"]

