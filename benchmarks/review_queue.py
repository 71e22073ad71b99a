"""The manual review queue with N held orders on the local runtime: GET /review-queue pages
(200 orders each) when the hold is kept on the order item, as a ratio to the same pages when it
must be read from each order's timeline (orders held before the item kept it). Usage:
  python -m benchmarks.review_queue [--held 400]
"""

from __future__ import annotations

import argparse
import time

from benchmarks.workflow_throughput import rss_mib, sample_order
from local.demo import http
from local.runtime import LocalRuntime
from local.seed import load_seed
from shared.aws.stores import order_store
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry, transition_entry
from shared.orders import OrderIn

FINDING = {"rule_id": "address.province.unknown", "severity": "HOLD", "reason_zh": "省份无法识别", "reason_en": "the province is not a Chinese province"}


def read_queue(api: str) -> tuple[float, int]:
    started, token, held = time.perf_counter(), None, 0
    while True:
        status, page = http("GET", f"{api}/review-queue?limit=200" + (f"&next_token={token}" if token else ""))
        assert status == 200, page
        held += len(page["held"])
        token = page.get("next_token")
        if not token:
            return time.perf_counter() - started, held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held", type=int, default=400)
    n = parser.parse_args().held
    with LocalRuntime(schedules="scaled") as runtime:
        load_seed()
        store = order_store()
        actor = Actor(kind=ActorKind.SYSTEM, name="bench")
        for i in range(n):
            order = OrderIn.model_validate(sample_order(i, "q"))
            stored, _ = store.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="benchmark", actor=Actor(kind=ActorKind.CHANNEL, name="bench")))
            store.transition(stored, OrderStatus.ON_HOLD, transition_entry(OrderStatus.RECEIVED, OrderStatus.ON_HOLD, actor, findings=[FINDING]))
        on_item, held = read_queue(runtime.api_url)
        table = runtime.client("dynamodb")
        for i in range(n):  # as if held before the item kept its hold: the queue reads each timeline
            order_id = OrderIn.model_validate(sample_order(i, "q")).order_id
            table.update_item(TableName=store.table, Key={"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": "META"}}, UpdateExpression="REMOVE #h", ExpressionAttributeNames={"#h": "hold"})
        from_timelines, held_again = read_queue(runtime.api_url)
    print(f"GET /review-queue, {held} held orders in pages of 200:")
    print(f"  hold read from each timeline (before)  {from_timelines:6.2f} s")
    print(f"  hold kept on the order item (now)      {on_item:6.2f} s   = {on_item / from_timelines:.2f}x the time ({held_again} orders both ways)")
    print(f"RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
