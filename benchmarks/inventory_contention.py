"""Reservations per second for one hot SKU and for spread SKUs, and the oversell count.

Runs on the local runtime (moto server on 127.0.0.1, with local/moto_patches.py's atomic
DynamoDB requests). Each client thread reserves one unit per request for its own order through
the same transaction the inventory-lock step uses (reservation record + conditional stock
decrement). The stock is scarce on purpose: more requests than units, so the refused requests
and the oversell count (units reserved beyond the stock) are measured under contention.
The baseline, measured in the same run, is a plain conditional UpdateItem on one item.

  python -m benchmarks.inventory_contention [--clients 32] [--requests 1200]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter

from local.runtime import LocalRuntime
from shared.aws.dynamo import TransactionCancelled, to_item, to_value, transact_write
from shared.aws.stores import inventory_store
from shared.inventory import ReservationLine, StockRecord


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


def reserve_scenario(name: str, skus: list[str], units_per_sku: int, clients: int, requests: int) -> dict:
    store = inventory_store()
    for sku in skus:
        store.put_stock(StockRecord(sku=sku, warehouse_id="WH-SH", on_hand=units_per_sku))
    outcomes: Counter[str] = Counter()
    reserved: Counter[str] = Counter()
    lock = threading.Lock()

    def reserve(i: int) -> None:
        sku = skus[i % len(skus)]
        line = ReservationLine(order_id=f"{name}-{i}", warehouse_id="WH-SH", sku=sku, quantity=1, created_at="t", hold_expires_at="t")
        try:
            transact_write(store.db, store.reserve_items([line], expires=False))
            with lock:
                outcomes["reserved"] += 1
                reserved[sku] += 1
        except TransactionCancelled:
            with lock:
                outcomes["refused"] += 1

    seconds = run_clients(clients, requests, reserve)
    oversell = sum(max(0, reserved[sku] - units_per_sku) for sku in skus)
    balanced = all(
        (r := store.stock_record(sku, "WH-SH")).on_hand == r.available + r.reserved + r.safety_stock and r.reserved == reserved[sku]
        for sku in skus
    )
    return {"seconds": seconds, "per_second": requests / seconds, "oversell": oversell, "balanced": balanced, **outcomes}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=1200)
    args = parser.parse_args()
    c, n = args.clients, args.requests
    with LocalRuntime():
        base = baseline_updates(c, n)
        hot = reserve_scenario("hot", ["HOT-SKU"], units_per_sku=n // 2, clients=c, requests=n)
        spread_skus = [f"SPREAD-{i:03d}" for i in range(100)]
        spread = reserve_scenario("spread", spread_skus, units_per_sku=n // 200, clients=c, requests=n)
    print(f"{c} client threads, {n} reservation requests per scenario, stock for half of them")
    print(f"baseline: conditional UpdateItem on one item      {base:7.0f} /s")
    for label, r in (("hot: one SKU in one warehouse", hot), ("spread: 100 SKUs", spread)):
        print(
            f"{label:<34} {r['per_second']:7.0f} /s  ({r['per_second'] / base:.2f}× baseline)  "
            f"reserved {r.get('reserved', 0)}, refused {r.get('refused', 0)}, oversell {r['oversell']}, books balance: {r['balanced']}"
        )


if __name__ == "__main__":
    main()
