"""Where the local runtime's CPU goes per order: cProfile on every thread's CPU clock.

Every thread the runtime starts (pollers, schedules, the workflow engine's, the API's) runs under
its own `cProfile.Profile(time.thread_time)`, so a blocked wait (a long poll, a lock, a sleep)
costs nothing and each function's time is CPU. The runtime is seeded as in
benchmarks/workflow_throughput.py, N orders are POSTed one every 1/rate s and waited for until
settled, then the profiles are merged and printed (cumulative and own time), with each thread
group's own CPU. The profiler multiplies the cost of small calls (several times the unprofiled
CPU per order): read it for shares and call counts, and time with workflow_throughput. Usage:
  python -m benchmarks.runtime_profile [--orders 20] [--rate 2] [--top 60] [--dump FILE.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import threading
import time
from collections import Counter

_profiles: list[tuple[str, cProfile.Profile]] = []
_original_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile(time.thread_time)
    _profiles.append((self.name, profile))
    profile.enable()
    try:
        _original_run(self)
    finally:
        profile.disable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--dump", help="also write the merged profile here (pstats)")
    args = parser.parse_args()
    threading.Thread.run = _profiled_run  # before the runtime starts a thread

    from benchmarks.workflow_throughput import SKUS, sample_order
    from local.demo import SETTLED, http
    from local.runtime import LocalRuntime
    from local.seed import load_seed
    from shared.aws.catalog_store import Product
    from shared.aws.stores import catalog_store, inventory_store, order_store
    from shared.inventory import StockRecord

    with LocalRuntime(warehouse=True) as runtime:
        load_seed()
        for sku in SKUS:
            catalog_store().put_product(Product(sku=sku))
            for warehouse in ("WH-SH", "WH-BJ", "WH-GZ", "WH-CD"):
                inventory_store().put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=100_000))
        cpu_started = time.process_time()
        ids = []
        for i in range(args.orders):
            _, answer = http("POST", f"{runtime.api_url}/orders", json.dumps(sample_order(i, "prof")).encode(), timeout=300)
            ids.append(answer["order_id"])
            time.sleep(1 / args.rate)
        pending = set(ids)
        while pending:
            pending = {i for i in pending if order_store().load(i).status not in SETTLED}
            time.sleep(0.5)
        print(f"CPU per order, profiled (schedules {runtime.schedule_pace}): {(time.process_time() - cpu_started) / args.orders * 1000:.0f} ms")
    merged, by_thread = None, Counter()
    for name, profile in _profiles:
        try:
            stats = pstats.Stats(profile)
        except TypeError:  # a thread that never ran a profiled call
            continue
        by_thread[name.rsplit("-", 1)[0] if "-" in name else name] += stats.total_tt
        merged = stats if merged is None else merged.add(profile)
    print("own CPU by thread group (s): " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in by_thread.most_common(12)))
    if args.dump:
        merged.dump_stats(args.dump)
    merged.sort_stats("cumulative").print_stats(args.top)
    merged.sort_stats("tottime").print_stats(args.top // 2)


if __name__ == "__main__":
    main()
