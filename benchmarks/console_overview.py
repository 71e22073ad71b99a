"""The console overview's load time with 100,000 stored orders.

On moto in process (mock_aws) as the local runtime serves the console: with its DynamoDB fidelity
(a Query reads its partition, as DynamoDB does, not moto's whole table) and its speed patches
(local/moto_speed.py: the same answers, without moto's generic serializer walking botocore's shapes
for every attribute value). --moto-as-is leaves the speed patches out (moto's own CPU per answer,
which neither the local runtime nor AWS has; the figure before decision 240). 100,000 orders of the last four days (seven
channels, four warehouses, the usual mix: automatic, held then approved, still held, rejected,
backordered, in exception, shipped, delivered, a few stuck) are stored as order items. Their
aggregates are made the way production makes them:
  - the newest --through-consumer orders (default 2,000: the last hours, which the health index's
    entry buckets read) go through the real stream consumer: every transition becomes a DynamoDB
    stream record (NEW_AND_OLD_IMAGES of the order item) and functions/operations_aggregator's
    handler counts them in batches of the event source mapping's size, in one shard's lane;
  - the older orders' transitions are folded by the same domain code the consumer runs
    (shared/operations/domain.py change_deltas) and the resulting items are loaded directly;
then every aggregate item is checked against a fold of ALL the orders (the consumer and the fold
must agree to the unit). Then the operations API handler answers GET /operations/overview and
GET /operations/kpis as Lambda would (proxy events, in process), five times each. References from
the same run:
  one order   GET /orders/{id} (one partition read): the cheapest question the API answers;
  scan        (--scan) a table scan of the order items alone (the way the overview is NOT built).
Usage: python -m benchmarks.console_overview [--orders 100000] [--through-consumer 2000] [--scan] [--moto-as-is]"""

from __future__ import annotations

import argparse
import json
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
        steps.append(("ON_HOLD", t, rules | {"hold": {"findings": []}}))  # META keeps its hold
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
        return [*steps, ("EXCEPTION", t, {"failed_status": "RESERVED"})]
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


def generate(orders: int, now: datetime) -> list[list[dict[str, Any]]]:
    """Per order, its order item after each write (version 1: RECEIVED, then each transition)."""
    from shared.aws.order_items import plan_summary
    from shared.aws.order_listing import channel_key
    from shared.aws.status_index import key_fields

    rng = random.Random(12)
    span = timedelta(days=4).total_seconds()
    histories = []
    for n in range(orders):
        order_id = f"OMS-BENCH{n:011d}"
        channel = CHANNELS[min(int(rng.expovariate(0.7)), len(CHANNELS) - 1)]
        created = now - timedelta(seconds=span * (rng.random() ** 1.3))
        base = {
            # META as decision 90 lays it out: no content, the plan as its summary.
            "pk": f"ORDER#{order_id}", "sk": "META", "order_id": order_id, "created_at": iso(created),
            "channel_key": channel_key(channel, order_id),
        }
        # The index keys as the order store writes them: by_flow in a workflow status, else by_status's shard.
        writes = [{**base, "status": "RECEIVED", **key_fields("RECEIVED", order_id)[0], "version": 1, "updated_at": iso(created)}]
        fields: dict[str, Any] = {}
        for version, (status, at, extra) in enumerate(lifecycle(rng, order_id, created, now), start=2):
            fields |= {"plan_summary": plan_summary(extra["plan"])} if "plan" in extra else extra
            writes.append({**base, **fields, "status": status, **key_fields(status, order_id)[0], "version": version, "updated_at": iso(at)})
        histories.append(writes)
    return histories


def fold(histories: list[list[dict[str, Any]]]) -> tuple[Any, dict[str, Any]]:
    """The aggregates of these orders as the consumer's domain code computes them, and each
    order's memory (what the consumer remembers of it)."""
    from shared.operations.domain import Deltas, OrderChange, OrderImage, change_deltas

    deltas = Deltas()
    for writes in histories:
        old = None
        for write in writes:
            new = OrderImage.of(write)
            change_deltas(OrderChange(old=old, new=new), into=deltas)
            old = new
    return deltas, {}


def _fold_part(histories: list[list[dict[str, Any]]]) -> tuple[dict[Any, dict[str, Any]], dict[Any, dict[str, set[str]]]]:
    deltas, _ = fold(histories)
    return ({k: dict(v) for k, v in deltas.numbers.items()}, {k: {a: set(m) for a, m in v.items()} for k, v in deltas.sets.items()})


def fold_in_processes(histories: list[list[dict[str, Any]]], processes: int) -> Any:
    """fold() of many orders, split over processes (the counters add up: the parts are summed)."""
    from concurrent.futures import ProcessPoolExecutor

    from shared.operations.domain import Deltas

    if processes <= 1 or len(histories) < 10_000:
        return fold(histories)[0]
    size = -(-len(histories) // processes)
    total = Deltas()
    with ProcessPoolExecutor(max_workers=processes) as pool:
        for numbers, sets in pool.map(_fold_part, [histories[i : i + size] for i in range(0, len(histories), size)]):
            for key, attributes in numbers.items():
                for attribute, amount in attributes.items():
                    total.add(key, attribute, amount)
            for key, attributes in sets.items():
                for attribute, members in attributes.items():
                    total.sets[key][attribute] |= members
    return total


def aggregate_items(deltas: Any, memories: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for (pk, sk), (numbers, sets) in deltas.updates().items():
        item: dict[str, Any] = {"pk": pk, "sk": sk, **numbers}
        for attribute, values in sets.items():
            item[attribute] = set(values)
        items.append(item)
    for (pk, sk), peak in peaks(deltas).items():
        items.append({"pk": pk, "sk": sk, "peak_per_second": peak})
    return merge_items(items)


def merge_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        by_key.setdefault((item["pk"], item["sk"]), {}).update(item)
    return list(by_key.values())


def peaks(deltas: Any) -> dict[tuple[str, str], int]:
    """The day's busiest second, as the aggregator's conditional max leaves it."""
    from shared.operations.domain import day_of

    best: dict[str, int] = defaultdict(int)
    for (pk, sk), attributes in deltas.numbers.items():
        if pk == "C#all#S":
            day = day_of(sk[2:])  # the second's China day (decision 265)
            best[day] = max(best[day], int(attributes.get("received", 0)))
    return {("C#all", f"D#{day}"): n for day, n in best.items()}


STREAM_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-01T00:00:00.000"


def stream_records(histories: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each write as the order table's stream delivers it (NEW_AND_OLD_IMAGES), in write order."""
    from shared.aws.dynamo import to_item

    writes = []
    for history in histories:
        for old, new in zip([None, *history], history, strict=False):
            writes.append((new["updated_at"], new["version"], old, new))
    writes.sort(key=lambda w: (w[0], w[1]))
    records = []
    for sequence, (_, _, old, new) in enumerate(writes, start=1):
        data: dict[str, Any] = {"Keys": to_item({"pk": new["pk"], "sk": "META"}), "NewImage": to_item(dynamo_safe(new)), "SequenceNumber": f"{sequence:021d}", "StreamViewType": "NEW_AND_OLD_IMAGES"}
        if old is not None:
            data["OldImage"] = to_item(dynamo_safe(old))
        records.append({"eventName": "INSERT" if old is None else "MODIFY", "eventSource": "aws:dynamodb", "eventSourceARN": STREAM_ARN, "dynamodb": data})
    return records


def dynamo_safe(item: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(item), parse_float=Decimal)


def write(db: Any, table: str, items: list[dict[str, Any]]) -> None:
    from shared.aws.dynamo import to_item

    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": to_item(i)}} for i in items[start : start + 25]]}
        while request:
            request = db.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def table_items(table: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The table's items by key, each key's lanes folded in as the readers fold them."""
    from local import moto_patches
    from shared.aws.dynamo import from_item
    from shared.operations.lanes import fold

    partitions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for raw in moto_patches.table_items(table):
        item = from_item(raw)
        partitions[item.pop("pk")].append(item)
    return {(pk, item["sk"]): {"pk": pk, **item} for pk, items in partitions.items() for item in fold(items)}


def disagreements(expected: list[dict[str, Any]], stored: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """Where the stored aggregates differ from the fold of every order (TTL and peaks aside:
    the consumer refreshes a day's peak from its per-second item, the fold takes the maximum)."""
    ignored = {"expires_at_epoch", "peak_per_second"}
    wrong = []
    for item in expected:
        key = (item["pk"], item["sk"])
        have = stored.get(key, {})
        for attribute, value in item.items():
            if attribute in ("pk", "sk") or attribute in ignored:
                continue
            got = have.get(attribute, 0 if not isinstance(value, (set, str, bool)) else None)
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                if Decimal(str(got)) != Decimal(str(value)):
                    wrong.append(f"{key} {attribute}: stored {got}, fold {value}")
            elif got != value:
                wrong.append(f"{key} {attribute}: stored {got!r}, fold {value!r}")
    return wrong


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
    parser.add_argument("--through-consumer", type=int, default=2_000, help="the newest orders counted by the real stream consumer")
    parser.add_argument("--processes", type=int, default=4, help="processes folding the older orders")
    parser.add_argument("--scan", action="store_true", help="also time a scan of the order items (minutes at 100,000 on moto)")
    parser.add_argument("--moto-as-is", action="store_true", help="without the local runtime's speed patches (local/moto_speed.py)")
    args = parser.parse_args()
    from infra import topology
    from local import moto_patches, moto_speed
    from local.api_gateway import LocalRoute, proxy_event
    from local.moto_patches import LocalLambdaContext
    from local.provision import provision
    from shared.aws import stores
    from shared.aws.clients import client
    from shared.clock import utc_now

    now = utc_now()
    with mock_aws():
        moto_patches.install_dynamodb_fidelity()  # a Query reads its partition, as on DynamoDB
        if not args.moto_as_is:
            moto_speed.install()  # the emulator as the local runtime runs it (oms serve's console)
        stores.reset()
        resources = provision("bench")
        os.environ.update(resources.env)
        for name, value in topology.function_settings(topology.function("operations_api"), "local").items():
            os.environ[name] = value  # the stuck-order limits (cdk.json), as the functions get them
        started = time.perf_counter()
        histories = sorted(generate(args.orders, now), key=lambda h: h[0]["created_at"])
        through_consumer = min(args.through_consumer, len(histories))
        older, newest = histories[: len(histories) - through_consumer], histories[len(histories) - through_consumer :]
        older_deltas = fold_in_processes(older, args.processes)
        folded = time.perf_counter() - started
        started = time.perf_counter()
        orders_table, operations_table = resources.env["ORDERS_TABLE"], resources.env["OPERATIONS_TABLE"]
        moto_patches.load_items(orders_table, [dynamo_safe(h[-1]) for h in histories])
        # The older orders' memory items are never read again (their changes are all counted): not stored.
        moto_patches.load_items(operations_table, aggregate_items(older_deltas, {}))
        loaded = time.perf_counter() - started

        from functions.operations_aggregator.handler import handler as aggregator

        spec = topology.stream_consumer_of("operations_aggregator")
        records = stream_records(newest)
        started = time.perf_counter()
        for first in range(0, len(records), spec.batch_size):
            # As the mapping's tumbling window hands them: one shard's batch, named (its lane, decision 239).
            batch = {"Records": records[first : first + spec.batch_size], "shardId": "shardId-00000001", "eventSourceARN": STREAM_ARN, "state": {}}
            answer = aggregator(batch, LocalLambdaContext("operations_aggregator"))
            assert not answer["batchItemFailures"], answer
        consumed = time.perf_counter() - started
        db = client("dynamodb")
        newest_deltas, newest_memories = fold(newest)
        older_deltas.merge(newest_deltas)
        expected = aggregate_items(older_deltas, newest_memories)
        stored = table_items(operations_table)
        wrong = disagreements(expected, stored)
        assert not wrong, f"{len(wrong)} aggregates differ from the fold of every order, e.g. {wrong[:5]}"
        print(
            f"{args.orders:,} orders stored; {len(stored):,} aggregate items: {len(older):,} orders folded ({folded:.1f} s) and loaded "
            f"({loaded:.1f} s), the newest {through_consumer:,} through the stream consumer ({len(records):,} changes in "
            f"{consumed:.1f} s); every aggregate equals the fold of all {args.orders:,} orders"
        )

        from functions.operations_api.handler import handler as operations
        from functions.orders_api.handler import handler as orders

        def call(handler: Any, name: str, method: str, resource: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
            event = proxy_event(method, LocalRoute(method, resource, name, handler), path, params or {}, {}, "", b"")
            answer = handler(event, LocalLambdaContext(name))
            assert answer["statusCode"] == 200, answer
            return answer

        # The reference: one complete stored order (the bench's order items carry only what the
        # indexes and the overview need), read as the console's order page reads it.
        from pathlib import Path

        from shared.aws.stores import order_store
        from shared.lifecycle import Actor, TimelineEntry
        from shared.orders import OrderIn

        document = json.loads((Path(__file__).resolve().parent.parent / "events" / "orders" / "01_own_shop_shanghai.json").read_text("utf-8"))
        stored_order, _ = order_store().create(OrderIn.model_validate(document), TimelineEntry(from_status=None, to_status="RECEIVED", cause="bench", actor=Actor.system("bench")))
        sample = stored_order.order_id
        one = timed(lambda: call(orders, "orders_api", "GET", "/orders/{order_id}", f"/orders/{sample}", {"order_id": sample}))
        first_answer = json.loads(call(operations, "operations_api", "GET", "/operations/overview", "/operations/overview")["body"])
        overview = timed(lambda: call(operations, "operations_api", "GET", "/operations/overview", "/operations/overview"))
        kpis = timed(lambda: call(operations, "operations_api", "GET", "/operations/kpis", "/operations/kpis"))
        open_orders = sum(first_answer["open_by_status"].values())

        def scan() -> None:
            kwargs = {"TableName": orders_table, "FilterExpression": "sk = :m", "ExpressionAttributeValues": {":m": {"S": "META"}}}
            while True:
                page = db.scan(**kwargs)
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

        scanned = timed(scan, runs=1) if args.scan else None
    base = statistics.median(one)
    print("moto: " + ("as it is (no local speed patches)" if args.moto_as_is else "with the local runtime's patches (fidelity and local/moto_speed.py), as oms serve runs it"))
    print(f"overview: health index {first_answer['health']['index']}, {open_orders:,} open orders, {len(first_answer['orders_per_hour']['by_channel'])} channels")
    for label, times in (("GET /operations/overview", overview), ("GET /operations/kpis", kpis)):
        median = statistics.median(times)
        print(f"{label:<26} median {median * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms  = {median / base:5.1f}x one order's read; target under 1 s: {'met' if max(times) < 1 else 'NOT met'}")
    print(f"{'GET /orders/{id}':<26} median {base * 1000:7.1f} ms  (reference)")
    if scanned:
        print(f"{'scan of the order items':<26} {scanned[0] * 1000:14.1f} ms  = {scanned[0] / statistics.median(overview):5.1f}x the overview (how it is not built)")


if __name__ == "__main__":
    main()
