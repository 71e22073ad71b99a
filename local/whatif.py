"""What-if replay from the command line: a candidate rule set against the last N stored orders,
compared with the rule set in force.

    python -m local.whatif CANDIDATE.json [--last 500]        # against the tables in ORDERS_TABLE / REVIEW_TABLE
    python -m local.whatif --version 3 [--last 500]           # a stored version instead of a file
    python -m local.whatif CANDIDATE.json --local             # on the embedded runtime, with the labelled sample orders stored first

Against AWS it needs the same environment a Lambda function has (ORDERS_TABLE, REVIEW_TABLE and
credentials allowed to read them). It only reads: nothing is stored or activated.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.aws.stores import order_history, order_store, reference_store, rule_set_store
from shared.lifecycle import Actor, OrderStatus, TimelineEntry
from shared.review_rules.problems import RuleSetInvalid
from shared.review_rules.replay import WhatIfReport
from shared.usecases.what_if import what_if

SAMPLES = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "review_labelled_orders.jsonl"


def print_report(report: WhatIfReport, candidate_name: str) -> None:
    print(f"replayed {report.orders} stored orders: rule set in force (version {report.in_force_version}) vs {candidate_name}")
    print(f"{'':12}{'approved':>10}{'held':>8}{'rejected':>10}")
    for name, counts in (("in force", report.in_force), ("candidate", report.candidate)):
        print(f"{name:12}{counts.APPROVED:>10}{counts.ON_HOLD:>8}{counts.REJECTED:>10}")
    print(f"{report.changed_count} order(s) change decision")
    for changed in report.changed[:50]:
        print(f"  {changed.order_id} {changed.channel:<9} {changed.external_id:<14} {changed.in_force.value} → {changed.candidate.value}: {', '.join(changed.candidate_findings) or 'no findings'}")
    if report.changed_count > 50:
        print(f"  … and {report.changed_count - 50} more (--json lists up to 500)")
    moved = {rule: f for rule, f in report.rules.items() if f.in_force != f.candidate}
    for rule, firings in moved.items():
        print(f"  rule {rule}: fires on {firings.in_force} → {firings.candidate} orders")


def store_samples(count: int) -> int:
    """Stores the first `count` labelled sample orders, as intake would (status RECEIVED)."""
    from shared.orders import OrderIn

    store = order_store()
    rows = [json.loads(line) for line in SAMPLES.read_text("utf-8").splitlines()[:count]]
    for row in rows:
        order = OrderIn.model_validate(row["order"])
        store.create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="sample", actor=Actor.system("whatif")))
    return len(rows)


def run(args: argparse.Namespace) -> int:
    document = json.loads(Path(args.candidate).read_text("utf-8")) if args.candidate else None
    try:
        report = what_if(args.last, rule_set_store(), order_history(), reference_store(), document, args.version)
    except RuleSetInvalid as refused:
        for problem in refused.problems:
            print(f"{args.candidate}: {problem.location}: {problem.message}", file=sys.stderr)
        return 2
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print_report(report, args.candidate or f"version {args.version}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidate", nargs="?", help="a rule-set JSON file")
    parser.add_argument("--version", type=int, help="a stored rule-set version instead of a file")
    parser.add_argument("--last", type=int, default=500, help="how many of the most recently stored orders (default 500)")
    parser.add_argument("--local", action="store_true", help="run on the embedded runtime with the labelled sample orders")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args(argv)
    if (args.candidate is None) == (args.version is None):
        parser.error("give a candidate file or --version")
    if not args.local:
        return run(args)
    from local.runtime import LocalRuntime
    from local.seed import load_seed

    with LocalRuntime(schedules="scaled"):
        load_seed()
        print(f"stored {store_samples(args.last)} labelled sample orders on the embedded runtime")
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
