"""The operations API and the updates after the outbound note, on moto."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import boto3
import pytest

from functions.inventory_lock.handler import handler as inventory_lock
from functions.notification.handler import handler as notification
from functions.order_exception.handler import handler as order_exception
from functions.orders_api.handler import handler as orders_api
from functions.parcel_updates.handler import handler as parcel_updates
from functions.review.handler import handler as review
from functions.routing.handler import handler as routing
from local.api_gateway import LocalRoute, proxy_event
from local.sqs_poller import lambda_record
from shared.aws.stores import inventory_store, order_store
from shared.clock import iso, utc_now
from shared.lifecycle import OrderStatus
from shared.usecases.escalate_holds import escalate_stale_holds
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from tests.integration.conftest import api_request, context, drain
from tests.integration.test_workflow_steps import accept, statuses

STEPS = {
    "APPROVED": [lambda o: review({"order_id": o}, context())],
    "ROUTED": [lambda o: routing({"order_id": o, "route_attempt": 0}, context())],
    "RESERVED": [lambda o: inventory_lock({"order_id": o}, context())],
    "RELEASED": [lambda o: notification({"order_id": o}, context())],
}


def drive(order: dict, to: str) -> str:
    order_id = accept(order)
    for stage in STEPS:
        if statuses(order_id)[-1] == to:
            break
        for step in STEPS[stage]:
            step(order_id)
    assert statuses(order_id)[-1] == to
    return order_id


def ops(method: str, resource: str, path: str, body: dict | None = None, **params):
    return api_request(orders_api, method, resource, path, json.dumps(body) if body is not None else None, **params)


def cancel(order_id: str, reason: str = "buyer changed their mind"):
    return ops("POST", "/orders/{order_id}/cancel", f"/orders/{order_id}/cancel", {"reason": reason, "operator": "ops-li"}, order_id=order_id)


def tea_reserved() -> int:
    return inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH").reserved


@pytest.mark.parametrize("stage", ["RECEIVED", "APPROVED", "ROUTED", "RESERVED", "RELEASED"])
def test_cancel_at_each_stage_compensates_what_was_done(seeded, shanghai_order, stage):
    order_id = drive(shanghai_order, stage)
    status, answer = cancel(order_id)
    assert status == 200 and answer["cancelled_status"] == stage
    details = order_store().details(order_id)
    assert details.order.status == OrderStatus.CANCELLED
    assert details.timeline[-1].actor.name == "ops-li" and details.timeline[-1].details["reason"] == "buyer changed their mind"
    assert tea_reserved() == 0  # any reservation was given back
    assert answer["released_lines"] == (2 if stage in ("RESERVED", "RELEASED") else 0)
    assert [n.state for n in details.outbound_notes] == (["VOIDED"] if stage == "RELEASED" else [])
    wms = [json.loads(m["Body"])["detail-type"] for m in drain(boto3.client("sqs"), seeded.queue_urls["wms_outbound"])]
    assert wms == (["OutboundNoteCreated", "OutboundNoteVoided"] if stage == "RELEASED" else [])
    assert cancel(order_id) == (200, {**answer, "voided_notes": [], "released_lines": 0})  # a repeat changes nothing


def test_cancel_of_backordered_held_and_failed_orders(seeded, shanghai_order):
    held = accept({**shanghai_order, "receiver": {**shanghai_order["receiver"], "province": "Atlantis"}})
    review({"order_id": held}, context())
    other_buyer = {"buyer_id": "C-20001", "name": "李雷"}
    other_address = {**shanghai_order["receiver"], "name": "李雷", "phone": "13900139000", "detail": "陆家嘴环路1000号"}
    failed = drive({**shanghai_order, "external_id": "X-FAILED", "buyer": other_buyer, "receiver": other_address}, "RESERVED")
    order_exception({"order_id": failed, "error": {"Error": "RuntimeError", "Cause": "{}"}}, context())
    for order_id in (held, failed):
        assert cancel(order_id)[0] == 200
        assert order_store().load(order_id).status == OrderStatus.CANCELLED
    assert tea_reserved() == 0  # the failed order's stock came back with the cancellation


def test_cancel_after_shipment_is_refused_with_the_reason(seeded, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    shipped = ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-11T10:00:00Z", carrier="SF", tracking_number="SF1234567890")
    assert apply_parcel_update("ParcelShipped", shipped, "wms.jiading", order_store(), inventory_store()) == "applied"
    status, answer = cancel(order_id)
    assert status == 409 and "the parcel has left the warehouse" in answer["message"]
    assert order_store().load(order_id).status == OrderStatus.SHIPPED


def test_parcel_updates_apply_once_and_late_ones_are_recorded_not_applied(seeded, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    before = inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH")
    update = ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-11T10:00:00Z", carrier="SF", tracking_number="SF1234567890")
    event = {"Records": [lambda_record({"MessageId": "m1", "ReceiptHandle": "r", "Body": json.dumps({"source": "wms.jiading", "detail-type": "ParcelShipped", "detail": update.model_dump()})}, seeded.queue_arns["parcel_updates"], "us-east-1")]}
    assert parcel_updates(event, context())["batchItemFailures"] == []
    assert apply_parcel_update("ParcelShipped", update, "wms.jiading", order_store(), inventory_store()) == "duplicate"
    after = inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH")
    assert (before.on_hand - after.on_hand, before.reserved - after.reserved) == (2, 2)  # committed once

    delivered = update.model_copy(update={"occurred_at": "2026-11-12T09:00:00Z"})
    assert apply_parcel_update("ParcelDelivered", delivered, "carrier.sf", order_store(), inventory_store()) == "applied"
    assert apply_parcel_update("ParcelShipped", update, "wms.jiading", order_store(), inventory_store()) == "recorded"
    details = order_store().details(order_id)
    assert details.order.status == OrderStatus.DELIVERED
    [note] = details.outbound_notes
    assert (note.state, note.tracking_number, note.delivered_at) == ("DELIVERED", "SF1234567890", "2026-11-12T09:00:00Z")
    assert details.timeline[-1].cause.startswith("late or contradictory ParcelShipped recorded, not applied")
    assert statuses(order_id)[-2:] == ["SHIPPED", "DELIVERED"]


def test_delivery_exception_then_delivery(seeded, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    update = ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-11T10:00:00Z", tracking_number="SF1")
    apply_parcel_update("ParcelShipped", update, "wms.jiading", order_store(), inventory_store())
    problem = update.model_copy(update={"reason": "receiver not at home"})
    assert apply_parcel_update("DeliveryException", problem, "carrier.sf", order_store(), inventory_store()) == "applied"
    assert apply_parcel_update("DeliveryException", problem, "carrier.sf", order_store(), inventory_store()) == "duplicate"
    assert apply_parcel_update("ParcelDelivered", update, "carrier.sf", order_store(), inventory_store()) == "applied"
    assert statuses(order_id)[-3:] == ["SHIPPED", "DELIVERY_EXCEPTION", "DELIVERED"]


def test_delivered_before_shipped_still_commits_the_stock(seeded, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    update = ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-12T09:00:00Z")
    assert apply_parcel_update("ParcelDelivered", update, "carrier.sf", order_store(), inventory_store()) == "applied"
    assert apply_parcel_update("ParcelShipped", update, "wms.jiading", order_store(), inventory_store()) == "recorded"
    assert order_store().load(order_id).status == OrderStatus.DELIVERED
    assert tea_reserved() == 0


def test_list_orders_filters_and_pages(seeded, shanghai_order):
    ids = [accept({**shanghai_order, "external_id": f"LIST-{i}", "buyer": {"buyer_id": "C-LIST" if i % 2 else "C-OTHER"}}) for i in range(5)]
    status, page = ops("GET", "/orders", "/orders")  # no filter: the newest orders
    assert status == 200 and [o["order_id"] for o in page["orders"]][:5] == ids[::-1]
    found, token = [], None
    while True:
        path = "/orders" + (f"?customer=C-LIST&limit=1&next_token={token}" if token else "?customer=C-LIST&limit=1")
        event = proxy_event("GET", LocalRoute("GET", "/orders", "t", orders_api), "/orders", {}, {}, path.split("?", 1)[1], b"")
        answer = json.loads(orders_api(event, context())["body"])
        found += [o["order_id"] for o in answer["orders"]]
        token = answer["next_token"]
        if not token:
            break
    assert sorted(found) == sorted(ids[1::2])
    review({"order_id": ids[0]}, context())  # reviewed: the only one of the five out of RECEIVED
    reviewed = order_store().load(ids[0]).status.value
    assert reviewed != "RECEIVED"
    event = proxy_event("GET", LocalRoute("GET", "/orders", "t", orders_api), "/orders", {}, {}, f"status={reviewed}&channel=own_shop", b"")
    assert [o["order_id"] for o in json.loads(orders_api(event, context())["body"])["orders"]] == [ids[0]]


def test_a_channel_listing_gathers_its_shards_newest_first_across_pages(seeded, shanghai_order):
    from shared.aws.order_listing import CHANNEL_SHARDS, channel_key

    ids = [accept({**shanghai_order, "external_id": f"SHARD-{i}", "buyer": {"buyer_id": f"C-S{i}"}}) for i in range(9)]
    assert len({channel_key("own_shop", i) for i in ids}) > 1  # the orders sit on several shards
    found, token, pages = [], None, 0
    while True:
        query = "channel=own_shop&limit=4" + (f"&next_token={token}" if token else "")
        event = proxy_event("GET", LocalRoute("GET", "/orders", "t", orders_api), "/orders", {}, {}, query, b"")
        answer = json.loads(orders_api(event, context())["body"])
        found += [(o["created_at"], o["order_id"]) for o in answer["orders"]]
        pages += 1
        token = answer["next_token"]
        if not token:
            break
    assert sorted(i for _, i in found) == sorted(ids) and len(found) == len(set(found))  # each once
    assert [c for c, _ in found] == sorted((c for c, _ in found), reverse=True)  # newest first, across shards
    assert pages >= 3 and CHANNEL_SHARDS > 1


def held_order(shanghai_order) -> str:
    order_id = accept({**shanghai_order, "receiver": {**shanghai_order["receiver"], "province": "Ontario"}})
    assert review({"order_id": order_id}, context())["decision"] == "ON_HOLD"
    return order_id


def test_review_queue_shows_reasons_and_approval_with_correction_resumes(seeded, shanghai_order):
    order_id = held_order(shanghai_order)
    status, queue = ops("GET", "/review-queue", "/review-queue")
    [held] = queue["held"]
    assert held["order_id"] == order_id and held["reasons"][0]["rule_id"] == "address.province.known"
    corrected = {**shanghai_order["receiver"], "province": "上海市"}
    status, answer = ops("POST", "/orders/{order_id}/review", f"/orders/{order_id}/review", {"decision": "approve", "operator": "ops-wang", "corrections": {"receiver": corrected}}, order_id=order_id)
    assert status == 200 and answer["status"] == "APPROVED"
    details = order_store().details(order_id)
    assert details.order.order.receiver.province == "上海市"
    assert details.timeline[-1].actor.kind == "operator" and details.timeline[-1].details["corrections"]["receiver"]["province"] == "上海市"
    sfn = boto3.client("stepfunctions")
    runs = sfn.list_executions(stateMachineArn=seeded.state_machine_arns["fulfilment"])["executions"]
    assert [r["name"] for r in runs] == [f"{order_id}-v{answer['version']}"]
    run_input = json.loads(sfn.describe_execution(executionArn=runs[0]["executionArn"])["input"])
    assert run_input == {"order_id": order_id, "resume_at": "Route"}
    assert ops("GET", "/review-queue", "/review-queue")[1]["held"] == []


def test_rejecting_and_deciding_twice(seeded, shanghai_order):
    order_id = held_order(shanghai_order)
    body = {"decision": "reject", "operator": "ops-wang", "note": "fraud suspected"}
    assert ops("POST", "/orders/{order_id}/review", f"/orders/{order_id}/review", body, order_id=order_id)[1]["status"] == "REJECTED"
    status, answer = ops("POST", "/orders/{order_id}/review", f"/orders/{order_id}/review", body, order_id=order_id)
    assert status == 409 and "not ON_HOLD" in answer["message"]


def test_a_correction_to_an_unknown_province_is_refused(seeded, shanghai_order):
    order_id = held_order(shanghai_order)
    bad = {"decision": "approve", "operator": "ops-wang", "corrections": {"receiver": {**shanghai_order["receiver"], "province": "Narnia"}}}
    status, answer = ops("POST", "/orders/{order_id}/review", f"/orders/{order_id}/review", bad, order_id=order_id)
    assert status == 400 and "Narnia" in json.dumps(answer)
    assert order_store().load(order_id).status == OrderStatus.ON_HOLD


def test_a_hold_nobody_decides_on_is_escalated_once(seeded, shanghai_order):
    order_id = held_order(shanghai_order)
    published = []
    assert escalate_stale_holds(order_store(), published.extend, after_minutes=60) == []  # too fresh
    assert escalate_stale_holds(order_store(), published.extend, after_minutes=0) == [order_id]
    assert escalate_stale_holds(order_store(), published.extend, after_minutes=0) == []
    assert [e.detail_type for e in published] == ["HeldOrderEscalated"]
    assert "is not a Chinese provincial-level division" in published[0].reasons[0]
    assert order_store().details(order_id).timeline[-1].cause.startswith("on hold for more than 0 minutes")
    assert ops("GET", "/review-queue", "/review-queue")[1]["held"][0]["escalated"] is True


def test_cancel_racing_the_release_step_ends_consistent(seeded, shanghai_order):
    order_id = drive(shanghai_order, "RESERVED")
    barrier, results = threading.Barrier(2), {}

    def release():
        barrier.wait()
        try:
            results["release"] = notification({"order_id": order_id}, context())
        except Exception as error:  # the workflow would end quietly on OrderMovedOn
            results["release"] = type(error).__name__

    def cancelling():
        barrier.wait()
        results["cancel"] = cancel(order_id)[0]

    threads = [threading.Thread(target=release), threading.Thread(target=cancelling)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["cancel"] == 200  # cancel wins either way: before the release, or after it (voiding the note)
    details = order_store().details(order_id)
    assert details.order.status == OrderStatus.CANCELLED
    assert all(n.state == "VOIDED" for n in details.outbound_notes)
    assert tea_reserved() == 0
    versions = [e for e in details.timeline if e.kind == "transition"]
    assert len(versions) == details.order.version  # one timeline entry per version, none lost


def test_escalation_threshold_uses_the_age_of_the_hold(seeded, shanghai_order):
    order_id = held_order(shanghai_order)
    cutoff = iso(utc_now() + timedelta(minutes=1))
    assert [o.order_id for o in order_store().waiting_since(OrderStatus.ON_HOLD, cutoff)] == [order_id]


def test_the_review_queue_pages_oldest_hold_first(seeded, shanghai_order):
    unknown = {**shanghai_order["receiver"], "province": "Ontario"}
    held = []
    for i in range(3):
        order_id = accept({**shanghai_order, "external_id": f"HELD-{i}", "buyer": {"buyer_id": f"C-H{i}"}, "receiver": unknown})
        assert review({"order_id": order_id}, context())["decision"] == "ON_HOLD"
        held.append(order_id)
    pages, token = [], None
    while True:
        query = "limit=2" + (f"&next_token={token}" if token else "")
        answer = orders_api(proxy_event("GET", LocalRoute("GET", "/review-queue", "t", orders_api), "/review-queue", {}, {}, query, b""), context())
        assert answer["statusCode"] == 200
        page = json.loads(answer["body"])
        pages.append([h["order_id"] for h in page["held"]])
        token = page["next_token"]
        if not token:
            break
    assert [i for p in pages for i in p] == held  # the longest waiting first, across pages


def _pages(query: str) -> list[str]:
    found, token = [], None
    for _ in range(20):
        full = query + (f"&next_token={token}" if token else "")
        answer = json.loads(orders_api(proxy_event("GET", LocalRoute("GET", "/orders", "t", orders_api), "/orders", {}, {}, full, b""), context())["body"])
        found += [o["order_id"] for o in answer["orders"]]
        token = answer["next_token"]
        if not token:
            break
    return found


def test_the_newest_orders_page_on_past_orders_stored_in_the_same_millisecond(seeded, shanghai_order, monkeypatch):
    # At a promotion's 1,200 orders/s several orders share a created_at: none may fall between pages.
    monkeypatch.setattr("shared.aws.order_store.now_iso", lambda: "2026-12-04T10:00:00.000Z")
    ids = [accept({**shanghai_order, "external_id": f"SAME-MS-{i}", "buyer": {"buyer_id": f"C-M{i}"}}) for i in range(3)]
    monkeypatch.setattr("shared.aws.order_store.now_iso", lambda: "2026-12-04T09:00:00.000Z")
    older = accept({**shanghai_order, "external_id": "SAME-MS-OLDER", "buyer": {"buyer_id": "C-MO"}})
    found = _pages("limit=1")
    assert sorted(found[:3]) == sorted(ids) and found[3:] == [older]
    # created_to is inclusive (GET /orders' documentation): the orders of that very millisecond count
    assert sorted(_pages("created_to=2026-12-04T10:00:00.000Z")) == sorted([*ids, older])


def test_date_bounds_compare_instants_and_a_bound_that_is_no_time_is_a_400(seeded, shanghai_order, monkeypatch):
    monkeypatch.setattr("shared.aws.order_store.now_iso", lambda: "2026-11-30T17:00:00.000Z")  # 1 December, 01:00 in Beijing
    early = accept({**shanghai_order, "external_id": "BOUND-EARLY", "buyer": {"buyer_id": "C-B1"}})
    monkeypatch.setattr("shared.aws.order_store.now_iso", lambda: "2026-12-01T12:00:00.000Z")
    noon = accept({**shanghai_order, "external_id": "BOUND-NOON", "buyer": {"buyer_id": "C-B2"}})
    # an offset is converted: Beijing's 1 December starts 2026-11-30T16:00Z (compared as text it started 8 hours late)
    assert _pages("created_from=2026-12-01T00:00:00%2B08:00") == [noon, early]
    # a date alone is that day in China (decision 265), and created_to takes all of it (as text,
    # "2026-12-01" < "2026-12-01T…" dropped the day)
    assert _pages("created_from=2026-12-01&created_to=2026-12-01") == [noon, early]
    assert _pages("created_from=2026-11-30&created_to=2026-11-30") == []
    for query, field in (("created_from=xyz", "query.created_from"), ("created_to=2026-13-01", "query.created_to")):
        answer = orders_api(proxy_event("GET", LocalRoute("GET", "/orders", "t", orders_api), "/orders", {}, {}, query, b""), context())
        assert answer["statusCode"] == 400, answer
        assert [(e["field"], e["rule"]) for e in json.loads(answer["body"])["errors"]] == [(field, "iso_datetime")]
