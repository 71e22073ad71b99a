"""The console overview's load time with 100,000 stored orders.

On moto in process (mock_aws): 100,000 orders of the last four days (seven channels, four
warehouses, the usual mix: automatic, held then approved, still held, rejected, backordered, in
exception, shipped, delivered, a few stuck) are stored as order items, and their lifecycle
changes are folded by the aggregator's own domain code (shared/operations/domain.py
change_deltas, exactly what the stream consumer computes per change) into the operations
table's items, written once each. Then the operations API handler answers GET
/operations/overview and GET /operations/kpis as Lambda would (proxy events, in process), five
times each. Printed against two references from the same run:
  one order   GET /orders/{id} (one partition read): the cheapest question the API answers;
  scan        what a table scan of the order items alone takes (the way the overview is NOT built).
Usage: python -m benchmarks.console_overview [--orders 100000]"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
    os.environ.setdefault(name, value)
os.environ.pop("AWS_ENDPOINT_URL", None)

from moto import mock_aws  # noqa: E402

CHANNELS = ("tmall", "jd", "douyin", "own_shop", "shopify", "erp", "partner")
WAREHOUSES = ("WH-SH", "WH-BJ", "WH-GZ", "WH-CD")


def lifecycle(rng: random.Random, order_id: str, created: datetime, now: datetime) -> list[tuple[str, datetime, dict[str, Any]]]:
    """(status, at, fields) after RECEIVED for one order, as the workflow and people move it."""
    t = created + timedelta(seconds=rng.uniform(0.3, 1.5))
    fate = rng.random()
    rules = {"rule_set_version": rng.choice((0, 1))}
    warehouses = rng.sample(WAREHOUSES, 2 if rng.random() < 0.12 else 1)
    plan = {"plan": {"strategy": rng.choice(("lowest-cost", "nearest")), "shipments": [{"warehouse_id": w, "distance_km": 100.0, "lines": [], "cost": str(Decimal(rng.randint(550, 1300)) / 100)} for w in warehouses]}}
    plan["plan"]["total_cost"] = str(sum(Decimal(s["cost"]) for s in plan["plan"]["shipments"]))
    steps: list[tuple[str, datetime, dict[str, Any]]] = []
    if fate < 0.02:
        return [("REJECTED", t, rules)]
    if fate < 0.10:
        steps.append(("ON_HOLD", t, rules))
        t += timedelta(minutes=rng.uniform(5, 180))
        if t > now:
            return steps  # still held
        steps.append(("APPROVED", t, {}))
    else:
        steps.append(("APPROVED", t, rules))
    t += timedelta(seconds=rng.uniform(0.2, 1.0))
    if fate > 0.97:
        return [*steps, ("BACKORDERED", t, {})]
    steps += [("ROUTED", t, plan), ("RESERVED", t + timedelta(seconds=0.3), {})]
    t += timedelta(seconds=rng.uniform(0.5, 2.0))
    if 0.96 < fate <= 0.97:
        return [*steps, ("EXCEPTION", t, {})]
    steps.append(("RELEASED", t, {}))
    shipped = t + timedelta(hours=rng.uniform(2, 20))
    if shipped < now:
        steps.append(("SHIPPED", shipped, {}))
        delivered = shipped + timedelta(hours=rng.uniform(20, 60))
        if delivered < now:
            steps.append(("DELIVERED", delivered, {}))
    return steps


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build(orders: int, now: datetime) -> tuple[list[dict[str, Any]], Any]:
    from shared.operations.domain import Deltas, OrderChange, OrderImage, OrderMemory, change_deltas
    from shared.recent_orders import DAY_SHARDS, day_key

    rng = random.Random(12)
    deltas = Deltas()
    metas = []
    span = timedelta(days=4).total_seconds()
    for n in range(orders):
        order_id = f"OMS-BENCH{n:011d}"
        channel = CHANNELS[min(int(rng.expovariate(0.7)), len(CHANNELS) - 1)]
        created = now - timedelta(seconds=span * (rng.random() ** 1.3))
        base = {"order_id": order_id, "created_at": iso(created), "order": {"channel": channel}}
        image = OrderImage.of({**base, "status": "RECEIVED", "version": 1, "updated_at": iso(created)})
        memory = OrderMemory()
        _, memory = change_deltas(OrderChange(old=None, new=image), memory, into=deltas)
        fields: dict[str, Any] = {}
        for version, (status, at, extra) in enumerate(lifecycle(rng, order_id, created, now), start=2):
            fields |= extra
            new = OrderImage.of({**base, **fields, "status": status, "version": version, "updated_at": iso(at)})
            _, memory = change_deltas(OrderChange(old=image, new=new), memory, into=deltas)
            image = new
        metas.append({
            "pk": f"ORDER#{order_id}", "sk": "META", "order_id": order_id, "status": image.status.value, "status_key": image.status.value,
            "version": image.version, "created_at": image.created_at, "updated_at": image.updated_at, "channel_key": channel,
            "day_key": day_key(image.created_at[:10], n % DAY_SHARDS), **fields,
        })
    return metas, deltas


def write(db: Any, table: str, items: list[dict[str, Any]]) -> None:
    from shared.aws.dynamo import to_item

    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": to_item(i)}} for i in items[start : start + 25]]}
        while request:
            request = db.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def aggregate_items(deltas: Any) -> list[dict[str, Any]]:
    items = []
    for (pk, sk), (numbers, sets) in deltas.updates().items():
        item: dict[str, Any] = {"pk": pk, "sk": sk, **numbers}
        for attribute, values in sets.items():
            item[attribute] = set(values)
        items.append(item)
    return items


def peaks(deltas: Any) -> dict[tuple[str, str], int]:
    """The day's busiest second, as the aggregator's conditional max leaves it."""
    best: dict[str, int] = defaultdict(int)
    for (pk, sk), attributes in deltas.numbers.items():
        if pk == "C#all#S":
            best[sk[2:12]] = max(best[sk[2:12]], int(attributes.get("received", 0)))
    return {("C#all", f"D#{day}"): n for day, n in best.items()}


def timed(call: Any, runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    args = parser.parse_args()
    from local.api_gateway import LocalRoute, proxy_event
    from local.moto_patches import LocalLambdaContext
    from local.provision import provision
    from shared.aws import stores
    from shared.aws.clients import client
    from shared.clock import utc_now

    now = utc_now()
    with mock_aws():
        stores.reset()
        resources = provision("bench")
        os.environ.update(resources.env)
        started = time.perf_counter()
        metas, deltas = build(args.orders, now)
        folded = time.perf_counter() - started
        items = aggregate_items(deltas)
        by_key = {(i["pk"], i["sk"]): i for i in items}
        for key, peak in peaks(deltas).items():
            by_key.setdefault(key, {"pk": key[0], "sk": key[1]})["peak_per_second"] = peak
        db = client("dynamodb")
        started = time.perf_counter()
        write(db, resources.env["ORDERS_TABLE"], metas)
        write(db, resources.env["OPERATIONS_TABLE"], list(by_key.values()))
        loaded = time.perf_counter() - started
        print(f"{args.orders:,} orders stored ({len(metas):,} order items) and {len(by_key):,} aggregate items "
              f"(folded in {folded:.1f} s, written in {loaded:.1f} s)")

        from functions.operations_api.handler import handler as operations
        from functions.orders_api.handler import handler as orders

        def call(handler: Any, name: str, method: str, resource: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
            event = proxy_event(method, LocalRoute(method, resource, name, handler), path, params or {}, {}, "", b"")
            answer = handler(event, LocalLambdaContext(name))
            assert answer["statusCode"] == 200, answer
            return answer

        # The reference: one complete stored order (the bench's order items carry only what the
        # indexes and the overview need), read as the console's order page reads it.
        import json as json_
        from pathlib import Path

        from shared.aws.stores import order_store
        from shared.lifecycle import Actor, TimelineEntry
        from shared.orders import OrderIn

        document = json_.loads((Path(__file__).resolve().parent.parent / "events" / "orders" / "01_own_shop_shanghai.json").read_text("utf-8"))
        stored, _ = order_store().create(OrderIn.model_validate(document), TimelineEntry(from_status=None, to_status="RECEIVED", cause="bench", actor=Actor.system("bench")))
        sample = stored.order_id
        one = timed(lambda: call(orders, "orders_api", "GET", "/orders/{order_id}", f"/orders/{sample}", {"order_id": sample}))
        overview = timed(lambda: call(operations, "operations_api", "GET", "/operations/overview", "/operations/overview"))
        kpis = timed(lambda: call(operations, "operations_api", "GET", "/operations/kpis", "/operations/kpis"))

        def scan() -> None:
            kwargs = {"TableName": resources.env["ORDERS_TABLE"], "FilterExpression": "sk = :m", "ExpressionAttributeValues": {":m": {"S": "META"}}}
            while True:
                page = db.scan(**kwargs)
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

        scanned = timed(scan, runs=1)
    base = statistics.median(one)
    for label, times in (("GET /operations/overview", overview), ("GET /operations/kpis", kpis)):
        median = statistics.median(times)
        print(f"{label:<26} median {median * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms  = {median / base:5.1f}x one order's read; target under 1 s: {'met' if max(times) < 1 else 'NOT met'}")
    print(f"{'GET /orders/{id}':<26} median {base * 1000:7.1f} ms  (reference)")
    print(f"{'scan of the order items':<26} {scanned[0] * 1000:14.1f} ms  = {scanned[0] / statistics.median(overview):5.1f}x the overview (how it is not built)")


if __name__ == "__main__":
    main()
