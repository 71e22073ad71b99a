"""A package's write-back through its channel queue against moto and the fake platform server:
queued once per note however often ParcelShipped comes, retried with backoff through a failing
platform until it takes the call, given up after MAX_ATTEMPTS into the failed list, the DLQ and
the timeline, and redriven by an operator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from functions.channel_writeback.handler import handler as writeback_handler
from shared.writeback.channels import queue_keys
from local.writeback_platforms import FakeChannelApis
from local.writebacks import main as writebacks_cli
from shared.aws.clients import client
from shared.aws.order_store import NoteState, OutboundNote
from shared.aws.stores import order_store
from shared.ids import outbound_note_id
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry
from shared.orders import OrderIn
from shared.routing import PlannedLine
from shared.writeback.aws import queues
from shared.writeback.aws.stores import channel_sync_store
from shared.writeback.domain import MAX_ATTEMPTS, WriteBackState
from shared.writeback.usecases.request import request_writeback
from tests.integration.conftest import context, drain

TID = "3891207745120938811"


@pytest.fixture
def fake(aws, monkeypatch):
    with FakeChannelApis() as apis:
        apis.add_shop("tmall", "tmall-flagship")
        for name, value in apis.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("WRITEBACK_BASE_BACKOFF_SECONDS", "0")
        client("secretsmanager").put_secret_value(SecretId=aws.env["PLATFORM_CREDENTIALS_ARN"], SecretString=json.dumps(apis.credentials()))
        yield apis


def shipped_order(warehouses=("WH-GZ",), channel: str = "tmall") -> str:
    order = OrderIn.model_validate(
        {
            "channel": channel, "external_id": TID, "buyer": {"buyer_id": "tb_lin**"},
            "lines": [{"sku": "CUP-CELADON-6PK", "quantity": 2, "unit_price": "89.00"}], "placed_at": "2026-11-11T00:00:41+08:00",
        }
    )
    orders = order_store()
    entry = TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause=f"order received from {channel}", actor=Actor(kind=ActorKind.CHANNEL, name=channel), details={"shop": "tmall-flagship"})
    stored, _ = orders.create(order, entry)
    for warehouse in warehouses:
        note = OutboundNote(
            note_id=outbound_note_id(stored.order_id, warehouse), order_id=stored.order_id, warehouse_id=warehouse, lines=[PlannedLine(sku="CUP-CELADON-6PK", quantity=2)],
            created_at="2026-11-11T01:00:00Z", state=NoteState.SHIPPED, carrier="SF", service="standard", tracking_number=f"SF{warehouse[-2:]}0001", shipped_at="2026-11-11T08:00:00Z",
        )
        orders.db.put_item(**orders.outbound_note_put(note)["Put"])
    return stored.order_id


def deliver_queued(aws) -> list[dict]:
    """What the queue holds, each delivered once to the consumer (as Lambda's event source would)."""
    sqs = client("sqs")
    messages = []
    for key in queue_keys():  # one queue per platform (decision 123)
        found = drain(sqs, aws.queue_urls[key])
        messages += found
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"], "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": aws.queue_arns[key], "awsRegion": "us-east-1"} for m in found]
        if not records:
            continue
        assert writeback_handler({"Records": records}, context()) == {"batchItemFailures": []}
    return messages


def test_a_repeated_parcel_shipped_makes_one_call_and_a_failing_platform_is_retried_until_it_takes_it(aws, fake):
    order_id = shipped_order()
    store = channel_sync_store()
    assert request_writeback(order_id, "WH-GZ", order_store(), store, queues.send) == "queued"
    assert request_writeback(order_id, "WH-GZ", order_store(), store, queues.send) == "already pending"  # a repeat
    fake.fail("tmall", times=1, status=502)
    fake.throttle("tmall", times=1, retry_after=0)
    for _ in range(3):
        deliver_queued(aws)
    record = store.get(f"WB-{order_id.removeprefix('OMS-')}-WH-GZ")
    assert record.state == WriteBackState.DONE and record.attempts == 3
    assert [c["status"] for c in fake.calls] == [502, 429, 200]
    sent = fake.accepted("tmall", "taobao.logistics.offline.send")
    assert len(sent) == 1 and sent[0]["params"]["tid"] == TID and sent[0]["params"]["company_code"] == "SF"
    assert not deliver_queued(aws)
    # Later copies change nothing: the record is DONE, the platform hears nothing more.
    assert request_writeback(order_id, "WH-GZ", order_store(), store, queues.send) == "already done"
    queues.send("tmall", {"kind": "writeback", "writeback_id": record.writeback_id})
    deliver_queued(aws)
    assert len(fake.accepted("tmall")) == 1
    causes = [e.cause for e in order_store().details(order_id).timeline]
    assert "write-back to tmall queued for the parcel from WH-GZ" in causes and "shipment written back to tmall (attempt 3)" in causes


def failed_for_good(aws, fake) -> tuple[str, str]:
    """A shipped order whose write-back failed every attempt: (order id, write-back id)."""
    order_id = shipped_order()
    request_writeback(order_id, "WH-GZ", order_store(), channel_sync_store(), queues.send)
    fake.fail("tmall", times=MAX_ATTEMPTS, status=500)
    for _ in range(MAX_ATTEMPTS):
        deliver_queued(aws)
    return order_id, f"WB-{order_id.removeprefix('OMS-')}-WH-GZ"


def test_a_write_back_that_keeps_failing_is_listed_dead_lettered_and_redriven(aws, fake, capsys):
    order_id, writeback_id = failed_for_good(aws, fake)
    record = channel_sync_store().get(writeback_id)
    assert record.state == WriteBackState.FAILED and record.attempts == MAX_ATTEMPTS and "500" in record.last_error
    dead = drain(client("sqs"), aws.dead_letter_queue_urls["writeback_tmall"], attributes=True)
    assert len(dead) == 1 and "500" in dead[0]["MessageAttributes"]["reason"]["StringValue"]
    assert any("FAILED after 6 attempt(s)" in e.cause for e in order_store().details(order_id).timeline)

    assert writebacks_cli(["failed"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [w["writeback_id"] for w in listed] == [writeback_id]
    assert writebacks_cli(["redrive", writeback_id, "--operator", "ops-wang"]) == 0
    redriven = json.loads(capsys.readouterr().out)
    assert redriven["redriven"] and redriven["state"] == "PENDING" and redriven["attempts"] == 0
    assert writebacks_cli(["redrive", writeback_id]) == 1  # not FAILED any more: nothing to do
    capsys.readouterr()
    deliver_queued(aws)
    assert channel_sync_store().get(writeback_id).state == WriteBackState.DONE
    assert writebacks_cli(["failed"]) == 0 and json.loads(capsys.readouterr().out) == []
    assert writebacks_cli(["redrive", "WB-nope"]) == 1
    assert any(e.cause == "write-back to tmall redriven" and e.actor.name == "ops-wang" for e in order_store().details(order_id).timeline)


def test_a_redrive_whose_send_failed_can_be_redriven_again_once_its_message_is_overdue(aws, fake, monkeypatch):
    """The redrive reopened the record, then its queue send failed: the record is PENDING with no
    message. A second redrive used to be refused for good (not FAILED); once the record is overdue
    (RESEND_AFTER) it is sent again."""
    from shared.writeback.usecases.operations import redrive_writeback
    from shared.writeback.usecases.request import RESEND_AFTER

    _, writeback_id = failed_for_good(aws, fake)

    def send_fails(channel, message):
        raise RuntimeError("SQS unavailable")

    with pytest.raises(RuntimeError):
        redrive_writeback(writeback_id, "ops-wang", channel_sync_store(), order_store(), send_fails)
    assert channel_sync_store().get(writeback_id).state == WriteBackState.PENDING and deliver_queued(aws) == []
    assert redrive_writeback(writeback_id, "ops-wang", channel_sync_store(), order_store(), queues.send)[1] is False  # may still be on its way
    overdue = (datetime.now(UTC) - RESEND_AFTER - timedelta(seconds=5)).isoformat()
    channel_sync_store().db.update_item(
        TableName=aws.env["CHANNEL_SYNC_TABLE"], Key={"pk": {"S": f"WB#{writeback_id}"}, "sk": {"S": "RECORD"}},
        UpdateExpression="SET updated_at = :t", ExpressionAttributeValues={":t": {"S": overdue}},
    )
    record, redriven = redrive_writeback(writeback_id, "ops-wang", channel_sync_store(), order_store(), queues.send, reason="SQS is back")
    assert redriven and record.state == WriteBackState.PENDING
    deliver_queued(aws)
    assert channel_sync_store().get(writeback_id).state == WriteBackState.DONE


def queued_with_an_unknown_carrier(aws) -> str:
    """A shipped order whose parcel's carrier no platform has a code for, its write-back queued."""
    order_id = shipped_order()
    order_store().db.update_item(
        TableName=aws.env["ORDERS_TABLE"], Key={"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": "NOTE#WH-GZ"}},
        UpdateExpression="SET carrier = :c", ExpressionAttributeValues={":c": {"S": "ufo-express"}},
    )
    request_writeback(order_id, "WH-GZ", order_store(), channel_sync_store(), queues.send)
    return order_id


def test_a_refused_call_fails_at_once_without_retrying(aws, fake):
    order_id = queued_with_an_unknown_carrier(aws)
    deliver_queued(aws)
    record = channel_sync_store().get(f"WB-{order_id.removeprefix('OMS-')}-WH-GZ")
    assert record.state == WriteBackState.FAILED and record.attempts == 1 and "no tmall code" in record.last_error
    assert fake.calls == []


def test_a_crash_before_the_dead_letter_still_dead_letters_the_write_back_on_the_message_s_next_delivery(aws, fake):
    import time
    from dataclasses import replace

    from shared.writeback.aws.stores import delivery_ports
    from shared.writeback.usecases.deliver import deliver

    order_id = queued_with_an_unknown_carrier(aws)
    [message] = [json.loads(m["Body"]) for m in drain(client("sqs"), aws.queue_urls["writeback_tmall"])]

    def killed(channel, message, reason):
        raise RuntimeError("the container was stopped")

    with pytest.raises(RuntimeError):
        deliver(message, replace(delivery_ports(), give_up=killed))
    later = replace(delivery_ports(), now_epoch=lambda: int(time.time()) + 3600)  # SQS delivers it again once the lease is over
    assert deliver(message, later).startswith("failed")
    dead = drain(client("sqs"), aws.dead_letter_queue_urls["writeback_tmall"], attributes=True)
    assert len(dead) == 1 and "no tmall code" in dead[0]["MessageAttributes"]["reason"]["StringValue"]
    assert channel_sync_store().get(f"WB-{order_id.removeprefix('OMS-')}-WH-GZ").state == WriteBackState.FAILED


def test_the_erp_hears_through_the_event_bus_and_oms_s_own_shop_needs_no_write_back(aws, fake):
    order_id = shipped_order(channel="erp")
    assert request_writeback(order_id, "WH-GZ", order_store(), channel_sync_store(), queues.send) == "queued"
    deliver_queued(aws)
    record = channel_sync_store().get(f"WB-{order_id.removeprefix('OMS-')}-WH-GZ")
    assert record.state == WriteBackState.DONE and record.platform_reference == "announced on the event bus (ShipmentWrittenBack)"
    assert fake.calls == []
    own = shipped_order(channel="own_shop")
    assert request_writeback(own, "WH-GZ", order_store(), channel_sync_store(), queues.send) == "not needed"
