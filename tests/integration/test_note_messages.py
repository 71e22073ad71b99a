"""An outbound note that carries its own outbox message (decision 185), on moto: the release writes
no `OUTBOX#` item, the WMS and the bus get the same message as before (fast path and sweep),
a voiding follows its note (a crash's pending note goes out from the release's stream record since
decision 193: test_release_stream.py),
an unconfirmed note is parked apart from its parcel state, and switched off the old layout is written."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from functions.inventory_lock.handler import handler as inventory_lock
from functions.notification.handler import handler as notification
from functions.review.handler import handler as review
from functions.routing.handler import handler as routing
from shared.aws import write_layout
from shared.aws.dynamo import query_partition
from shared.aws.messaging import publish, send_to_wms
from shared.aws.stores import order_store
from shared.clock import iso, utc_now
from shared.outbox.publish import OutboxPublisher
from shared.outbox.store import OutboxStore
from shared.usecases.release_to_warehouse import release_order
from tests.integration.conftest import context, drain
from tests.integration.test_workflow_steps import accept


def reserved(order: dict) -> str:
    order_id = accept(order)
    review({"order_id": order_id}, context())
    routed = routing({"order_id": order_id, "route_attempt": 0}, context())
    inventory_lock({"order_id": order_id, "plan": routed["plan"]}, context())
    return order_id


def partition(order_id: str) -> dict[str, dict]:
    store = order_store()
    return {i["sk"]: i for i in query_partition(store.db, store.table, f"ORDER#{order_id}", consistent=True)}


def wms_bodies(aws) -> list[dict]:
    return [json.loads(m["Body"]) for m in drain(boto3.client("sqs"), aws.queue_urls["wms_outbound"])]


class Unreachable(Exception):
    pass


def unreachable(message):
    raise Unreachable("WMS queue unreachable")


def test_a_released_note_carries_its_message_and_the_wms_gets_the_same_body(seeded, shanghai_order):
    order_id = reserved(shanghai_order)
    [note_id] = notification({"order_id": order_id}, context())["outbound_note_ids"]

    items = partition(order_id)
    assert not [sk for sk in items if sk.startswith("OUTBOX#")]
    note = items["NOTE#WH-SH"]
    assert (note["state"], note["outbox_state"], "outbox_key" in note) == ("SENT", "PUBLISHED", False)
    assert note["wms_sent_at"] and note["published_at"] and note["first_attempt_at"] == note["created_at"]
    [body] = wms_bodies(seeded)
    stored = order_store().load(order_id).order
    assert (body["id"], body["detail-type"], body["detail"]["note_id"], body["detail"]["channel"], body["detail"]["external_id"]) == (
        note_id, "OutboundNoteCreated", note_id, stored.channel.value, stored.external_id,
    )
    assert body["detail"]["receiver"] == stored.receiver.model_dump(mode="json")
    assert {(l["sku"], l["quantity"]) for l in body["detail"]["lines"]} == {("TEA-LONGJING-250G", 2), ("CUP-CELADON-6PK", 1)}
    assert OutboxStore().pending_of(order_id) == []


def test_a_voiding_follows_the_note_it_voids_when_both_are_pending(seeded, shanghai_order):
    from shared.lifecycle import Actor
    from shared.usecases.cancel_order import cancel_order
    from shared.aws.stores import inventory_store

    order_id = reserved(shanghai_order)
    with pytest.raises(Unreachable):
        release_order(order_id, order_store(), OutboxPublisher(OutboxStore(), unreachable, publish))
    with pytest.raises(Unreachable):
        cancel_order(order_id, "buyer asked", Actor.system("test"), order_store(), inventory_store(), publish, OutboxPublisher(OutboxStore(), unreachable, publish))
    pending = OutboxStore().pending_of(order_id)
    assert [m.kind for m in pending] == ["OutboundNoteCreated", "OutboundNoteVoided"]
    OutboxPublisher(OutboxStore(), send_to_wms, publish).publish_order(order_id)
    assert [b["detail-type"] for b in wms_bodies(seeded)] == ["OutboundNoteCreated", "OutboundNoteVoided"]
    assert partition(order_id)["NOTE#WH-SH"]["state"] == "VOIDED"


def test_a_note_not_known_sent_in_the_dedup_window_is_parked_unconfirmed_beside_its_parcel_state(seeded, shanghai_order, monkeypatch):
    from shared.outbox import publish as publish_module

    order_id = reserved(shanghai_order)
    with pytest.raises(Unreachable):
        release_order(order_id, order_store(), OutboxPublisher(OutboxStore(), unreachable, publish))
    monkeypatch.setattr(publish_module, "SAFE_RESEND_SECONDS", -60)  # its first attempt is "too old" now
    report = OutboxPublisher(OutboxStore(), unreachable, publish).publish_order(order_id)
    assert report.unconfirmed == [partition(order_id)["NOTE#WH-SH"]["note_id"]]
    note = partition(order_id)["NOTE#WH-SH"]
    assert (note["outbox_state"], "outbox_key" in note, note["state"]) == ("UNCONFIRMED", False, "SENT")
    assert wms_bodies(seeded) == []


def test_switched_off_the_release_writes_the_message_item_as_before(seeded, shanghai_order, monkeypatch):
    monkeypatch.setenv(write_layout.SWITCH_ENV, "0")
    order_id = reserved(shanghai_order)
    [note_id] = notification({"order_id": order_id}, context())["outbound_note_ids"]
    items = partition(order_id)
    assert items[f"OUTBOX#{note_id}"]["state"] == "PUBLISHED" and "outbox_state" not in items["NOTE#WH-SH"]
    [body] = wms_bodies(seeded)
    assert body["detail"]["note_id"] == note_id
