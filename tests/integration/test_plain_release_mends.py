"""Decision 225's mends after review, on moto: a note put for a release's version is never
overwritten (a duplicate Express execution cannot reset a named note's first attempt nor revive a
voided one); a note named as a crash left it has its first send bounded by its release's time, on
the fast path, the stream and the sweep alike, and the stream's grace counts from the release; the
release transaction (`-c plain_release=off`, a rollback) completes a release that crashed between
its plain writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.notification.handler import handler as notification
from shared.aws import plain_release
from shared.aws.dynamo import to_item
from shared.aws.messaging import publish, send_to_wms
from shared.aws.plain_release import ReleaseTime, first_send_bound
from shared.aws.stores import inventory_store, order_store
from shared.clock import iso, utc_now
from shared.lifecycle import Actor, OrderStatus
from shared.outbox.publish import OutboxPublisher
from shared.outbox.release_stream import FAST_PATH_GRACE_SECONDS, publish_releases
from shared.outbox.store import OutboxStore
from shared.usecases import release_to_warehouse
from shared.usecases.cancel_order import cancel_order
from tests.integration.conftest import context
from tests.integration.test_note_messages import Unreachable, partition, reserved, unreachable
from tests.integration.test_plain_release import crashed_before_naming
from tests.integration.test_release_stream import meta_record, no_poison, wms_ids


def _aged(order_id: str, seconds: float) -> str:
    """Moves the note's times `seconds` back (a note put that long ago); returns that time."""
    store, old = order_store(), iso(utc_now() - timedelta(seconds=seconds))
    note = partition(order_id)["NOTE#WH-SH"]
    store.db.put_item(TableName=store.table, Item=to_item({**note, "first_attempt_at": old, "created_at": old}))
    return old


def test_a_duplicate_execution_never_rewrites_a_named_note_nor_revives_a_voided_one(seeded, shanghai_order):
    """M1: a duplicate Express execution read META RESERVED before the release, and puts its note
    minutes later (AWS runs Express at least once, a duplicate may start late). The note META named
    has since been voided by a cancel, its message still pending (the WMS was unreachable)."""
    order_id = reserved(shanghai_order)
    store = order_store()
    twin_read = store.load(order_id)
    unsent = OutboxPublisher(OutboxStore(), unreachable, publish)
    with pytest.raises(Unreachable):
        release_to_warehouse.release_order(order_id, store, unsent)
    with pytest.raises(Unreachable):
        cancel_order(order_id, "buyer asked", Actor.system("test"), store, inventory_store(), publish, unsent)
    _aged(order_id, 120)  # past the 60 s "stale" age decision 225 first rewrote at
    voided = partition(order_id)["NOTE#WH-SH"]
    assert (voided["state"], voided["outbox_state"], "wms_sent_at" in voided) == ("VOIDED", "PENDING", False)
    with pytest.raises(Exception):  # its META update loses
        release_to_warehouse._release(twin_read, store, unsent)
    assert partition(order_id)["NOTE#WH-SH"] == voided


def test_a_note_put_for_this_release_version_is_never_overwritten():
    """M1, the condition itself: only a free key or an earlier release's note."""
    request = plain_release.note_put({"Put": {"TableName": "orders", "Item": to_item({"pk": "ORDER#O-1", "sk": "NOTE#WH-SH"})}}, 7)
    assert request["ConditionExpression"] == "attribute_not_exists(pk) OR #rv < :rv"


def test_the_first_send_bound_is_the_later_of_the_first_attempt_and_its_own_release():
    note = {"sk": "NOTE#WH-SH", plain_release.RELEASE_VERSION: 7, "first_attempt_at": "2026-12-03T09:00:00.000Z"}
    assert first_send_bound(note, ReleaseTime(7, "2026-12-03T09:10:00.000Z")) == "2026-12-03T09:10:00.000Z"
    assert first_send_bound(note, ReleaseTime(7, "2026-12-03T08:50:00.000Z")) == "2026-12-03T09:00:00.000Z"  # never earlier
    assert first_send_bound(note, ReleaseTime(9, "2026-12-03T09:10:00.000Z")) == "2026-12-03T09:00:00.000Z"  # another release's time
    transactional = {k: v for k, v in note.items() if k != plain_release.RELEASE_VERSION}
    assert first_send_bound(transactional, ReleaseTime(7, "2026-12-03T09:10:00.000Z")) == "2026-12-03T09:00:00.000Z"


def test_a_reused_note_goes_out_from_its_release_record_rather_than_parked(seeded, shanghai_order):
    """M1's bound on the stream: the release that named a crash's ten-minute-old note just
    committed (its record's creation), its fast path failed; the record sends the note."""
    order_id = reserved(shanghai_order)
    crashed_before_naming(order_id)
    old = _aged(order_id, 600)
    with pytest.raises(Unreachable):
        release_to_warehouse.release_order(order_id, order_store(), OutboxPublisher(OutboxStore(), unreachable, publish))
    publisher = OutboxPublisher(OutboxStore(), send_to_wms, publish)
    report = publish_releases([meta_record(order_id)], publisher, set_aside=no_poison, sleep=lambda seconds: None)
    note = partition(order_id)["NOTE#WH-SH"]
    assert report.published == [note["note_id"]] and report.unconfirmed == []
    assert (note["first_attempt_at"], note["outbox_state"]) == (old, "PUBLISHED")
    assert wms_ids(seeded) == [("OutboundNoteCreated", note["note_id"])]


def test_a_reused_note_is_still_parked_once_its_release_is_past_the_window(seeded, shanghai_order):
    """The bound never passes the release: a record of a release committed five minutes ago parks
    the crash's older note, as any note past the deduplication window."""
    order_id = reserved(shanghai_order)
    crashed_before_naming(order_id)
    _aged(order_id, 600)
    with pytest.raises(Unreachable):
        release_to_warehouse.release_order(order_id, order_store(), OutboxPublisher(OutboxStore(), unreachable, publish))
    record = meta_record(order_id, created=(utc_now() - timedelta(seconds=300)).timestamp())
    report = publish_releases([record], OutboxPublisher(OutboxStore(), send_to_wms, publish), set_aside=no_poison, sleep=lambda seconds: None)
    assert report.published == [] and len(report.unconfirmed) == 1
    assert wms_ids(seeded) == []


def test_the_stream_grace_counts_from_the_release_not_from_a_reused_note(seeded, shanghai_order):
    """L1: the crash's note is a minute old, its release has just committed: the record waits for
    the release's fast path (the grace, from the record's creation) before it sends."""
    order_id = reserved(shanghai_order)
    crashed_before_naming(order_id)
    _aged(order_id, 60)
    with pytest.raises(Unreachable):
        release_to_warehouse.release_order(order_id, order_store(), OutboxPublisher(OutboxStore(), unreachable, publish))
    waited: list[float] = []
    publish_releases([meta_record(order_id)], OutboxPublisher(OutboxStore(), send_to_wms, publish), set_aside=no_poison, sleep=waited.append)
    assert len(waited) == 1 and 0 < waited[0] <= FAST_PATH_GRACE_SECONDS
    assert len(wms_ids(seeded)) == 1


def test_after_a_rollback_the_transaction_completes_a_release_that_crashed_between_its_plain_writes(seeded, shanghai_order, monkeypatch):
    """M2: a release crashed under plain writes (its note put, META not updated), then the stage
    rolled back to `-c plain_release=off`: the release transaction takes the unnamed note's key
    over, and the order is released once, its note sent once."""
    order_id = reserved(shanghai_order)
    crashed_before_naming(order_id)
    monkeypatch.setenv(plain_release.SWITCH_ENV, "0")
    [note_id] = notification({"order_id": order_id}, context())["outbound_note_ids"]
    notification({"order_id": order_id}, context())  # a duplicate execution after it
    items = partition(order_id)
    assert items["META"]["status"] == "RELEASED" and items["META"]["outbound_note_ids"] == [note_id]
    assert plain_release.RELEASE_VERSION not in items["NOTE#WH-SH"] and items["NOTE#WH-SH"]["outbox_state"] == "PUBLISHED"
    assert wms_ids(seeded) == [("OutboundNoteCreated", note_id)]
    assert [e.to_status for e in order_store().details(order_id).timeline].count(OrderStatus.RELEASED) == 1


def test_the_release_transaction_never_takes_over_a_note_a_transaction_stored(seeded, shanghai_order, monkeypatch):
    """M2's condition admits a plain note only: a transaction's note (no `release_version`) at the
    key still fails it, and the release is a lost race (its META condition fails with it)."""
    monkeypatch.setenv(plain_release.SWITCH_ENV, "0")
    order_id = reserved(shanghai_order)
    notification({"order_id": order_id}, context())
    stored = partition(order_id)["NOTE#WH-SH"]
    store = order_store()
    put = store.outbound_note_put(release_to_warehouse.OutboundNote.model_validate(stored))["Put"]
    with pytest.raises(store.db.exceptions.ConditionalCheckFailedException):
        store.db.put_item(**put)
