"""Instructions per order of the simulation's intake and oms review, counted by valgrind's
callgrind: a figure the machine's load does not move (timings on a shared machine moved by ±30%
between runs of the same code, decision 179). Run it on two trees to compare them:

    python -m benchmarks.intake_review_instructions              # 300 orders of seed 11's day
    python -m benchmarks.intake_review_instructions --orders 500 --seed 12

The day's first orders (after 30 that warm the process up: schemas built, rules compiled) are
taken in by their channel adapters and SKU mapping, then reviewed in placed order, each added to
the recent orders after its review, as `simulation.day.review_all` does. The payloads are made
before valgrind starts (pickled to a temporary file), so only intake and review are counted:
callgrind's instrumentation is switched on around each step. Needs `valgrind` on PATH; takes
about a minute.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path

WARM_UP = 30


def _payloads(orders: int, seed: int, path: Path) -> None:
    from simulation.channels import SimCatalog, payload_of
    from simulation.demand import Demand
    from simulation.world import load_assumptions, make_world

    a = load_assumptions()
    world = make_world(a, orders + WARM_UP, seed, 8, None)
    day = Demand(world, a, seed).day(0, orders + WARM_UP)
    payloads = [(p.order["channel"], payload_of(p.order, world)) for p in day][: orders + WARM_UP]
    path.write_bytes(pickle.dumps({"payloads": payloads, "reference": world.reference, "catalog": SimCatalog(world)}))


def _measured(path: Path, step: str) -> None:
    """Runs under callgrind: instrumentation on only around `step`."""
    from shared.recent_orders import RecentOrders
    from shared.review import ReviewContext, default_rule_set
    from shared.review_rules.subject import Subject
    from simulation.channels import intake

    inputs = pickle.loads(path.read_bytes())
    rules, recent = default_rule_set(), RecentOrders()
    context = ReviewContext(inputs["reference"], recent)

    def review(orders: list) -> None:
        for order in orders:
            subject = Subject(order.order_id, order, context)
            recent.add(subject.recent_order(rules.review_subject(subject).decision.value))

    def instrument(on: bool) -> None:
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], stdout=subprocess.DEVNULL, check=True)

    payloads, catalog = inputs["payloads"], inputs["catalog"]
    review([intake(channel, payload, catalog) for channel, payload in payloads[:WARM_UP]])
    instrument(step == "intake")
    orders = [intake(channel, payload, catalog) for channel, payload in payloads[WARM_UP:]]
    instrument(step == "review")
    review(orders)
    instrument(False)


def _instructions(path: Path, step: str, folder: Path) -> int:
    out = folder / f"callgrind.{step}"
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", sys.executable, "-m", "benchmarks.intake_review_instructions", "--measure", str(path), step],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
    )
    return int(re.search(r"^totals:\s*(\d+)", out.read_text(), re.M).group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.intake_review_instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--measure", nargs=2, metavar=("INPUTS", "STEP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        _measured(Path(args.measure[0]), args.measure[1])
        return 0
    with tempfile.TemporaryDirectory() as folder:
        inputs = Path(folder) / "inputs.pickle"
        _payloads(args.orders, args.seed, inputs)
        counts = {step: _instructions(inputs, step, Path(folder)) / args.orders for step in ("intake", "review")}
    print(f"seed {args.seed}, {args.orders} orders after {WARM_UP} warming up: intake (channel adapters, SKU mapping) {counts['intake']:,.0f} instructions per order, oms review {counts['review']:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
