"""Routing what-if from the command line: a candidate routing policy replayed against the policy
in force, priced in yuan, with the exact cost optimum as the reference.

    python -m simulation.whatif CANDIDATE.json --simulated [--orders 2000] [--seed 11]   # on a simulated day's orders and opening stock
    python -m simulation.whatif CANDIDATE.json [--last 500]                              # the last N stored orders (ORDERS_TABLE, INVENTORY_TABLE)
    python -m simulation.whatif CANDIDATE.json --local [--last 500]                      # on the embedded runtime, the labelled sample orders stored first

CANDIDATE.json holds what changes (shared/routing_whatif/candidate.py): {"strategy": "fewest-packages"},
{"max_packages": 1}, {"carriers": {"WH-CD": ["zto"]}}, {"rate_cards": {...}} or {"policy": {...}}.
The API is POST /routing/whatif with {"candidate": ..., "last": N}. Reads only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.routing import RoutingConfigError
from shared.routing_whatif.candidate import CandidatePolicy, candidate_network
from shared.routing_whatif.replay import RoutingWhatIfReport, replay


def print_report(report: RoutingWhatIfReport, listed: int = 15) -> None:
    i, c = report.in_force, report.candidate
    print(f"replayed {report.orders} orders: policy in force vs candidate ({report.candidate_description}); {report.compared} routed by both")
    print(f"{'':12}{'yuan total':>14}{'yuan/order':>12}{'packages':>10}{'late':>6}{'backordered':>13}{'vs optimum':>12}")
    for name, side in (("in force", i), ("candidate", c)):
        print(f"{name:12}{side.total_cost:>14,}{side.cost_per_order:>12}{side.packages:>10}{side.late_orders:>6}{side.backordered:>13}{side.gap_to_optimum:>+12.2%}")
    print(f"cost delta: {report.cost_delta_total:+,} yuan in total, {report.cost_delta_per_order:+} yuan per order")
    print("packages per warehouse (in force → candidate): " + ", ".join(f"{w} {i.load.get(w, 0)}→{c.load.get(w, 0)}" for w in sorted(set(i.load) | set(c.load))))
    print(f"{report.changed_count} order(s) change plan")
    for changed in report.changed[:listed]:
        delta = f"{changed.cost_delta:+} yuan" if changed.cost_delta is not None else "backorder changes"
        print(f"  {changed.order_id} {changed.channel:<9} {delta}: {changed.explanation}")
    if report.changed_count > listed:
        print(f"  … and {report.changed_count - listed} more (--json lists up to {len(report.changed)})")


def simulated(candidate: CandidatePolicy, orders: int, seed: int, warehouses: int | None) -> RoutingWhatIfReport:
    """A simulated day's orders (through the channel adapters) on the simulated world's opening stock."""
    from simulation.channels import SimCatalog, intake
    from simulation.day import placed_orders
    from simulation.demand import Demand
    from simulation.world import load_assumptions, make_world

    a = load_assumptions()
    world = make_world(a, orders, seed, warehouses)
    catalog = SimCatalog(world)
    day = [intake(p.order["channel"], payload, catalog) for p, payload in placed_orders(world, Demand(world, a, seed), [orders])]
    proposed = candidate_network(world.warehouses, candidate, catalogue=world.catalogue, base_policy=world.policy)
    return replay([(o.order_id, o) for o in day], world.stock_levels(), world.network, proposed, candidate.describe())


def stored(candidate: CandidatePolicy, last: int) -> RoutingWhatIfReport:
    from shared.aws.stores import inventory_store, order_history
    from shared.routing_whatif.usecase import routing_what_if

    return routing_what_if(last, candidate, order_history(), inventory_store())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.whatif", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidate", type=Path, help="the candidate as JSON")
    parser.add_argument("--last", type=int, default=500, help="how many of the most recently stored orders (default 500)")
    parser.add_argument("--local", action="store_true", help="on the embedded runtime with the labelled sample orders")
    parser.add_argument("--simulated", action="store_true", help="on a simulated day instead of stored orders")
    parser.add_argument("--orders", type=int, default=2000, help="with --simulated: how many orders")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--warehouses", type=int, help="with --simulated: network size")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args(argv)
    try:
        candidate = CandidatePolicy.model_validate_json(args.candidate.read_text("utf-8"))
        if args.simulated:
            report = simulated(candidate, args.orders, args.seed, args.warehouses)
        elif args.local:
            from local.runtime import LocalRuntime
            from local.seed import load_seed
            from local.whatif import store_samples

            with LocalRuntime(schedules="scaled"):
                load_seed()
                print(f"stored {store_samples(args.last)} labelled sample orders on the embedded runtime")
                report = stored(candidate, args.last)
        else:
            report = stored(candidate, args.last)
    except RoutingConfigError as refused:
        for problem in refused.problems:
            print(f"{args.candidate}: {problem}", file=sys.stderr)
        return 2
    except ValueError as refused:  # pydantic's ValidationError included: the file names the field
        print(f"{args.candidate}: {refused}", file=sys.stderr)
        return 2
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
