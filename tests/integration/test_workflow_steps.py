"""The workflow's task handlers on moto, called as Step Functions calls them: in order, repeated,
and racing, as at-least-once delivery will."""

import json
import threading
from datetime import datetime, timedelta

import boto3
import pytest

from functions.intake.handler import handler as intake
from functions.inventory_lock.handler import handler as inventory_lock
from functions.notification.handler import handler as notification
from functions.order_exception.handler import handler as order_exception
from functions.review.handler import handler as review
from functions.routing.handler import handler as routing
from shared.inventory import StockRecord
from shared.aws.stores import inventory_store, order_store
from shared.errors import OrderMovedOn, StockShortage, VersionConflict
from shared.lifecycle import Actor, OrderStatus, transition_entry
from shared.routing.network import CHINA_TIME
from tests.integration.conftest import api_request, context, drain


def accept(order: dict) -> str:
    status, answer = api_request(intake, "POST", "/orders", "/orders", json.dumps(order))
    assert status == 202, answer
    return answer["order_id"]


def stock(sku: str, warehouse: str) -> StockRecord:
    return inventory_store().stock_record(sku, warehouse)


def statuses(order_id: str) -> list[str]:
    return [e.to_status.value for e in order_store().details(order_id).timeline if e.kind == "transition"]


def test_happy_path_reaches_outbound_note_and_announces_it(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    assert review({"order_id": order_id}, context())["decision"] == "APPROVED"
    routed = routing({"order_id": order_id, "route_attempt": 0}, context())
    assert routed["outcome"] == "ROUTED" and routed["plan"]["shipments"][0]["warehouse_id"] == "WH-SH"
    before = stock("TEA-LONGJING-250G", "WH-SH")
    reserved = inventory_lock({"order_id": order_id, "plan": routed["plan"]}, context())
    after = stock("TEA-LONGJING-250G", "WH-SH")
    assert (after.reserved - before.reserved, after.on_hand) == (2, before.on_hand)
    released = notification({"order_id": order_id}, context())
    assert released["outbound_note_ids"] == [f"ON-{order_id.removeprefix('OMS-')}-WH-SH"]

    details = order_store().details(order_id)
    assert statuses(order_id) == ["RECEIVED", "APPROVED", "ROUTED", "RESERVED", "RELEASED"]
    assert [n.warehouse_id for n in details.outbound_notes] == ["WH-SH"]
    assert details.order.reservation_id == reserved["reservation_id"]
    [message] = drain(boto3.client("sqs"), seeded.queue_urls["wms_outbound"])  # via the outbox publisher
    event = json.loads(message["Body"])
    assert event["detail-type"] == "OutboundNoteCreated"
    assert event["detail"]["note_id"] == released["outbound_note_ids"][0]
    assert {(l["sku"], l["quantity"]) for l in event["detail"]["lines"]} == {("TEA-LONGJING-250G", 2), ("CUP-CELADON-6PK", 1)}


def test_split_order_reserves_in_both_warehouses_and_sends_two_outbound_notes(seeded, shanghai_order):
    # No warehouse holds both: cups are in Shanghai and Guangzhou, kettles in Beijing and Chengdu.
    order = {**shanghai_order, "lines": [{"sku": "CUP-CELADON-6PK", "quantity": 1, "unit_price": "89.00"}, {"sku": "KETTLE-IRON-1L", "quantity": 1, "unit_price": "399.00"}]}
    order_id = accept(order)
    review({"order_id": order_id}, context())
    routed = routing({"order_id": order_id, "route_attempt": 0}, context())
    assert {s["warehouse_id"]: [l["sku"] for l in s["lines"]] for s in routed["plan"]["shipments"]} == {
        "WH-BJ": ["KETTLE-IRON-1L"],
        "WH-SH": ["CUP-CELADON-6PK"],
    }
    entry = order_store().details(order_id).timeline[-1]
    assert entry.details["warehouses"] == ["WH-BJ", "WH-SH"] and entry.details["total_cost"] == routed["plan"]["total_cost"]
    assert entry.details["decision"]["strategy"] == "lowest-cost" and entry.details["decision"]["runners_up"]

    inventory_lock({"order_id": order_id}, context())
    assert (stock("KETTLE-IRON-1L", "WH-BJ").reserved, stock("CUP-CELADON-6PK", "WH-SH").reserved) == (1, 1)
    released = notification({"order_id": order_id}, context())
    assert sorted(released["outbound_note_ids"]) == [f"ON-{order_id.removeprefix('OMS-')}-{w}" for w in ("WH-BJ", "WH-SH")]
    notes = {n.warehouse_id: [(l.sku, l.quantity) for l in n.lines] for n in order_store().details(order_id).outbound_notes}
    assert notes == {"WH-BJ": [("KETTLE-IRON-1L", 1)], "WH-SH": [("CUP-CELADON-6PK", 1)]}
    messages = drain(boto3.client("sqs"), seeded.queue_urls["wms_outbound"])
    assert sorted(json.loads(m["Body"])["detail"]["warehouse_id"] for m in messages) == ["WH-BJ", "WH-SH"]


def test_reserved_packages_count_against_each_warehouse_for_the_day(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    review({"order_id": order_id}, context())
    routing({"order_id": order_id, "route_attempt": 0}, context())
    today = datetime.now(CHINA_TIME).date()
    days = [today.isoformat(), (today + timedelta(days=1)).isoformat()]  # the test may straddle midnight

    def shanghai_packages() -> int:
        return sum(inventory_store().packages_on(day).get("WH-SH", 0) for day in days)

    before = shanghai_packages()
    for _ in range(2):  # a repeated step counts once
        inventory_lock({"order_id": order_id}, context())
    assert shanghai_packages() == before + 1


def test_every_step_repeated_changes_nothing_twice(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    for _ in range(2):
        review({"order_id": order_id}, context())
    plans = [routing({"order_id": order_id, "route_attempt": 0}, context())["plan"] for _ in range(2)]
    assert plans[0] == plans[1]
    before = stock("TEA-LONGJING-250G", "WH-SH")
    ids = {inventory_lock({"order_id": order_id}, context())["reservation_id"] for _ in range(3)}
    assert len(ids) == 1
    assert stock("TEA-LONGJING-250G", "WH-SH").reserved == before.reserved + 2  # reserved once, not three times
    notes = [notification({"order_id": order_id}, context())["outbound_note_ids"] for _ in range(2)]
    assert notes[0] == notes[1]
    assert statuses(order_id) == ["RECEIVED", "APPROVED", "ROUTED", "RESERVED", "RELEASED"]
    assert len(order_store().details(order_id).outbound_notes) == 1
    # The repeat finds the outbox message published: the WMS queue holds the note once.
    bodies = [json.loads(m["Body"])["detail"]["note_id"] for m in drain(boto3.client("sqs"), seeded.queue_urls["wms_outbound"])]
    assert bodies == notes[0]


def test_shortage_at_reservation_is_named_recorded_and_rerouted(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    review({"order_id": order_id}, context())
    assert routing({"order_id": order_id, "route_attempt": 0}, context())["plan"]["shipments"][0]["warehouse_id"] == "WH-SH"
    # Between routing and reservation a flash sale empties Shanghai's tea.
    inventory_store().put_stock(StockRecord(sku="TEA-LONGJING-250G", warehouse_id="WH-SH", on_hand=11, safety_stock=10))
    with pytest.raises(StockShortage) as shortage:
        inventory_lock({"order_id": order_id}, context())
    assert shortage.value.short_lines == [{"sku": "TEA-LONGJING-250G", "warehouse_id": "WH-SH", "quantity": 2, "available": 1}]
    cup = stock("CUP-CELADON-6PK", "WH-SH")
    assert cup.reserved == 0  # the line that fitted was not locked either: all or nothing
    note = order_store().details(order_id).timeline[-1]
    assert note.cause.startswith("stock ran short") and note.details["short_lines"][0]["available"] == 1

    rerouted = routing({"order_id": order_id, "route_attempt": 1}, context())
    assert rerouted["plan"]["shipments"][0]["warehouse_id"] == "WH-GZ"  # the next warehouse with both SKUs
    inventory_lock({"order_id": order_id}, context())
    assert statuses(order_id) == ["RECEIVED", "APPROVED", "ROUTED", "ROUTED", "RESERVED"]


def test_no_stock_anywhere_backorders_with_the_short_lines(seeded, shanghai_order):
    order = {**shanghai_order, "lines": [{"sku": "GIFTBOX-MOONCAKE", "quantity": 5, "unit_price": "258.00"}]}
    order_id = accept(order)
    review({"order_id": order_id}, context())
    assert routing({"order_id": order_id, "route_attempt": 0}, context())["outcome"] == "BACKORDERED"
    entry = order_store().details(order_id).timeline[-1]
    assert entry.to_status == OrderStatus.BACKORDERED and entry.details["reason"] == "not enough stock"
    assert entry.details["short_lines"] == [{"sku": "GIFTBOX-MOONCAKE", "requested": 5, "best_single_warehouse": 2, "available_in_total": 2}]


def test_too_many_route_attempts_backorder_instead_of_looping(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    review({"order_id": order_id}, context())
    routing({"order_id": order_id, "route_attempt": 0}, context())
    assert routing({"order_id": order_id, "route_attempt": 4}, context())["outcome"] == "BACKORDERED"


def test_step_for_an_order_that_moved_on_refuses_by_name(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    with pytest.raises(OrderMovedOn):
        inventory_lock({"order_id": order_id}, context())  # RECEIVED: nothing to reserve yet
    assert stock("TEA-LONGJING-250G", "WH-SH").reserved == 0


def test_failed_workflow_moves_order_to_exception_with_the_error(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    review({"order_id": order_id}, context())
    cause = json.dumps({"errorType": "RuntimeError", "errorMessage": "WMS endpoint refused"})
    answer = order_exception({"order_id": order_id, "error": {"Error": "RuntimeError", "Cause": cause}}, context())
    assert answer["failed_status"] == "APPROVED"
    entry = order_store().details(order_id).timeline[-1]
    assert (entry.from_status, entry.to_status) == (OrderStatus.APPROVED, OrderStatus.EXCEPTION)
    assert entry.details == {"error": "RuntimeError", "cause": "WMS endpoint refused"}


def test_two_writers_on_one_version_one_wins_one_conflicts(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    snapshot = order_store().load(order_id)
    barrier, outcomes = threading.Barrier(2), []

    def write(to_status):
        barrier.wait()
        try:
            order_store().transition(snapshot, to_status, transition_entry(snapshot.status, to_status, Actor.system("test")))
            outcomes.append(("won", to_status))
        except VersionConflict:
            outcomes.append(("conflict", to_status))

    threads = [threading.Thread(target=write, args=(s,)) for s in (OrderStatus.APPROVED, OrderStatus.CANCELLED)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "won"]
    winner = next(s for kind, s in outcomes if kind == "won")
    final = order_store().details(order_id)
    assert final.order.status == winner and final.order.version == 2
    assert [e.to_status for e in final.timeline] == [OrderStatus.RECEIVED, winner]


def test_exception_before_the_note_gives_held_stock_back_once(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    review({"order_id": order_id}, context())
    routing({"order_id": order_id, "route_attempt": 0}, context())
    before = stock("TEA-LONGJING-250G", "WH-SH")
    inventory_lock({"order_id": order_id}, context())
    assert stock("TEA-LONGJING-250G", "WH-SH").reserved == before.reserved + 2
    failure = {"order_id": order_id, "error": {"Error": "ClientError", "Cause": "AccessDenied"}}
    assert order_exception(failure, context())["failed_status"] == "RESERVED"
    assert order_exception(failure, context())["failed_status"] == "EXCEPTION"  # retried: the stock comes back once
    assert order_store().load(order_id).status == OrderStatus.EXCEPTION
    after = stock("TEA-LONGJING-250G", "WH-SH")
    assert (after.reserved, after.available) == (before.reserved, before.available)
    causes = [e.cause for e in order_store().details(order_id).timeline]
    assert causes.count("held stock given back") == 1 and "workflow step failed" in causes


def test_a_released_order_never_moves_to_exception_and_keeps_its_stock_with_a_reason(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    review({"order_id": order_id}, context())
    routing({"order_id": order_id, "route_attempt": 0}, context())
    inventory_lock({"order_id": order_id}, context())
    notification({"order_id": order_id}, context())
    reserved = stock("TEA-LONGJING-250G", "WH-SH").reserved
    answer = order_exception({"order_id": order_id, "error": {"Error": "States.Timeout", "Cause": "late failure"}}, context())
    assert answer["failed_status"] == "RELEASED" and order_store().load(order_id).status == OrderStatus.RELEASED
    assert stock("TEA-LONGJING-250G", "WH-SH").reserved == reserved  # the warehouse ships against it
    last = order_store().details(order_id).timeline[-1]
    assert last.kind == "note" and "status and stock kept" in last.cause and last.details["message"] == "late failure"
