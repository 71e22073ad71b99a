"""The console's stuck-order list (GET /operations/stuck?limit=200, what the Stuck tab asks) with
many stored orders, on moto in process with the local runtime's DynamoDB fidelity (a Query reads
its partition, one request at a time).

The orders are benchmarks/console_overview.py's (four days, seven channels, the usual mix, with
their index keys exactly as the order store writes them), each with its content item, and their operations aggregates (folded by the stream consumer's
domain code, as benchmarks/console_overview.py checks them). Then:
  GET /operations/stuck   the operations API handler, as Lambda answers it (shared/operations/stuck.py:
                          the statuses the aggregates' gauges say can hold a stuck order, every shard
                          of them and of by_flow queried at once, then META and the content's channel
                          order id read by key, only for the orders on the page);
  per-status reads        the reference from the same run: what the API did before, the stuck-order
                          detector's read (OrderStore.waiting_since) for each status in turn, each
                          gathering its shards one after the other and reading whole orders;
  one order               GET /orders/{id}, the cheapest question the API answers.
Both lists are checked equal (the same orders, oldest first).
Usage: python -m benchmarks.console_stuck [--orders 20000] [--runs 3]"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.console_overview import aggregate_items, dynamo_safe, fold, generate, timed  # sets the benchmark's environment first

from moto import mock_aws  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "events" / "orders" / "01_own_shop_shanghai.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=200)
    args = parser.parse_args()
    from infra import topology
    from local import moto_patches
    from local.api_gateway import LocalRoute, proxy_event
    from local.moto_patches import LocalLambdaContext
    from local.provision import provision
    from shared.aws import stores
    from shared.clock import utc_now

    now = utc_now()
    sample = json.loads(SAMPLE.read_text("utf-8"))
    with mock_aws():
        moto_patches.install_dynamodb_fidelity()
        stores.reset()
        resources = provision("bench")
        os.environ.update(resources.env)
        for name, value in topology.function_settings(topology.function("operations_api"), "local").items():
            os.environ[name] = value  # the stuck-order limits (cdk.json), as the function gets them
        histories = generate(args.orders, now)
        metas = [{**history[-1], "fingerprint": "bench"} for history in histories]
        contents = [
            {"pk": m["pk"], "sk": "META#ORDER", "order": {**sample, "channel": m["channel_key"].rsplit("#", 1)[0], "external_id": f"EXT-{m['order_id'][-8:]}"}}
            for m in metas
        ]
        moto_patches.load_items(resources.env["ORDERS_TABLE"], [dynamo_safe(m) for m in metas] + contents)
        # The operations aggregates, as the stream consumer leaves them (the gauges say which
        # statuses can hold a stuck order).
        moto_patches.load_items(resources.env["OPERATIONS_TABLE"], aggregate_items(fold(histories)[0], {}))

        from functions.operations_api.handler import handler as operations
        from functions.orders_api.handler import handler as orders
        from shared.aws.stores import order_store
        from shared.operations.limits import stage_limit_minutes

        def call(handler: Any, name: str, resource: str, path: str, params: dict[str, str], query: str = "") -> dict[str, Any]:
            event = proxy_event("GET", LocalRoute("GET", resource, name, handler), path, params, {}, query, b"")
            answer = handler(event, LocalLambdaContext(name))
            assert answer["statusCode"] == 200, answer
            return json.loads(answer["body"])

        def per_status() -> list[tuple[str, str]]:
            found, now = [], utc_now()
            for status, minutes in stage_limit_minutes().items():
                before = (now - timedelta(minutes=minutes)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                found += [(o.updated_at, o.order_id) for o in order_store().waiting_since(status, before, args.limit)]
            return sorted(found)[: args.limit]

        stuck = lambda: call(operations, "operations_api", "/operations/stuck", "/operations/stuck", {}, f"limit={args.limit}")  # noqa: E731
        answer = stuck()
        listed = [(o["since"], o["order_id"]) for o in answer["orders"]]
        reference = per_status()
        assert listed == reference, f"the API lists {len(listed)} orders, the per-status reads {len(reference)}; first differences: {[p for p in zip(listed, reference) if p[0] != p[1]][:3]}"
        api = timed(stuck, args.runs)
        old = timed(per_status, args.runs)
        from shared.lifecycle import Actor, TimelineEntry
        from shared.orders import OrderIn

        created, _ = order_store().create(OrderIn.model_validate(sample), TimelineEntry(from_status=None, to_status="RECEIVED", cause="bench", actor=Actor.system("bench")))
        one_id = created.order_id
        one = timed(lambda: call(orders, "orders_api", "/orders/{order_id}", f"/orders/{one_id}", {"order_id": one_id}), args.runs)
    by_status: dict[str, int] = {}
    for order in answer["orders"]:
        by_status[order["status"]] = by_status.get(order["status"], 0) + 1
    print(f"{args.orders:,} orders stored; GET /operations/stuck?limit={args.limit} lists {len(listed)} (oldest first: {by_status}), the same as the per-status reads")
    base = statistics.median(one)
    for label, times in (("GET /operations/stuck", api), ("per-status reads (before)", old)):
        median = statistics.median(times)
        print(f"{label:<27} median {median * 1000:8.1f} ms  max {max(times) * 1000:8.1f} ms  = {median / base:6.1f}x one order's read")
    print(f"{'GET /orders/{id}':<27} median {base * 1000:8.1f} ms  (reference); the API is {statistics.median(old) / statistics.median(api):.1f}x faster than the per-status reads")


if __name__ == "__main__":
    main()
