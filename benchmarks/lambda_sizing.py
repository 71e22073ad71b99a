"""Lambda memory per function from measured durations (docs/decisions.md, decision 159).

  python -m benchmarks.lambda_sizing            # the stored footprint run, re-priced per size
  python -m benchmarks.lambda_sizing --json

Reads the counts of the last footprint run (benchmarks/data/aws_footprint_tally.json, written by
`python -m benchmarks.aws_footprint --write-docs`): each function's CPU per invocation and its AWS
requests. The footprint model (benchmarks/footprint/model.py) turns them into a duration at a
given memory: CPU × 1,769 / memory (below 1,769 MB a function gets memory/1,769 of a vCPU) plus a
typical latency per AWS request (the wait). Billed GB-seconds are then

    CPU × 1,769 / 1,024  +  wait × memory / 1,024

so memory costs only while a function waits, and what it buys is a shorter duration: latency on
an order's path and fewer concurrent executions at the peak (the account quota).

The rule: each function the run exercised gets the smallest size whose modelled duration is at
most STEP_BUDGET_MS (an order passes six Lambda steps before its outbound note: at ≤ 150 ms each,
under a second of it is Lambda), never under FLOOR_MB. Functions off an order's path (the release
publisher, scheduled sweeps, reconcilers) take FLOOR_MB: nobody waits on them. A stream consumer that must keep pace
with a shard (PACED: the operations aggregator) gets the smallest size that counts a full batch in
the time a peak shard takes to fill one. CPU measured on a
shared machine moves by a third between runs, so a deployed size is flagged (*) only when it is
over the budget, or when the next size down is within 80% of it: a size at the edge stays.
"""

from __future__ import annotations

import argparse
import copy
import json
from typing import Any

from benchmarks.aws_footprint import TALLY_FILE, priced
from infra import topology

SIZES = (256, 512, 1024, 1536, 1769)
STEP_BUDGET_MS = 150.0
# A function's process (Python, botocore with its DynamoDB model, pydantic, Powertools and oms's
# modules) holds about 100 MB before its first order; 128 MB leaves no room for a batch.
FLOOR_MB = 256
OFF_PATH = {"release_publisher", "operations_snapshot", "reservation_sweeper", "hold_escalator", "stuck_orders", "reconciliation_scheduler", "warehouse_reconciler", "reconciler"}
# A stream consumer reads each shard one batch at a time: it must count a full batch faster than a
# shard fills one at the peak, or the console's figures fall behind. At 1,200 orders/s about 6,000
# order changes a second reach the aggregator over the orders stream's shards (one per table
# partition: 20 or more at the peak's write units), so about 300 a second per shard (decision 239).
PACED = {"operations_aggregator": 300.0}  # function -> changes per second a shard must be kept up with


def sizing(stored: dict[str, Any]) -> dict[str, Any]:
    """Per function: CPU, wait, and at each size its duration, Lambda $ per 1,000 orders and peak
    concurrency; the rule's size beside the topology's."""
    deployed = {f.key: f.memory_mb for f in topology.FUNCTIONS}
    base = priced(stored)
    rows = {}
    for function, measured in base["lambdas"].items():
        full_batch = _full_batch_scale(function, stored)
        if measured["invocations_per_order"] < 0.05 and full_batch is None:  # too few calls in the run to size from
            continue
        at = {}
        for mb in SIZES:
            trial = copy.deepcopy(stored)
            trial["memory_mb"] = {**(trial.get("memory_mb") or {}), function: mb}
            result = priced(trial)
            at[mb] = {
                # A paced consumer's duration is a full batch's: the run's batches scaled to it.
                "duration_ms": result["lambdas"][function]["duration_ms"] * (full_batch or 1.0),
                "lambda_per_1000": result["cost_per_1000"]["Lambda"],
                "concurrency": result["lambdas"][function]["concurrency"],
            }
        stretch = max(1.0, 1769 / measured["memory_mb"])
        budget = _batch_budget_ms(function) if function in PACED else STEP_BUDGET_MS
        within = [mb for mb in SIZES if at[mb]["duration_ms"] <= budget]
        chosen = FLOOR_MB if function in OFF_PATH else (within[0] if within else SIZES[-1])
        rows[function] = {
            "invocations_per_order": measured["invocations_per_order"],
            "cpu_ms": measured["cpu_ms"],
            "wait_ms": measured["duration_ms"] - measured["cpu_ms"] * stretch,
            "deployed_mb": deployed[function],
            "rule_mb": max(FLOOR_MB, chosen),
            "at": at,
        }
    return {"lambda_per_1000": base["cost_per_1000"]["Lambda"], "concurrency": base["lambda_concurrency"], "functions": rows}


def _full_batch_scale(function: str, stored: dict[str, Any]) -> float | None:
    """For a paced stream consumer: a full batch's records over the run's records per invocation
    (the run's batches are partial: 60 orders are a few hundred changes), by which its measured
    duration is scaled, CPU and waits alike (an upper bound: the items a batch writes grow more
    slowly than its records). None for another function, or a tally without record counts."""
    if function not in PACED:
        return None
    record = stored["tally"]["invocations"].get(function) or {}
    if not record.get("records") or not record.get("count"):
        return None
    return max(1.0, topology.stream_consumer_of(function).batch_size / (record["records"] / record["count"]))


def _batch_budget_ms(function: str) -> float:
    """How long a paced stream consumer may take over a full batch."""
    return topology.stream_consumer_of(function).batch_size / PACED[function] * 1000


def _should_change(function: str, row: dict[str, Any]) -> bool:
    deployed = row["deployed_mb"]
    if function in OFF_PATH:
        return deployed != FLOOR_MB
    if deployed not in row["at"]:
        return True
    budget = _batch_budget_ms(function) if function in PACED else STEP_BUDGET_MS
    if row["at"][deployed]["duration_ms"] > budget and deployed < SIZES[-1]:
        return True
    smaller = [mb for mb in SIZES if FLOOR_MB <= mb < deployed]
    return bool(smaller) and row["at"][smaller[-1]]["duration_ms"] <= 0.8 * budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = sizing(json.loads(TALLY_FILE.read_text("utf-8")))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Lambda $ per 1,000 orders {result['lambda_per_1000']:.5f}, peak concurrency {result['concurrency']:,.0f} (as deployed, {TALLY_FILE.name})")
    print(f"at each size: modelled duration ms / this function's memory's change of Lambda $ per 1,000 orders / concurrency at 1,200 orders/s; rule: smallest size ≤ {STEP_BUDGET_MS:.0f} ms, off-path {FLOOR_MB} MB, a paced stream consumer's full batch within a peak shard's pace")
    header = " ".join(f"{mb:>20}" for mb in SIZES)
    print(f"{'function':<22} {'inv/ord':>7} {'CPU ms':>7} {'wait ms':>7} {'deployed':>8} {'rule':>5}  {header}")
    for function, row in sorted(result["functions"].items(), key=lambda kv: -kv[1]["at"][kv[1]["deployed_mb"]]["concurrency"]):
        here = row["at"][row["deployed_mb"]]["lambda_per_1000"]
        cells = " ".join(f"{a['duration_ms']:>6.0f} {1e5 * (a['lambda_per_1000'] - here):+6.1f}e-5 {a['concurrency']:>4.0f}" for a in row["at"].values())
        mark = " *" if _should_change(function, row) else ""
        print(f"{function:<22} {row['invocations_per_order']:>7.2f} {row['cpu_ms']:>7.1f} {row['wait_ms']:>7.1f} {row['deployed_mb']:>8} {row['rule_mb']:>5}  {cells}{mark}")


if __name__ == "__main__":
    main()
