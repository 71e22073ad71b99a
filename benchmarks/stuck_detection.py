"""Time to detect a stuck order, as a ratio to the detector's period, on the embedded runtime.

Orders are cut off the way a dead run or a lost intake message leaves them (stored and reviewed, or
stored and never queued: RECEIVED, APPROVED, ROUTED, RESERVED in turn), with a short time limit and
the detector's schedule scaled down (period P). For each order this measures the delay from the
limit passing to the detector's re-drive note, and the time until the order is RELEASED; it prints
them in seconds and as multiples of P, and the duration R of one detector run on the same data
(idle, afterwards): a stuck order is found within P + R of its limit. On AWS P is 60 s
(rate(1 minute)) and R is one run's queries at DynamoDB latency; here R is moto's (every GSI query
reads the whole table, all under one lock). Usage:
  python -m benchmarks.stuck_detection [--orders 24] [--period 1.0] [--limit 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime

from functions.stuck_orders.handler import handler as stuck_handler
from local.moto_patches import LocalLambdaContext
from local.runtime import LocalRuntime
from local.samples import load_event
from local.seed import load_seed
from shared.aws.stores import inventory_store, order_store
from shared.orders import OrderIn
from shared.usecases.accept_order import accept_order
from shared.usecases.reserve_stock import reserve_stock
from shared.usecases.review_order import review_order
from shared.usecases.route_order import route_order

STAGES = ("RECEIVED", "APPROVED", "ROUTED", "RESERVED")


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def cut_off(order: OrderIn, stage: str) -> None:
    orders, inventory = order_store(), inventory_store()
    accept_order(order, orders, lambda _: None)
    if stage != "RECEIVED":
        review_order(order.order_id, orders)
    if stage in ("ROUTED", "RESERVED"):
        route_order(order.order_id, 0, orders, inventory)
    if stage == "RESERVED":
        reserve_stock(order.order_id, orders, inventory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=24)
    parser.add_argument("--period", type=float, default=1.0, help="the detector's period, seconds (AWS: 60)")
    parser.add_argument("--limit", type=int, default=2, help="every re-drivable status's limit, seconds")
    args = parser.parse_args()
    settings = {"STUCK_LIMITS_SECONDS": json.dumps({s: args.limit for s in STAGES}), "STUCK_MAX_REDRIVES": "3"}
    sample = load_event("orders/01_own_shop_shanghai.json")
    with LocalRuntime(schedules="scaled", settings=settings, schedule_seconds={"detect_stuck_orders": args.period}) as runtime:
        load_seed()
        for sku in ("TEA-LONGJING-250G", "CUP-CELADON-6PK"):  # enough stock for every order
            record = inventory_store().stock_record(sku, "WH-SH")
            inventory_store().put_stock(record.model_copy(update={"on_hand": record.on_hand + 10 * args.orders}))
        orders = []
        for n in range(args.orders):
            order = OrderIn.model_validate({**sample, "external_id": f"STUCK-BENCH-{time.time_ns()}-{n}", "buyer": {**sample["buyer"], "buyer_id": f"B-{n}-{time.time_ns()}"}, "receiver": {**sample["receiver"], "detail": f"{sample['receiver']['detail']} {n}"}})
            stage = STAGES[n % len(STAGES)]
            cut_off(order, stage)
            orders.append((order.order_id, stage))
        deadline = time.monotonic() + 60 + 10 * args.period
        pending = {o for o, _ in orders}
        while pending and time.monotonic() < deadline:
            pending = {o for o in pending if order_store().load(o).status != "RELEASED"}
            time.sleep(0.2)
        runs = []
        for _ in range(3):  # one run's duration, idle, on the same data
            started = time.monotonic()
            stuck_handler({}, LocalLambdaContext("stuck_orders"))
            runs.append(time.monotonic() - started)
        delays, settle = [], []
        for order_id, stage in orders:
            details = order_store().details(order_id)
            entered = max(e.at for e in details.timeline if e.kind == "transition" and e.to_status == stage)
            notes = sorted(e.at for e in details.timeline if e.actor.name == "stuck-order-detector")
            released = [e.at for e in details.timeline if e.to_status == "RELEASED" and e.kind == "transition"]
            if notes:
                delays.append((_at(notes[0]) - _at(entered)).total_seconds() - args.limit)
            if released:
                settle.append((_at(released[0]) - _at(entered)).total_seconds() - args.limit)
    print(f"stuck orders: {args.orders} ({', '.join(STAGES)} in turn); limit {args.limit} s; detector period P = {args.period} s")
    print(f"re-driven: {len(delays)}/{args.orders}; RELEASED: {len(settle)}/{args.orders}; lost: {args.orders - len(settle)}")
    if delays:
        print(f"time to detect (limit passed -> re-drive note): median {statistics.median(delays):.2f} s, max {max(delays):.2f} s "
              f"= {statistics.median(delays) / args.period:.2f} P / {max(delays) / args.period:.2f} P")
    run = statistics.median(runs)
    print(f"one detector run R (idle, same data): {run:.2f} s; bound P + R = {args.period + run:.2f} s; median delay / (P + R) = {statistics.median(delays) / (args.period + run):.2f}" if delays else "")
    print("on AWS: P = 60 s and R = the same queries at DynamoDB latency, so within about a minute of the limit")
    if settle:
        print(f"limit passed -> RELEASED: median {statistics.median(settle):.2f} s, max {max(settle):.2f} s")


if __name__ == "__main__":
    main()
