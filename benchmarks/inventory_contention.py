"""Reservations per second for one hot SKU, the same SKU split into buckets, and spread SKUs,
and the oversell count.

Runs on the local runtime (moto server on 127.0.0.1, with local/moto_patches.py's atomic
DynamoDB requests). Each client thread reserves one unit per request for its own order through
the code the inventory-lock step uses (shared/usecases/stock_allocation.reserve_lines: the
reservation record + conditional stock decrement in one transaction; on bucketed stock a read of
the buckets first, and a re-read and retry when a bucket ran dry). The stock is scarce on
purpose: more requests than units, so the refused requests and the oversell count (units
reserved beyond the stock) are measured under contention. The baseline, measured in the same
run, is a plain conditional UpdateItem on one item.

Locally every DynamoDB request runs under one lock (decision 7), so these figures bound moto, not
DynamoDB; the script also prints a model of DynamoDB's per-item ceiling, computed, not measured.

  python -m benchmarks.inventory_contention [--clients 32] [--requests 1200] [--buckets 8]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter

from local.runtime import LocalRuntime
from shared.aws.dynamo import to_item, to_value
from shared.aws.stores import inventory_store
from shared.errors import StockShortage, StoreUnavailable
from shared.inventory import ReservationLine, StockRecord
from shared.usecases.bucket_stock import split_into_stock_buckets
from shared.usecases.stock_allocation import reserve_lines

# DynamoDB's documented limits behind the model (not measured here): a partition, and so one
# item, takes at most 1,000 write capacity units per second; a transactional write of an item
# up to 1 KB costs 2 WCU. A reservation writes its stock item once (one bucket, when one holds
# the line) and its own record, which lives in the order's partition.
ITEM_WCU_PER_SECOND = 1_000
WCU_PER_TRANSACTIONAL_ITEM_WRITE = 2


def run_clients(clients: int, requests: int, work) -> float:
    """Runs `work(i)` for i in range(requests) on `clients` threads; returns seconds taken."""
    counter = iter(range(requests))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            work(i)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def reserve_scenario(name: str, skus: list[str], units_per_sku: int, clients: int, requests: int, buckets: int = 0) -> dict:
    store = inventory_store()
    for sku in skus:
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-SH", on_hand=units_per_sku))
        if buckets:
            split_into_stock_buckets(sku, "WH-SH", buckets, store)
    outcomes: Counter[str] = Counter()
    reserved: Counter[str] = Counter()
    lock = threading.Lock()

    def reserve(i: int) -> None:
        sku = skus[i % len(skus)]
        line = ReservationLine(order_id=f"{name}-{i}", warehouse_id="WH-SH", sku=sku, quantity=1, created_at="t", hold_expires_at="t")
        try:
            reserve_lines(store, [line], expires=False)
            outcome = "reserved"
        except StockShortage:
            outcome = "refused"
        except StoreUnavailable:  # buckets kept changing: the workflow would retry the step
            outcome = "contended"
        with lock:
            outcomes[outcome] += 1
            if outcome == "reserved":
                reserved[sku] += 1

    calls = Counter()

    def count_call(**_: object) -> None:
        calls["dynamodb"] += 1  # moto serialises requests: locally the cost follows their number

    store.db.meta.events.register("before-call.dynamodb", count_call)
    try:
        seconds = run_clients(clients, requests, reserve)
    finally:
        store.db.meta.events.unregister("before-call.dynamodb", count_call)
    oversell = sum(max(0, reserved[sku] - units_per_sku) for sku in skus)
    return {
        "seconds": seconds,
        "per_second": requests / seconds,
        "calls_per_request": calls["dynamodb"] / requests,
        "oversell": oversell,
        "balanced": books_balance(skus, reserved),
        **outcomes,
    }


def books_balance(skus: list[str], reserved: Counter[str]) -> bool:
    """On every stock item (each bucket) the stored available is on_hand − reserved − safety and
    not below 0, and the units reserved are exactly the successes."""
    store = inventory_store()
    for sku in skus:
        stock = store.warehouse_stock(sku, "WH-SH")
        for record in stock.buckets or [stock.record]:
            if store.stored_available(sku, "WH-SH", getattr(record, "bucket", None)) != record.available or record.available < 0:
                return False
        if stock.total().reserved != reserved[sku]:
            return False
    return True


def baseline_updates(clients: int, requests: int) -> float:
    store = inventory_store()
    store.put_stock(StockRecord(sku="BASELINE", warehouse_id="WH-SH", on_hand=10**9))
    key = to_item({"pk": "STOCK#BASELINE", "sk": "WH-SH"})

    def update(i: int) -> None:
        store.db.update_item(
            TableName=store.table, Key=key, UpdateExpression="SET available = available - :q",
            ConditionExpression="available >= :q", ExpressionAttributeValues={":q": to_value(1)},
        )

    return requests / run_clients(clients, requests, update)


def ceiling_model(bucket_counts: list[int]) -> list[tuple[int, float]]:
    """Reservations per second one SKU in one warehouse can take on DynamoDB, per bucket count."""
    per_item = ITEM_WCU_PER_SECOND / WCU_PER_TRANSACTIONAL_ITEM_WRITE
    return [(k, per_item * k) for k in bucket_counts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--buckets", type=int, default=8)
    args = parser.parse_args()
    c, n, k = args.clients, args.requests, args.buckets
    with LocalRuntime(schedules="scaled"):
        base = baseline_updates(c, n)
        hot = reserve_scenario("hot", ["HOT-SKU"], units_per_sku=n // 2, clients=c, requests=n)
        bucketed = reserve_scenario("bucketed", ["HOT-BUCKETED"], units_per_sku=n // 2, clients=c, requests=n, buckets=k)
        spread_skus = [f"SPREAD-{i:03d}" for i in range(100)]
        spread = reserve_scenario("spread", spread_skus, units_per_sku=n // 200, clients=c, requests=n)
    print(f"{c} client threads, {n} reservation requests per scenario, stock for half of them")
    print(f"baseline: conditional UpdateItem on one item      {base:7.0f} /s")
    for label, r in (
        ("hot: one SKU in one warehouse", hot),
        (f"hot, bucketed: same SKU in {k} buckets", bucketed),
        ("spread: 100 SKUs", spread),
    ):
        print(
            f"{label:<38} {r['per_second']:7.0f} /s  ({r['per_second'] / base:.2f}× baseline, "
            f"{r['calls_per_request']:.2f} DynamoDB requests each)  "
            f"reserved {r.get('reserved', 0)}, refused {r.get('refused', 0)}, contended {r.get('contended', 0)}, "
            f"oversell {r['oversell']}, books balance: {r['balanced']}"
        )
    print(
        f"model, not a measurement: DynamoDB takes {ITEM_WCU_PER_SECOND:,} WCU/s per item and "
        f"{WCU_PER_TRANSACTIONAL_ITEM_WRITE} WCU per transactional item write, so one SKU in one warehouse takes"
    )
    for buckets, per_second in ceiling_model(sorted({1, 2, 4, 8, k})):
        layout = "one item" if buckets == 1 else f"{buckets} buckets"
        print(f"  {layout:<12} {per_second:7,.0f} reservations/s")
    print(
        "  (K× assumes the buckets' writes land on separate partitions: they share the partition key\n"
        "   STOCK#<sku>, and while they sit in one partition its 1,000 WCU/s caps the SKU at the one-item figure)"
    )


if __name__ == "__main__":
    main()
