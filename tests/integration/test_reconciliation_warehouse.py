"""oms against the warehouse on moto: a WMS daily shipped list dropped in the WMS reports bucket
reaches the warehouse reconciler (S3 → SQS); a note the WMS shipped while oms still says RELEASED
is shipped in oms through the parcel-update use case, a note the WMS never shipped past the grace
period and a note oms does not know wait for a person."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3

from functions.intake.handler import handler as intake
from functions.inventory_lock.handler import handler as inventory_lock
from functions.notification.handler import handler as notification
from functions.parcel_updates.handler import handler as parcel_updates
from functions.review.handler import handler as review
from functions.routing.handler import handler as routing
from functions.warehouse_reconciler.handler import handler as warehouse_reconciler
from local.sqs_poller import lambda_record
from shared.aws.stores import inventory_store, order_store
from shared.clock import utc_now
from shared.notices.records import NoticeRecords
from shared.reconciliation.domain import DifferenceKind, Resolution, RunKind
from shared.reconciliation.store import ReconciliationStore
from shared.reconciliation.usecases.check_warehouse import check_shipped_list, warehouse_run_id
from shared.reconciliation.warehouse import read_shipped_list
from tests.integration.conftest import api_request, context, drain


def released(order: dict, serial: str) -> str:
    # Another buyer at another door: review would hold the same lines to the same receiver as a duplicate.
    unique = {
        **order,
        "external_id": f"{order['external_id']}-wms-{serial}",
        "buyer": {**order["buyer"], "buyer_id": f"wms-buyer-{serial}"},
        "receiver": {**order["receiver"], "detail": f"{order['receiver']['detail']} {serial}座"},
    }
    status, answer = api_request(intake, "POST", "/orders", "/orders", json.dumps(unique))
    assert status == 202, answer
    order_id = answer["order_id"]
    review({"order_id": order_id}, context())
    plan = routing({"order_id": order_id, "route_attempt": 0}, context())["plan"]
    inventory_lock({"order_id": order_id, "plan": plan}, context())
    notification({"order_id": order_id}, context())
    return order_id


def test_a_shipped_list_ships_what_oms_missed_and_reports_what_the_wms_never_shipped(seeded, shanghai_order) -> None:
    shipped_id, forgotten_id = released(shanghai_order, "a"), released(shanghai_order, "b")
    [note] = order_store().details(shipped_id).outbound_notes
    [forgotten] = order_store().details(forgotten_id).outbound_notes
    today = utc_now().date().isoformat()
    csv_text = (
        "note_id,order_id,shipped_at,carrier,tracking_number\n"
        f"{note.note_id},{shipped_id},{utc_now().isoformat()},SF,SF1234567890\n"
        "ON-UNKNOWN-WH-SH,OMS-UNKNOWN,2026-12-01T08:00:00Z,SF,SF0000000000\n"
    )
    key = f"shipped/WH-SH/{today}.csv"
    boto3.client("s3").put_object(Bucket=seeded.bucket_names["wms_reports"], Key=key, Body=csv_text.encode())
    messages = drain(boto3.client("sqs"), seeded.queue_urls["wms_shipped_lists"])
    assert messages  # the bucket told the queue (after S3's test event)
    records = [lambda_record({**m, "ReceiptHandle": "r"}, seeded.queue_arns["wms_shipped_lists"], "us-east-1") for m in messages]
    assert warehouse_reconciler({"Records": records}, context()) == {"batchItemFailures": []}

    assert order_store().load(shipped_id).status.value == "SHIPPED"
    store = ReconciliationStore()
    run = store.run(warehouse_run_id("WH-SH", today))
    assert run.kind == RunKind.WAREHOUSE and run.state.value == "COMPLETED"
    by_kind = {d.kind: d for d in store.differences(run.run_id)}
    assert by_kind[DifferenceKind.SHIPPED_IN_WMS_NOT_IN_OMS].resolution == Resolution.AUTO_FIXED
    assert by_kind[DifferenceKind.UNKNOWN_TO_OMS].resolution == Resolution.NEEDS_PERSON
    assert DifferenceKind.NOTE_NOT_SHIPPED_BY_WMS not in by_kind  # sent minutes ago: within the grace period

    # The same list checked with no grace: the other note, never shipped, waits for a person.
    run = check_shipped_list(read_shipped_list(key, csv_text), store, order_store(), inventory_store(), grace=timedelta(0))
    waiting = [d for d in store.differences(run.run_id) if d.kind == DifferenceKind.NOTE_NOT_SHIPPED_BY_WMS]
    assert [(d.subject, d.order_id, d.resolution) for d in waiting] == [(forgotten.note_id, forgotten_id, Resolution.NEEDS_PERSON)]
    assert order_store().load(shipped_id).status.value == "SHIPPED"  # checked twice, shipped once
    assert run.differences == {"note_not_shipped_by_wms": 1, "shipped_in_wms_not_in_oms": 1, "unknown_to_oms": 1}


def test_a_list_under_a_wrong_name_goes_to_the_dead_letter_queue_with_its_reason(seeded) -> None:
    boto3.client("s3").put_object(Bucket=seeded.bucket_names["wms_reports"], Key="shipped/WH-SH/yesterday.csv", Body=b"note_id\n")
    messages = drain(boto3.client("sqs"), seeded.queue_urls["wms_shipped_lists"])
    records = [lambda_record({**m, "ReceiptHandle": "r"}, seeded.queue_arns["wms_shipped_lists"], "us-east-1") for m in messages]
    assert warehouse_reconciler({"Records": records}, context()) == {"batchItemFailures": []}
    [dead] = drain(boto3.client("sqs"), seeded.dead_letter_queue_urls["wms_shipped_lists"], attributes=True)
    assert "shipped/<warehouse_id>/<YYYY-MM-DD>.csv" in dead["MessageAttributes"]["reason"]["StringValue"]


def test_a_shipment_the_shipped_list_applies_is_written_back_to_the_channel(seeded, shanghai_order) -> None:
    # The ParcelShipped event was lost; the list's auto-fix takes the event's use case, so the
    # platform must hear of the parcel as it would have (decision 78), not never.
    from shared.writeback.aws.stores import channel_sync_store
    from shared.writeback.domain import writeback_id

    order_id = released({**shanghai_order, "channel": "tmall", "external_id": "3891207745120999001"}, "tm")
    [note] = order_store().details(order_id).outbound_notes
    today = utc_now().date().isoformat()
    csv_text = f"note_id,order_id,shipped_at,carrier,tracking_number\n{note.note_id},{order_id},{utc_now().isoformat()},SF,SF7654321000\n"
    boto3.client("s3").put_object(Bucket=seeded.bucket_names["wms_reports"], Key=f"shipped/{note.warehouse_id}/{today}.csv", Body=csv_text.encode())
    messages = drain(boto3.client("sqs"), seeded.queue_urls["wms_shipped_lists"])
    records = [lambda_record({**m, "ReceiptHandle": "r"}, seeded.queue_arns["wms_shipped_lists"], "us-east-1") for m in messages]
    assert warehouse_reconciler({"Records": records}, context()) == {"batchItemFailures": []}

    assert order_store().load(order_id).status.value == "SHIPPED"
    # announced as the lost ParcelShipped: to the parcel updates consumer (write-back) and the customer notices
    sqs = boto3.client("sqs")
    shipped = [m for m in drain(sqs, seeded.queue_urls["customer_notices"]) if json.loads(m["Body"])["detail-type"] == "ParcelShipped"]
    assert [(e["source"], e["detail"]["tracking_number"]) for e in (json.loads(m["Body"]) for m in shipped)] == [("wms.reconciliation", "SF7654321000")]
    from tests.integration.test_customer_notices import deliver as deliver_notices

    assert deliver_notices(shipped) == {"batchItemFailures": []}
    [told] = [r for r in NoticeRecords(order_store()).of_order(order_id) if r.kind == "shipped"]
    assert told.state == "SENT" and "SF7654321000" in told.text  # the buyer gets the tracking number
    updates = drain(sqs, seeded.queue_urls["parcel_updates"])
    assert parcel_updates({"Records": [lambda_record({**m, "ReceiptHandle": "r"}, seeded.queue_arns["parcel_updates"], "us-east-1") for m in updates]}, context()) == {"batchItemFailures": []}
    [record] = channel_sync_store().records([writeback_id(note.note_id)])
    assert (record.channel, record.tracking_number, record.state.value) == ("tmall", "SF7654321000", "PENDING")
    queued = [json.loads(m["Body"]) for m in drain(sqs, seeded.queue_urls["writeback_tmall"])]
    assert queued == [{"kind": "writeback", "writeback_id": record.writeback_id}]
