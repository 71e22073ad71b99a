"""The fault-injection matrix at scale: every scenario of local/fault_scenarios.py (for each
workflow step a transient error once, a throttle, a crash after the write, a permanent failure; a
crash before every publish; a duplicate SQS delivery; a duplicate execution) with N orders each
(200 by default), on one LocalRuntime, and the table a reliability reviewer reads:

  scenario | accepted | final statuses | stuck | lost | duplicate notes | DLQ depth | time to detect a stuck order

"stuck" counts orders not in a named final or waiting status once the runtime is idle; "lost"
counts accepted orders the store does not have. Usage:
  python -m benchmarks.fault_injection [--orders 200] [--only <text in a scenario name>]
"""

from __future__ import annotations

import argparse
import sys
import time

from infra import topology
from local.fault_scenarios import Outcome, matrix, run_scenario, stock_up
from local.faults import FaultInjector
from local.runtime import LocalRuntime
from local.seed import load_seed

COLUMNS = ("scenario", "accepted", "final statuses", "stuck", "lost", "duplicate notes", "DLQ depth", "time to detect a stuck order", "other problems", "seconds")


def stuck_detection_column() -> str:
    """No scenario here leaves an order stuck for the detector (each ends in a named status on its
    own): the detection delay is measured by benchmarks/stuck_detection.py, named rather than invented."""
    if any("stuck" in f.key for f in topology.FUNCTIONS):
        return "none stuck (delay: python -m benchmarks.stuck_detection)"
    return "n/a (no stuck-order detector)"


def row(outcome: Outcome, detection: str) -> list[str]:
    other = len(outcome.unexpected) + len(outcome.missing_notes) + len(outcome.reservation_problems) + len(outcome.exceptions_without_error)
    return [
        outcome.scenario,
        str(outcome.accepted),
        outcome.summary(),
        str(len(outcome.stuck)),
        str(len(outcome.lost)),
        str(outcome.duplicate_notes),
        str(outcome.dead_letters),
        detection,
        str(other),
        f"{outcome.seconds:.1f}",
    ]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(COLUMNS[i]), *(len(r[i]) for r in rows)) for i in range(len(COLUMNS))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(COLUMNS))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200, help="orders per scenario (default 200)")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this text")
    args = parser.parse_args()
    scenarios = [s for s in matrix() if args.only in s.name]
    detection = stuck_detection_column()
    started = time.monotonic()
    rows, problems = [], []
    with LocalRuntime(log_level="ERROR") as runtime:
        load_seed()
        stock_up(args.orders * len(scenarios))
        injector = FaultInjector().install(runtime)
        for scenario in scenarios:
            outcome = run_scenario(runtime, injector, scenario, args.orders, timeout=max(120.0, args.orders * 3.0))
            rows.append(row(outcome, detection))
            print(f"  {scenario.name}: {outcome.summary()} in {outcome.seconds:.1f} s", file=sys.stderr, flush=True)
            if not outcome.clean:
                problems.append((scenario.name, outcome))
        injector.uninstall()
    print(f"\nfault injection: {args.orders} orders per scenario, {len(scenarios)} scenarios, {time.monotonic() - started:.0f} s\n")
    print_table(rows)
    for name, outcome in problems:
        print(f"\n{name}: stuck {outcome.stuck[:5]} lost {outcome.lost[:5]} unexpected {outcome.unexpected[:5]} missing notes {outcome.missing_notes[:5]} reservations {outcome.reservation_problems[:5]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
