"""python -m simulation [--orders 50000] [--days 1] [--seed 11] [--warehouses 8]
                        [--rules RULES.json] [--routing-policy POLICY.json] [--assumptions A.json]
                        [--json out.json] [--html out.html] [--quiet]

A promotion day through oms's domain code, the seed's KPI table side by side (traditional vs oms).
The routing what-if is `python -m simulation.whatif`. docs/simulation.md explains every row."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shared.review_rules.problems import RuleSetInvalid
from shared.routing import RoutingConfigError
from simulation import simulate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=50_000, help="orders on the first day (later days: the assumptions' later_days_scale)")
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--warehouses", type=int, help="network size, 4..16 (default: the assumptions file)")
    parser.add_argument("--rules", type=Path, help="a review rule-set document, or 'active' for the set in force in REVIEW_TABLE (default: the shipped default set)")
    parser.add_argument("--routing-policy", type=Path, help="a routing policy like shared/data/routing_policy.json")
    parser.add_argument("--assumptions", type=Path, help="another simulation/data/assumptions.json")
    parser.add_argument("--json", type=Path, help="write the report as JSON")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML report with ECharts plots")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.days < 1:
        parser.error("--orders and --days must be at least 1")
    try:
        simulate(args.orders, args.days, args.seed, args.warehouses, args.rules, args.routing_policy, args.assumptions, args.json, args.html, not args.quiet)
    except RuleSetInvalid as refused:
        for problem in refused.problems:
            print(f"{args.rules}: {problem.location}: {problem.message}", file=sys.stderr)
        return 2
    except (RoutingConfigError, ValueError, FileNotFoundError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
