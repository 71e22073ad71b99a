"""Backorders released on restock: oldest first, one reservation at a time per SKU, an order the
stock cannot serve keeps its place, duplicates change nothing (shared/backorders/)."""

import json

from functions.backorder_release.handler import handler as backorder_release
from functions.inventory_lock.handler import handler as inventory_lock
from functions.review.handler import handler as review
from functions.routing.handler import handler as routing
from functions.stock_sync.handler import handler as stock_sync
from shared.aws.stores import inventory_store, order_store
from shared.backorders.release import release_backorders
from shared.backorders.signals import RestockSignal
from shared.ids import order_id_for
from shared.inventory import StockDelta, StockRecord
from shared.lifecycle import OrderStatus
from shared.usecases.sync_stock import apply_delta
from tests.integration.conftest import context, drain
from tests.integration.test_workflow_steps import accept

SKU, WAREHOUSE = "GIFTBOX-MOONCAKE", "WH-GZ"


def waiting_order(base: dict, n: int, quantity: int = 2) -> str:
    order = {
        **base,
        "external_id": f"BO-{n}",
        "buyer": {"buyer_id": f"C-BO-{n}"},
        "receiver": {**base["receiver"], "detail": f"{base['receiver']['detail']} {n}号"},
        "lines": [{"sku": SKU, "quantity": quantity, "unit_price": "258.00"}],
    }
    order_id = accept(order)
    review({"order_id": order_id}, context())
    routing({"order_id": order_id, "route_attempt": 0}, context())
    return order_id


def receipt(delta_id: str, change: int) -> RestockSignal:
    delta = StockDelta(delta_id=delta_id, sku=SKU, warehouse_id=WAREHOUSE, change=change, reason="goods received")
    assert apply_delta(delta, inventory_store()) == "applied"
    return RestockSignal(sku=SKU, warehouse_id=WAREHOUSE, trigger=f"movement:{delta_id}")


def release(signal: RestockSignal, started: list, continued: list | None = None):
    return release_backorders(
        signal, order_store(), inventory_store(),
        start_run=lambda *run: started.append(run), continue_later=(continued if continued is not None else []).append,
    )  # fmt: skip


def test_a_receipt_for_one_order_releases_the_oldest_and_the_other_keeps_its_place(seeded, shanghai_order):
    inventory_store().put_stock(StockRecord(sku=SKU, warehouse_id=WAREHOUSE, on_hand=1, safety_stock=1))
    older, younger = waiting_order(shanghai_order, 1), waiting_order(shanghai_order, 2)
    assert {order_store().load(o).status for o in (older, younger)} == {OrderStatus.BACKORDERED}
    younger_before = order_store().load(younger)

    started: list = []
    report = release(receipt("GRN-1", 2), started)

    assert [(r.order_id, r.place, r.outcome) for r in report.releases] == [(older, 1, "released")]
    assert report.stopped_because == f"no {SKU} left in any warehouse"
    released = order_store().details(older)
    assert released.order.status == OrderStatus.RESERVED
    assert started == [(older, "ReleaseToWarehouse", f"{older}-restock-v{released.order.version}")]
    entry = next(e for e in released.timeline if (e.from_status, e.to_status) == (OrderStatus.BACKORDERED, OrderStatus.APPROVED))
    assert entry.cause == "stock replenished, route again"
    assert entry.details["stock_change"] == "movement:GRN-1" and entry.details["place_in_line"] == 1 and entry.details["sku"] == SKU
    assert order_store().load(younger) == younger_before  # untouched: same version, same place in line

    assert release(RestockSignal(sku=SKU, trigger="movement:GRN-1"), started).releases == []  # a repeat: nothing to do
    assert len(started) == 1

    report = release(receipt("GRN-2", 2), started)
    assert report.released() == [younger]
    assert order_store().load(younger).status == OrderStatus.RESERVED
    assert inventory_store().stock_record(SKU, WAREHOUSE).available == 0


def test_an_order_the_stock_cannot_cover_waits_and_a_younger_one_it_covers_goes(seeded, shanghai_order):
    inventory_store().put_stock(StockRecord(sku=SKU, warehouse_id=WAREHOUSE, on_hand=1, safety_stock=1))
    big, small = waiting_order(shanghai_order, 3, quantity=5), waiting_order(shanghai_order, 4, quantity=1)
    started: list = []
    report = release(receipt("GRN-3", 2), started)
    assert [(r.order_id, r.outcome) for r in report.releases] == [(big, "waits"), (small, "released")]
    assert order_store().load(big).status == OrderStatus.BACKORDERED


def test_a_line_level_backorder_child_is_released_like_any_waiting_order(seeded, shanghai_order, monkeypatch):
    monkeypatch.setenv("BACKORDER_MODE", "lines")  # 2 mooncake boxes exist in the seed: 3 of 5 wait
    parent = waiting_order(shanghai_order, 5, quantity=5)
    assert order_store().load(parent).status == OrderStatus.ROUTED
    child = order_id_for("own_shop", "BO-5#backorder")
    assert order_store().load(child).status == OrderStatus.BACKORDERED
    started: list = []
    assert release(receipt("GRN-4", 3), started).released() == [child]
    assert order_store().load(child).status == OrderStatus.RESERVED


def test_a_budget_continues_the_pass_in_a_new_signal(seeded, shanghai_order):
    inventory_store().put_stock(StockRecord(sku=SKU, warehouse_id=WAREHOUSE, on_hand=1, safety_stock=1))
    first, second = waiting_order(shanghai_order, 6, quantity=1), waiting_order(shanghai_order, 7, quantity=1)
    started, continued = [], []
    signal = receipt("GRN-5", 5)
    report = release_backorders(signal, order_store(), inventory_store(), start_run=lambda *r: started.append(r), continue_later=continued.append, max_releases=1)
    assert report.released() == [first] and report.continued
    assert continued == [signal.continued(None)] and continued[0].deduplication_id == "movement:GRN-5#1"
    assert release(continued[0], started).released() == [second]


def test_a_receipt_on_the_bus_path_queues_a_signal_per_sku_and_the_consumer_releases(seeded, shanghai_order, aws):
    inventory_store().put_stock(StockRecord(sku=SKU, warehouse_id=WAREHOUSE, on_hand=1, safety_stock=1))
    order_id = waiting_order(shanghai_order, 8)
    envelope = {"source": "wms.gz", "detail-type": "StockMovement", "detail": {"delta_id": "GRN-9", "sku": SKU, "warehouse_id": WAREHOUSE, "change": 2}}
    sqs_record = {"messageId": "m1", "body": json.dumps(envelope), "receiptHandle": "r", "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn", "awsRegion": "us-east-1"}
    assert stock_sync({"Records": [sqs_record]}, context()) == {"batchItemFailures": []}
    assert stock_sync({"Records": [sqs_record]}, context()) == {"batchItemFailures": []}  # re-delivered receipt

    import boto3

    sqs = boto3.client("sqs")
    messages = drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"])
    assert len(messages) == 1  # the FIFO queue dropped the repeat
    signal = RestockSignal.model_validate_json(messages[0]["Body"])
    assert (signal.sku, signal.trigger) == (SKU, "movement:GRN-9")

    record = {**sqs_record, "body": messages[0]["Body"]}
    assert backorder_release({"Records": [record]}, context()) == {"batchItemFailures": []}
    assert order_store().load(order_id).status in (OrderStatus.RESERVED, OrderStatus.RELEASED)


def test_two_deliveries_of_one_signal_at_once_release_the_stock_once(seeded, shanghai_order):
    """FIFO keeps one SKU's signals in sequence; were two passes to run at once anyway (a redrive,
    a second consumer), the version conditions and the reservation still give the units once."""
    import threading

    inventory_store().put_stock(StockRecord(sku=SKU, warehouse_id=WAREHOUSE, on_hand=1, safety_stock=1))
    orders = [waiting_order(shanghai_order, n) for n in (10, 11, 12)]
    signal = receipt("GRN-RACE", 2)
    started: list = []
    threads = [threading.Thread(target=release, args=(signal, started)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [order_store().load(o).status for o in orders]
    assert statuses.count(OrderStatus.RESERVED) == 1 and statuses.count(OrderStatus.BACKORDERED) == 2
    # (Which one is not promised here: oldest first is the FIFO queue's promise, one pass at a time.)
    assert inventory_store().stock_record(SKU, WAREHOUSE).available == 0
    assert len({run[0] for run in started}) == 1


def test_an_order_backordered_just_after_a_receipt_was_handled_signals_its_own_release(seeded, shanghai_order, aws, monkeypatch):
    """The lost wake-up: routing read the stock before a receipt and committed BACKORDERED after the
    receipt's signal was handled (which found no waiting order). The routing step looks again."""
    import boto3

    import functions.routing.handler as routing_handler

    inventory_store().put_stock(StockRecord(sku=SKU, warehouse_id=WAREHOUSE, on_hand=1, safety_stock=1))
    sqs = boto3.client("sqs")
    drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"])
    # The receipt lands (and its signal is handled, finding nobody) after routing committed
    # BACKORDERED and before the step returns: where the customer's delay notice is announced.
    monkeypatch.setattr(routing_handler, "announce_backordered", lambda order_id: receipt("GRN-RACE", 2))
    order_id = waiting_order(shanghai_order, 11)
    assert order_store().load(order_id).status == OrderStatus.BACKORDERED
    [message] = drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"])
    signal = RestockSignal.model_validate_json(message["Body"])
    assert signal.sku == SKU and signal.trigger == f"backordered:{order_id}:v{order_store().load(order_id).version}"
    started: list = []
    assert release(signal, started).released() == [order_id]
    assert order_store().load(order_id).status == OrderStatus.RESERVED


def test_a_line_level_child_backordered_just_after_a_receipt_was_handled_signals_its_own_release(seeded, shanghai_order, aws, monkeypatch):
    """The same lost wake-up for BACKORDER_MODE=lines (decision 186): the parent comes out ROUTED,
    and the child of its missing lines is the order left BACKORDERED. The receipt lands between
    routing's read of the stock and the child's BACKORDERED write; its signal, handled then, found
    no child waiting. The routing step must look at the stock once more for the child."""
    import boto3

    import shared.usecases.route_order as routing_use_case

    monkeypatch.setenv("BACKORDER_MODE", "lines")  # 2 mooncake boxes exist in the seed: 3 of 5 wait
    sqs = boto3.client("sqs")
    drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"])
    split_off = routing_use_case.split_off_backorder

    def receipt_then_split(parent, missing, orders):
        receipt("GRN-RACE-LINES", 3)  # applied after the plan read the stock; its signal is not delivered
        return split_off(parent, missing, orders)

    monkeypatch.setattr(routing_use_case, "split_off_backorder", receipt_then_split)
    parent = waiting_order(shanghai_order, 13, quantity=5)
    child = order_id_for("own_shop", "BO-13#backorder")
    assert order_store().load(parent).status == OrderStatus.ROUTED
    assert order_store().load(child).status == OrderStatus.BACKORDERED
    # Routing does not look for the child: the parent's 2 planned units still count as free then.
    assert drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"]) == []
    inventory_lock({"order_id": parent}, context())  # the parent holds its units; now the child looks
    assert order_store().load(parent).status == OrderStatus.RESERVED
    [message] = drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"])
    signal = RestockSignal.model_validate_json(message["Body"])
    assert signal.sku == SKU and signal.trigger == f"backordered:{child}:v{order_store().load(child).version}"
    started: list = []
    assert release(signal, started).released() == [child]
    assert order_store().load(child).status == OrderStatus.RESERVED

    monkeypatch.setattr(routing_use_case, "split_off_backorder", split_off)
    inventory_lock({"order_id": parent}, context())  # a retried step: the child moved on, nothing to signal
    assert drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"]) == []


def test_a_child_is_not_signalled_on_units_its_parent_planned_but_has_not_reserved(seeded, shanghai_order, aws, monkeypatch):
    """3 ordered, 2 in stock (BACKORDER_MODE=lines): the parent is routed for 2 and the child waits
    for 1. No receipt came, so nothing is signalled, neither by routing (the parent's 2 are still
    unreserved then) nor by the inventory lock (they are the parent's now). A signal at routing
    would let the release give the child a unit the parent planned (decision 186)."""
    import boto3

    monkeypatch.setenv("BACKORDER_MODE", "lines")
    sqs = boto3.client("sqs")
    drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"])
    parent = waiting_order(shanghai_order, 15, quantity=3)
    child = order_id_for("own_shop", "BO-15#backorder")
    assert (order_store().load(parent).status, order_store().load(child).status) == (OrderStatus.ROUTED, OrderStatus.BACKORDERED)
    inventory_lock({"order_id": parent}, context())
    assert order_store().load(parent).status == OrderStatus.RESERVED
    assert drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"]) == []


def test_in_lines_mode_a_retried_route_or_lock_of_an_order_without_a_child_goes_on(seeded, shanghai_order, aws, monkeypatch):
    """An order the stock covers has no child; a repeated Route step (a retry, a duplicate run, the
    stuck detector's re-drive) and the lock must not fail looking for one."""
    import boto3

    monkeypatch.setenv("BACKORDER_MODE", "lines")
    sqs = boto3.client("sqs")
    drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"])
    order_id = waiting_order(shanghai_order, 16, quantity=1)
    assert order_store().load(order_id).status == OrderStatus.ROUTED
    assert routing({"order_id": order_id, "route_attempt": 0}, context())["outcome"] == "ROUTED"
    inventory_lock({"order_id": order_id}, context())
    inventory_lock({"order_id": order_id}, context())
    assert order_store().load(order_id).status == OrderStatus.RESERVED
    assert drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"]) == []


def test_a_child_split_off_by_the_release_s_own_routing_signals_its_release_too(seeded, shanghai_order, monkeypatch):
    """The release routes a released order itself; in lines mode that routing can split off a
    child (the stock moved between the release's look and its routing). A receipt landing before
    the child's BACKORDERED write must not be missed there either (decision 186)."""
    import shared.backorders.release as release_module
    import shared.usecases.route_order as routing_use_case

    order_id = waiting_order(shanghai_order, 14, quantity=5)  # whole-order mode: 2 of 5 exist, it waits
    monkeypatch.setenv("BACKORDER_MODE", "lines")
    monkeypatch.setattr(release_module, "plan_now", lambda order, inventory: True)  # the look saw stock that then went
    split_off = routing_use_case.split_off_backorder

    def receipt_then_split(parent, missing, orders):
        receipt("GRN-RACE-RELEASE", 3)  # its own signal is not delivered
        return split_off(parent, missing, orders)

    monkeypatch.setattr(routing_use_case, "split_off_backorder", receipt_then_split)
    started, continued = [], []
    assert release(RestockSignal(sku=SKU, trigger="movement:GRN-SEEN"), started, continued).released() == [order_id]
    child = order_id_for("own_shop", "BO-14#backorder")
    assert order_store().load(child).status == OrderStatus.BACKORDERED
    assert [s.trigger for s in continued] == [f"backordered:{child}:v{order_store().load(child).version}"]


def test_a_backordered_order_the_stock_still_cannot_cover_signals_nothing(seeded, shanghai_order, aws):
    import boto3

    inventory_store().put_stock(StockRecord(sku=SKU, warehouse_id=WAREHOUSE, on_hand=1, safety_stock=1))
    sqs = boto3.client("sqs")
    drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"])
    order_id = waiting_order(shanghai_order, 12)
    assert order_store().load(order_id).status == OrderStatus.BACKORDERED
    assert drain(sqs, aws.env["BACKORDER_RELEASE_QUEUE_URL"]) == []
