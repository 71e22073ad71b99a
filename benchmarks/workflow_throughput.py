"""Local end-to-end throughput, as a ratio to moto's ceiling measured in the same run.

moto's ASL engine bounds what one machine can do (DESIGN.md: ~13 executions/s of a 5-task no-op
Express workflow). This benchmark measures, on one LocalRuntime:
  B  the baseline: a 5-task no-op workflow whose Lambda tasks run in process, N executions;
  W  the fulfilment workflow alone: N stored orders, N executions started directly;
  E  end to end: N orders POSTed over HTTP on 127.0.0.1 until every one is RELEASED;
  P  paced: --paced orders POSTed at --rate orders/s, each order's time from POST to its outbound
     note (RELEASED), as percentiles;
and prints executions/s and orders/s with W/B and E/B, the latency percentiles, and the process's
resident memory (RSS) after each phase and after every tenth of P's orders, with its growth over
P's second half in MiB per 1,000 orders, the full garbage collections during P (how many, how
long: every thread waits for each, decision 248), and (M) RSS at P's start, after half its orders and after
all, with what moto holds then store by store, each bounded store with its bound
(local/moto_speed.held_in_memory; --paced 2000 is the memory pass), and the tables' data apart:
its Python memory then (local/moto_memory.table_data_mib) and the growth without it. A local
warehouse takes the outbound notes off their queue as the WMS does (local/warehouse.py). Usage:
  python -m benchmarks.workflow_throughput [--orders 60] [--paced 100] [--rate 5]
  python -m benchmarks.workflow_throughput --orders 20 --paced 2000 --rate 5   # memory over 2,000 orders
The runtime's schedules run at their AWS rates (the runtime's default); --schedules scaled runs
them at the faster pace the tests use (local/scheduler.py, decision 219). --idle S first measures
the seeded runtime's CPU over S seconds with no order (its pollers and schedules alone).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from local import heap, moto_memory, moto_patches, moto_speed
from local.demo import SETTLED, http
from local.runtime import LocalRuntime
from local.scheduler import PACES
from local.seed import load_seed
from shared.aws.catalog_store import Product
from shared.aws.order_store import StoredOrder
from shared.aws.stores import catalog_store, inventory_store, order_store
from shared.inventory import StockRecord
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry
from shared.orders import OrderIn

NOOP_TASKS = 5
# A POST may wait long on a loaded machine (the figures come from stored timestamps, not from the
# answer's arrival): a benchmark run should not die of the 30 s a person's request gets.
POST_TIMEOUT = 300
SKUS = [f"BENCH-SKU-{i:02d}" for i in range(20)]  # not on the price list: review only flags them
PLACES = [
    {"province": "上海", "city": "上海市", "district": "浦东新区"},
    {"province": "北京", "city": "北京市", "district": "海淀区"},
    {"province": "广东", "city": "广州市", "district": "天河区"},
    {"province": "四川", "city": "成都市", "district": "武侯区"},
]


def noop_definition(function_arn: str) -> str:
    states = {}
    for i in range(NOOP_TASKS):
        states[f"Task{i}"] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
            "ResultSelector": {"order_id.$": "$.Payload.order_id"},
            "OutputPath": "$",
            **({"Next": f"Task{i + 1}"} if i < NOOP_TASKS - 1 else {"End": True}),
        }
    return json.dumps({"StartAt": "Task0", "States": states})


def wait_all_done(runtime: LocalRuntime, arn: str, names: set[str], timeout: float = 600) -> float:
    """Until none of `names` runs; returns when the last of them stopped (epoch seconds, from the
    executions' own stop dates, so polling slowly costs no precision). Lists only the running
    executions, twice a second (moto serialises every execution it lists: polling them all
    often took a tenth of the engine's CPU)."""
    sfn = runtime.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=arn, statusFilter="RUNNING")
        running = {e["name"] for page in pages for e in page["executions"]} & names
        if not running:
            pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=arn)
            return max(e["stopDate"].timestamp() for page in pages for e in page["executions"] if e["name"] in names)
        time.sleep(0.5)
    raise TimeoutError(f"{len(running)} executions still running")


def rss_mib() -> float:
    """The process's resident memory now (Linux /proc), in MiB."""
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def by_tenth(latencies: list[tuple[int, float]], n: int) -> list[tuple[float, float]]:
    """p50 and p95 of each tenth of a run's orders, by the place each was posted in: a latency
    that grows with the run (a store walked whole, a longer collection) shows as a rising row."""
    step = max(1, n // 10)
    tenths: dict[int, list[float]] = {}
    for place, seconds in latencies:
        tenths.setdefault(min(place // step, 9), []).append(seconds)
    return [(percentile(values, 50), percentile(values, 95)) for _, values in sorted(tenths.items())]


Held = list[tuple[str, float, dict[str, int], float]]  # (when, RSS MiB, what moto holds, table data MiB)


def _held(when: str, rss: float) -> tuple[str, float, dict[str, int], float]:
    return (when, rss, moto_speed.held_in_memory(), moto_memory.table_data_mib())


def paced(runtime: LocalRuntime, n: int, rate: float, run: str) -> tuple[list[tuple[int, float]], list[tuple[int, float]], Held, list[float]]:
    """N orders POSTed at `rate` per second; each one's seconds from POST to RELEASED (with its
    place in the run), RSS after every tenth of them (and once all are settled), and RSS with what
    moto holds store by store at the start, after N/2 and after N (settled); and the process's CPU
    seconds at the start and after every tenth (what a tenth's orders cost, background included)."""
    posted: dict[str, tuple[int, float]] = {}
    latencies: list[tuple[int, float]] = []
    memory: list[tuple[int, float]] = [(0, rss_mib())]
    cpu = [time.process_time()]
    held = [_held("start", memory[0][1])]
    step = max(1, n // 10)
    start = time.perf_counter()

    def settle(pending: dict[str, tuple[int, float]]) -> None:
        for order_id, (place, sent) in list(pending.items()):
            stored = order_store().load(order_id)
            if stored.status in SETTLED:
                latencies.append((place, _settled_after(stored, sent)))
                del pending[order_id]

    for i in range(n):
        time.sleep(max(0.0, start + i / rate - time.perf_counter()))
        sent = time.perf_counter()
        status, answer = http("POST", f"{runtime.api_url}/orders", json.dumps(sample_order(i, run)).encode(), timeout=POST_TIMEOUT)
        if status == 202:
            posted[answer["order_id"]] = (i, time.time() - (time.perf_counter() - sent))  # when it was sent, wall clock
        if (i + 1) % step == 0:
            memory.append((i + 1, rss_mib()))
            cpu.append(time.process_time())
        if i + 1 == n // 2:
            walked, walked_cpu = time.perf_counter(), time.process_time()
            held.append(_held(f"after {n // 2}", rss_mib()))
            start += time.perf_counter() - walked  # the table walk is not the runtime's: no burst to catch up
            cpu[-1] += time.process_time() - walked_cpu  # nor its CPU: the next tenth's figure leaves it out
        if i % 10 == 0:
            settle(posted)
    deadline = time.monotonic() + 600
    while posted and time.monotonic() < deadline:
        settle(posted)
        time.sleep(0.25)  # the latencies come from the stored timestamps, not from this loop
    memory.append((n, rss_mib()))
    held.append(_held(f"after {n}", memory[-1][1]))
    return latencies, memory, held, cpu


def growth_per_thousand(memory: list[tuple[int, float]]) -> float:
    """MiB per 1,000 orders over the second half of the run (after the warm-up): ~0 is flat."""
    half = [(count, mib) for count, mib in memory if count >= memory[-1][0] / 2]
    if len(half) < 2 or half[-1][0] == half[0][0]:
        return float("nan")
    return (half[-1][1] - half[0][1]) / (half[-1][0] - half[0][0]) * 1000


def _settled_after(stored: StoredOrder, sent_epoch: float) -> float:
    """Seconds from the POST to the status change that settled it (RELEASED: the outbound note)."""
    return datetime.fromisoformat(stored.updated_at.replace("Z", "+00:00")).timestamp() - sent_epoch


def start_all(runtime: LocalRuntime, arn: str, names: list[str]) -> float:
    sfn = runtime.client("stepfunctions")
    started = time.time()
    with ThreadPoolExecutor(max_workers=4) as pool:
        # Every run says where it starts, as start_fulfilment does (no missing-path errors from moto).
        list(pool.map(lambda n: sfn.start_execution(stateMachineArn=arn, name=n, input=json.dumps({"order_id": n, "resume_at": "Review"})), names))
    return wait_all_done(runtime, arn, set(names)) - started


def sample_order(i: int, run: str) -> dict:
    return {
        "channel": "own_shop",
        "external_id": f"BENCH-{run}-{i:05d}",
        "buyer": {"buyer_id": f"C-{run}-{i % 97}"},  # per run: the same lines again would be a duplicate
        # Real places: review holds an address whose city or district is not in its province.
        # Per run too: the same receiver and lines as another run's order would be held as its duplicate.
        "receiver": {"name": "测试", "phone": "13800138000", **PLACES[i % len(PLACES)], "detail": f"{run}路{i}号"},
        "lines": [{"sku": SKUS[(i * 7 + k) % len(SKUS)], "quantity": 1 + k, "unit_price": "19.90"} for k in range(1 + i % 3)],
        "placed_at": "2026-11-11T00:00:00+08:00",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--paced", type=int, default=100, help="orders of the paced run (0: none)")
    parser.add_argument("--rate", type=float, default=5.0, help="orders per second of the paced run")
    parser.add_argument("--schedules", choices=PACES, default="aws", help="the schedules' pace (local/scheduler.py)")
    parser.add_argument("--idle", type=float, default=0, help="first, seconds of the seeded runtime with no order: its CPU (0: not measured)")
    args = parser.parse_args()
    n = args.orders
    memory = {"start": rss_mib()}

    with LocalRuntime(warehouse=True, schedules=args.schedules) as runtime:
        load_seed()
        for sku in SKUS:
            catalog_store().put_product(Product(sku=sku))  # intake refuses SKUs oms does not sell
            for warehouse in ("WH-SH", "WH-BJ", "WH-GZ", "WH-CD"):
                inventory_store().put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=100_000))

        idle = None
        if args.idle:  # the pollers' and schedules' own cost, with nothing to do
            time.sleep(3)  # past the start's first polls
            cpu_started, idle_started = time.process_time(), time.perf_counter()
            time.sleep(args.idle)
            idle = (time.process_time() - cpu_started) / (time.perf_counter() - idle_started)

        # B: the no-op baseline on the same engine, tasks in process.
        moto_patches.install({"bench-noop": lambda event, context: event}, runtime.time_scale)
        lam = runtime.client("lambda")
        role = runtime.client("iam").get_role(RoleName=f"{runtime.prefix}-local")["Role"]["Arn"]
        noop_arn = lam.create_function(
            FunctionName="bench-noop", Runtime="python3.12", Role=role, Handler="handler.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}
        )["FunctionArn"]
        baseline_arn = runtime.client("stepfunctions").create_state_machine(
            name="bench-noop", definition=noop_definition(noop_arn), roleArn=role, type="EXPRESS"
        )["stateMachineArn"]
        baseline_s = start_all(runtime, baseline_arn, [f"noop-{i}" for i in range(n)])
        memory["after B"] = rss_mib()

        # W: the fulfilment workflow alone, on orders already stored.
        orders = [OrderIn.model_validate(sample_order(i, "w")) for i in range(n)]
        for order in orders:
            order_store().create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="benchmark", actor=Actor(kind=ActorKind.CHANNEL, name="bench")))
        cpu_started = time.process_time()
        workflow_s = start_all(runtime, runtime.resources.state_machine_arns["fulfilment"], [o.order_id for o in orders])
        cpu = {"W": time.process_time() - cpu_started}
        released = sum(order_store().load(o.order_id).status == OrderStatus.RELEASED for o in orders)
        memory["after W"] = rss_mib()

        # E: end to end over HTTP.
        started, e2e_started, cpu_started = time.perf_counter(), time.time(), time.process_time()
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda i: http("POST", f"{runtime.api_url}/orders", json.dumps(sample_order(i, "e")).encode(), timeout=POST_TIMEOUT), range(n)))
        ids = [a["order_id"] for status, a in answers if status == 202]
        pending = set(ids)
        deadline = time.monotonic() + 600
        while pending and time.monotonic() < deadline:
            # Each check reads every pending order: often enough would take the engine's CPU.
            pending = {i for i in pending if order_store().load(i).status not in SETTLED}
            time.sleep(0.25)
        # The last order's RELEASED write is when E ended (not when this loop saw it).
        e2e_s = max(_settled_after(order_store().load(i), 0) for i in ids) - e2e_started if ids else time.perf_counter() - started
        cpu["E"] = time.process_time() - cpu_started
        e2e_statuses = Counter(order_store().load(i).status.value for i in ids)
        e2e_released = e2e_statuses["RELEASED"]
        memory["after E"] = rss_mib()
        with heap.FullCollectionTimes() as collections:  # every thread waits out each one (decision 248)
            latencies, paced_memory, held, paced_cpu = paced(runtime, args.paced, args.rate, "p") if args.paced else ([], [], [], [])

    b, w, e = n / baseline_s, n / workflow_s, n / e2e_s
    print(f"orders per run: {n}  (no-op baseline: {NOOP_TASKS} Lambda tasks; fulfilment: 4 Lambda tasks + Pass/Choice states)")
    print(f"B  no-op workflow baseline      {baseline_s:6.2f} s  {b:6.1f} executions/s")
    print(f"W  fulfilment workflow alone    {workflow_s:6.2f} s  {w:6.1f} executions/s  W/B = {w / b:.2f}  ({released}/{n} RELEASED)")
    print(f"E  HTTP intake → RELEASED       {e2e_s:6.2f} s  {e:6.1f} orders/s      E/B = {e / b:.2f}  ({e2e_released}/{len(ids)} RELEASED, {n - len(ids)} refused)" + ("" if e2e_released == len(ids) else f"  {dict(e2e_statuses)}"))
    # The ratios above cannot show a saving in the request path (B is all request overhead and
    # gains as much, decision 182): the process's CPU per order can, background work included.
    print(f"CPU per order (whole process, pollers and schedules included): W {cpu['W'] / n * 1000:.0f} ms, E {cpu['E'] / n * 1000:.0f} ms")
    if idle is not None:
        print(f"idle runtime ({args.idle:g} s, schedules {args.schedules}): {idle * 100:.1f} % of a core")
    if latencies:
        seconds = [s for _, s in latencies]
        print(f"P  {args.paced} orders at {args.rate:g}/s, POST → RELEASED: p50 {percentile(seconds, 50):.2f} s  p95 {percentile(seconds, 95):.2f} s  p99 {percentile(seconds, 99):.2f} s  max {max(seconds):.2f} s  ({len(seconds)} settled)")
        print("   p50/p95 by tenth of P (in the order posted): " + ", ".join(f"{p50:.2f}/{p95:.2f}" for p50, p95 in by_tenth(latencies, args.paced)))
        per_tenth = max(1, args.paced // 10)
        # At --rate orders/s one core is what the GIL allows the whole runtime: ms × rate / 1000 of it is busy.
        print("   CPU ms per order by tenth of P (whole process, while it was posted): " + ", ".join(f"{(b - a) / per_tenth * 1000:.0f}" for a, b in zip(paced_cpu, paced_cpu[1:])))
        collected = collections.seconds
        if collected:
            print(f"   full garbage collections during P: {len(collected)}, {sum(collected):.2f} s in all, longest {max(collected):.3f} s (every thread waits for one)")
        print("   RSS during P: " + ", ".join(f"{count} orders {mib:.0f} MiB" for count, mib in paced_memory))
        print(f"   RSS growth over P's second half: {growth_per_thousand(paced_memory):+.1f} MiB per 1,000 orders")
        print("M  memory over P: " + ", ".join(f"{when} {mib:.0f} MiB" for when, mib, _, _ in held) + "; what moto holds then:")
        for store in held[0][2]:
            print(f"   {store}: " + " → ".join(str(counts[store]) for _, _, counts, _ in held))
        print("   table data (items, keys, index maps; Python objects): " + " → ".join(f"{data:.1f} MiB" for *_, data in held))
        (_, rss_half, _, data_half), (_, rss_end, _, data_end) = held[-2], held[-1]
        orders_half = args.paced - args.paced // 2
        print(
            f"   over P's second half, per 1,000 orders: table data {(data_end - data_half) / orders_half * 1000:+.1f} MiB, "
            f"the rest of RSS {((rss_end - rss_half) - (data_end - data_half)) / orders_half * 1000:+.1f} MiB"
            f"  (warehouse took {runtime.warehouse_notes.notes if runtime.warehouse_notes else 0} notes)"
        )
    print("RSS: " + ", ".join(f"{phase} {mib:.0f} MiB" for phase, mib in memory.items()))


if __name__ == "__main__":
    main()
