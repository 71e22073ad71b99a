"""The fault-injection matrix at scale: every scenario of local/fault_scenarios.py (for each
workflow step a transient error once, a throttle, a crash after the write, a permanent failure; a
crash before every publish; a duplicate SQS delivery; a duplicate execution), an intake crash
between storing an order and queueing it that the channel does not re-send (only the stuck-order
detector can take those orders on), and a process stop mid-flight (local/restart_scenario.py),
with N orders each (200 by default), and the table a reliability reviewer reads:

  scenario | accepted | final statuses | stuck | lost | duplicate notes | DLQ depth | time to detect a stuck order

"stuck" counts orders not in a named final or waiting status once the runtime is idle; "lost"
counts accepted orders the store does not have. Scenarios run `--together` at a time on a fresh
runtime (their faults are planned per order, so they do not meet), `--jobs` runtimes at once, each in
its own process; the DLQ depth is that runtime's, shared by the scenarios run with it. The detector runs with the local environment's
limits (cdk.json, minutes) and period unless --limit/--period say otherwise; its column is
measured here: for each order the detector noted, the seconds from the order passing its limit
to the note (for the restart row: from the restart to the re-drive). Usage:
  python -m benchmarks.fault_injection [--orders 200] [--together 4] [--jobs 1] [--only <text in a scenario name>[,<another>]]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import partial
from pathlib import Path

from infra import topology
from local.fault_scenarios import Outcome, Scenario, matrix, run_scenarios, stock_up, stuck_scenarios
from local.faults import FaultInjector
from local.provision import LOCAL_ENV_NAME
from local.restart_scenario import NAME as RESTART, run_restart_scenario
from local.runtime import LocalRuntime
from local.scheduler import LOCAL_SCHEDULE_SECONDS
from local.seed import load_seed

REDRIVABLE = ("RECEIVED", "APPROVED", "ROUTED", "RESERVED")
# Scheduled work no scenario relies on (the console's health history, merging, holds, channel
# stock, reconciliation): each run reads tables the matrix fills, CPU the runtime under test
# needs. The outbox publisher, the reservation sweeper and the stuck-order detector keep their periods.
UNUSED_SCHEDULES = ("snapshot_order_health", "merge_waiting_orders", "escalate_stale_holds", "push_channel_stock", "reconcile_recent", "reconcile_yesterday")
UNUSED_SCHEDULE_SECONDS = 600.0
COLUMNS = ("scenario", "accepted", "final statuses", "stuck", "lost", "duplicate notes", "DLQ depth", "time to detect a stuck order", "other problems", "seconds")


def detection(outcome: Outcome, period: float) -> str:
    if not outcome.detections:
        return "none stuck"
    found = sorted(outcome.detections)
    return (f"{len(found)} found; median {statistics.median(found):.1f} s, max {found[-1]:.1f} s "
            f"after {outcome.detected_from}" + (f" (period {period:g} s)" if outcome.detected_from == "the limit" else ""))


def row(outcome: Outcome, detected: str) -> list[str]:
    other = len(outcome.unexpected) + len(outcome.missing_notes) + len(outcome.reservation_problems) + len(outcome.exceptions_without_error)
    return [
        outcome.scenario,
        str(outcome.accepted),
        outcome.summary(),
        str(len(outcome.stuck)),
        str(len(outcome.lost)),
        str(outcome.duplicate_notes),
        str(outcome.dead_letters),
        detected,
        str(other),
        f"{outcome.seconds:.1f}",
    ]


def print_row(cells: list[str]) -> None:
    """One finished scenario's row at once (a long run's table is read as it goes)."""
    print("| " + " | ".join(cells) + " |", flush=True)


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(COLUMNS[i]), *(len(r[i]) for r in rows)) for i in range(len(COLUMNS))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(COLUMNS))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def runtime_options(limit: float | None, period: float | None) -> tuple[dict, dict[str, float]]:
    """The runtime's detector settings and the limits it applies (seconds per status)."""
    limits, max_redrives = topology.stuck_order_limits(LOCAL_ENV_NAME)
    if limit is not None:
        limits.update(dict.fromkeys(REDRIVABLE, limit))
    settings = {topology.STUCK_LIMITS_ENV: json.dumps(limits), topology.STUCK_MAX_REDRIVES_ENV: str(max_redrives)}
    schedule = {"detect_stuck_orders": period if period is not None else LOCAL_SCHEDULE_SECONDS["detect_stuck_orders"]}
    schedule.update(dict.fromkeys(UNUSED_SCHEDULES, UNUSED_SCHEDULE_SECONDS))
    return {"settings": settings, "schedule_seconds": schedule}, {s: float(limits[s]) for s in REDRIVABLE}


def run_group(group: list[Scenario], orders: int, options: dict, limits: dict[str, float], timeout: float) -> list[Outcome]:
    with LocalRuntime(log_level="ERROR", schedules="scaled", **options) as runtime:
        load_seed()
        stock_up(orders * len(group))
        injector = FaultInjector().install(runtime).install_intake(runtime)
        try:
            return run_scenarios(runtime, injector, group, orders, timeout=timeout, limits=limits)
        finally:
            injector.uninstall()


def run_restart(orders: int, timeout: float, options: dict) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="oms-fault-restart-") as folder:
        return [run_restart_scenario(orders, Path(folder), timeout, options)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200, help="orders per scenario (default 200)")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this text (or one of these, comma-separated)")
    parser.add_argument("--together", type=int, default=4, help="scenarios run at once on one fresh runtime (default 4)")
    parser.add_argument("--jobs", type=int, default=1, help="runtimes run at once, each in its own process (default 1)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds a runtime waits for its orders to settle (default: 8 s per order and the longest limit)")
    parser.add_argument("--limit", type=float, default=None, help="the re-drivable statuses' time limit, seconds (default: the local environment's, cdk.json)")
    parser.add_argument("--period", type=float, default=None, help="the detector's period, seconds (default: the local runtime's)")
    args = parser.parse_args()
    wanted = [text.strip() for text in args.only.split(",")]
    scenarios = [s for s in matrix() + stuck_scenarios() if any(text in s.name for text in wanted)]
    options, limits = runtime_options(args.limit, args.period)
    period = options["schedule_seconds"]["detect_stuck_orders"]
    # Generous: a settled group ends the wait at once; only a stuck order waits this long.
    timeout = args.timeout or max(600.0, args.orders * args.together * 8.0) + max(limits.values())
    started = time.monotonic()
    groups = [scenarios[i : i + args.together] for i in range(0, len(scenarios), args.together)]
    tasks = [partial(run_group, group, args.orders, options, limits, timeout) for group in groups]
    if any(text in RESTART for text in wanted):
        tasks.append(partial(run_restart, args.orders, timeout, options))
    outcomes: list[Outcome] = []
    print_row(list(COLUMNS))
    if args.jobs == 1:
        finished = (task() for task in tasks)
    else:  # each runtime in its own process (fork: nothing runs in this one yet)
        pool = ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("fork"))
        finished = (future.result() for future in as_completed([pool.submit(task) for task in tasks]))
    for group_outcomes in finished:
        for outcome in group_outcomes:
            outcomes.append(outcome)
            print_row(row(outcome, detection(outcome, period)))
    names = [s.name for s in scenarios] + [RESTART]
    outcomes.sort(key=lambda o: names.index(o.scenario))
    print(f"\nfault injection: {args.orders} orders per scenario, {len(outcomes)} scenarios ({args.together} at a time per runtime, {args.jobs} runtime(s) at once), "
          f"limits {', '.join(f'{s} {v:g} s' for s, v in limits.items())}, detector period {period:g} s, {time.monotonic() - started:.0f} s\n")
    print_table([row(o, detection(o, period)) for o in outcomes])
    problems = [o for o in outcomes if not o.clean]
    for outcome in problems:
        print(f"\n{outcome.scenario}: stuck {outcome.stuck[:5]} lost {outcome.lost[:5]} unexpected {outcome.unexpected[:5]} missing notes {outcome.missing_notes[:5]} reservations {outcome.reservation_problems[:5]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
