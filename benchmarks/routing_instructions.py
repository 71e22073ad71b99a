"""Instructions per order of the simulation's oms routing and reservation, counted by valgrind's
callgrind: a figure the machine's load does not move (same-moment timings on the shared machine
still moved by ±20% between runs of the same code). Run it on two trees to compare them:

    python -m benchmarks.routing_instructions                # 1,000 orders of seed 11's day
    python -m benchmarks.routing_instructions --orders 2000 --seed 12
    cd OTHER_TREE && PYTHONPATH=$PWD python /path/to/benchmarks/routing_instructions.py   # the same count on another tree

The day is generated, taken in and reviewed as `simulation.day` does (uninstrumented), then oms's
policy routes and reserves every order (`simulation.day.run_policy("oms", ...)`: the automated
line, people, routing with splitting, reservation, replenishment and transfers) with callgrind's
instrumentation switched on around that step only. Needs `valgrind` on PATH; takes a minute or two.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def _measured(orders: int, seed: int) -> None:
    """Runs under callgrind: instrumentation on only around oms's routing and reservation."""
    from shared.review import default_rule_set
    from simulation.day import orders_by_day, placed_orders, review_all, run_policy, traditional_rules
    from simulation.demand import Demand
    from simulation.world import load_assumptions, make_world

    a = load_assumptions()
    world = make_world(a, orders, seed, None, None)
    demand = Demand(world, a, seed)
    placed = placed_orders(world, demand, orders_by_day(orders, 1, a["day"]["later_days_scale"]))
    traditional = traditional_rules(a["traditional"]["checks"])
    reviewed = review_all(world, placed, default_rule_set(), traditional, a["people"]["catch_probability"], seed, lambda n: None)
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], stdout=subprocess.DEVNULL, check=True)
    run_policy("oms", reviewed, world, a, demand.start)
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], stdout=subprocess.DEVNULL, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.routing_instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        _measured(args.orders, args.seed)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.routing"
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", sys.executable, str(Path(__file__).resolve()), "--measure", "--orders", str(args.orders), "--seed", str(args.seed)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path.cwd(),
        )
        total = int(re.search(r"^totals:\s*(\d+)", out.read_text(), re.M).group(1))
    print(f"seed {args.seed}, {args.orders:,} orders: oms routing and reservation {total / args.orders:,.0f} instructions per order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
