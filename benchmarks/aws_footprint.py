"""The AWS footprint of an order, from counted calls: N orders through the local runtime (a held
share approved by a person), every AWS request counted by service, operation and function,
DynamoDB units from item sizes (index writes and transactions included), then cost per 1,000
orders by service and a capacity table at the peak rate against the default quotas.

  python -m benchmarks.aws_footprint                         # 60 orders, 12% held, at 1,200 orders/s
  python -m benchmarks.aws_footprint --orders 20 --json
  python -m benchmarks.aws_footprint --write-docs            # also rewrite docs/architecture.md's block
  python -m benchmarks.aws_footprint --from-tally            # re-price the stored run (no runtime)
  python -m benchmarks.aws_footprint --from-tally --tally benchmarks/data/aws_footprint_tally_main.json
                                    # the count before the keys, sizing and logging changes (main's design)

The run's counts are stored in benchmarks/data/aws_footprint_tally.json and the model's output in
benchmarks/data/aws_footprint.json when --write-docs is given; tests/unit/test_aws_footprint.py
re-runs the model on the stored counts and checks the docs against it. Method and assumptions:
benchmarks/footprint/ (units.py, recorder.py, model.py) and benchmarks/data/aws_prices.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.footprint.model import model
from benchmarks.footprint.report import text, write_docs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
TALLY_FILE = DATA / "aws_footprint_tally.json"
RESULT_FILE = DATA / "aws_footprint.json"

# by_status's partition key "<STATUS>#<shard>": the write sharding comes with the stuck-order
# work (another branch); until it is merged the model assumes it, with this many shards, the
# fewest that keep a status key under a third of a partition's 1,000 WCU/s at 1,200 orders/s
# (each order puts and deletes one keys-only entry per status: 2 WCU × 1,200 / 8 = 300).
STATUS_SHARDS = 8


def assumptions() -> dict[str, Any]:
    # cdk.json read as JSON: importing infra.config would start the CDK's JavaScript runtime.
    prod = json.loads((ROOT / "cdk.json").read_text("utf-8"))["context"]["oms:environments"]["prod"]
    return {"status_shards": STATUS_SHARDS, "workflow_log_level": str(prod.get("workflow_log_level", "ALL")).upper()}


def concurrency_quotas() -> dict[str, tuple[int, float]]:
    """Each environment's Lambda concurrency quota and API throttle (orders/s at most) as cdk.json
    sets them (decision 205)."""
    environments = json.loads((ROOT / "cdk.json").read_text("utf-8"))["context"]["oms:environments"]
    return {name: (int(s["lambda_concurrency_quota"]), float(s["api_throttle_rate_limit"])) for name, s in environments.items()}


def priced(stored: dict[str, Any], rate: float = 1200.0, **overrides: Any) -> dict[str, Any]:
    settings = {**stored["assumed"], **overrides}
    return model(
        stored["tally"],
        stored["orders"],
        rate=rate,
        status_shards=settings["status_shards"],
        workflow_log_level=settings["workflow_log_level"],
        memory_mb=stored.get("memory_mb"),
        concurrency_quotas=concurrency_quotas(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--held-share", type=float, default=0.12)
    parser.add_argument("--rate", type=float, default=1200.0, help="orders per second at the peak")
    parser.add_argument("--status-shards", type=int, help="assume by_status written over this many shards")
    parser.add_argument("--from-tally", action="store_true", help="re-price the stored run instead of running orders")
    parser.add_argument("--tally", type=Path, default=TALLY_FILE, help="with --from-tally: the stored run to re-price")
    parser.add_argument("--save-tally", type=Path, help="also store this run's counts here (re-price later with --from-tally --tally)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    if args.from_tally:
        stored = json.loads(args.tally.read_text("utf-8"))
    else:
        from benchmarks.footprint.run import run_orders

        recorder, outcome = run_orders(args.orders, args.held_share)
        from infra import topology

        memory = {f.key: f.memory_mb for f in topology.FUNCTIONS}
        stored = {"orders": outcome["accepted"], "outcome": outcome, "assumed": assumptions(), "memory_mb": memory, "tally": recorder.tally.to_json()}
    if args.save_tally and not args.from_tally:
        args.save_tally.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", "utf-8")
    overrides = {"status_shards": args.status_shards} if args.status_shards else {}
    result = priced(stored, args.rate, **overrides)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        if "outcome" in stored:
            print(f"run: {stored['outcome']}")
        print(text(result))
    if args.write_docs:
        TALLY_FILE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", "utf-8")
        RESULT_FILE.write_text(json.dumps(result, indent=1, sort_keys=True, default=str) + "\n", "utf-8")
        write_docs(result)
        print(f"wrote {TALLY_FILE.name}, {RESULT_FILE.name} and docs/architecture.md")


if __name__ == "__main__":
    main()
