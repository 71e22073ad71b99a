"""Reconciliation figures on the local runtime (moto server, the fake platform server):

1. Recovery, per channel: N orders on the platform, each sent as a signed webhook except a seeded
   5% that is dropped (the seed's 漏单 rate); one run over the API; how many of the dropped orders
   oms holds afterwards, and how many orders were queued for fulfilment twice.
2. A full-day run: N orders (10,000 by default) modified over one day on a Shopify shop, 5% of
   them missing from oms; the run's wall time and rate, against the time it takes only to page
   through the same orders from the fake platform (the floor any run pays), measured in the same run.

    python -m benchmarks.reconciliation [--recovery-orders 300] [--full-day-orders 10000]

The fulfilment workflow is paused (moto's engine runs ~4 orders/s: see workflow_throughput);
reconciliation's own work is what is timed. The full-day scenario fills oms through the intake use
case in process instead of HTTP webhooks (the same code minus the HTTP hop) to keep the set-up short."""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # before Powertools reads it: no EMF lines in the figures

import argparse  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from local.channel_samples import DEMO_SHOPIFY_SHOP, SHOP  # noqa: E402
from local.reconciliation_scenario import MissedWebhooks  # noqa: E402
from local.runtime import LocalRuntime  # noqa: E402
from local.seed import load_seed  # noqa: E402
from shared.reconciliation.domain import Window  # noqa: E402
from shared.reconciliation.pull import PlatformHttp, ShopCredentials, lister_for  # noqa: E402

SHOPS = {"shopify": DEMO_SHOPIFY_SHOP, "tmall": SHOP["tmall"], "jd": SHOP["jd"], "douyin": SHOP["douyin"]}


def recovery(runtime: LocalRuntime, orders: int, channels: list[str]) -> None:
    print(f"Recovery: {orders} orders per channel, 5% of webhooks dropped (seed 14), one reconciliation run")
    print(f"{'channel':<8} {'dropped':>7} {'recovered':>9} {'in oms':>7} {'queued twice':>12} {'needs person':>12} {'run s':>6} {'pages':>5}")
    day = datetime(2026, 11, 21, tzinfo=UTC)
    for index, channel in enumerate(channels):
        since = day + timedelta(hours=3 * index)
        with MissedWebhooks(runtime, SHOPS[channel], channel=channel) as scenario:
            o = scenario.run(orders, since, since + timedelta(hours=3), prefix=2 + index)
        print(
            f"{channel:<8} {len(o.dropped):>7} {o.recovered:>9} {o.in_oms:>5}/{orders} {o.queued_twice:>12} {o.run['needs_person']:>12} {o.run_seconds:>6.1f} {o.run['pages']:>5}"
        )


def full_day(runtime: LocalRuntime, orders: int) -> None:
    since = datetime(2026, 11, 25, tzinfo=UTC)
    until = since + timedelta(days=1)
    with MissedWebhooks(runtime, DEMO_SHOPIFY_SHOP) as scenario:
        o = scenario.run(orders, since, until, over_http=False, workers=2, prefix=9)
        pulled, pull_seconds = _pull_only(scenario, since, until)
    print(f"\nFull-day run: {orders} Shopify orders modified over one day, {len(o.dropped)} missing from oms (5%, seed 14)")
    print(f"  set-up (intake of the other {orders - len(o.dropped)} orders): {o.deliver_seconds:.1f} s")
    print(f"  reconciliation run: {o.run_seconds:.1f} s = {orders / o.run_seconds:.0f} orders/s; {o.run['pages']} pages of 250")
    print(f"  recovered {o.recovered}/{len(o.dropped)}; oms holds {o.in_oms}/{orders}; queued twice {o.queued_twice}; needing a person {o.run['needs_person']}")
    print(f"  baseline, paging only through the same {pulled} orders from the fake platform: {pull_seconds:.1f} s ({pulled / pull_seconds:.0f} orders/s)")
    print(f"  the run takes {o.run_seconds / pull_seconds:.1f}x the paging alone")


def _pull_only(scenario: MissedWebhooks, since: datetime, until: datetime) -> tuple[int, float]:
    credentials = ShopCredentials.model_validate(scenario.fake.credentials()["shopify"][DEMO_SHOPIFY_SHOP])
    lister, window, cursor, count = lister_for("shopify", PlatformHttp()), Window(since=since, until=until), None, 0
    started = time.monotonic()
    while True:
        page = lister.page(DEMO_SHOPIFY_SHOP, credentials, window, cursor)
        count += len(page.orders)
        cursor = page.next_cursor
        if cursor is None:
            return count, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recovery-orders", type=int, default=300)
    parser.add_argument("--full-day-orders", type=int, default=10_000)
    parser.add_argument("--channels", default="shopify,tmall,jd,douyin")
    args = parser.parse_args()
    with LocalRuntime(schedules="scaled") as runtime:
        load_seed()
        if args.recovery_orders:
            recovery(runtime, args.recovery_orders, args.channels.split(","))
        if args.full_day_orders:
            full_day(runtime, args.full_day_orders)


if __name__ == "__main__":
    main()
