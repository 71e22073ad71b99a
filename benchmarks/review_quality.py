"""Review quality and speed of the default rule set on the labelled sample set
(benchmarks/data/review_labelled_orders.jsonl: clean orders and orders with one seeded error).

    python -m benchmarks.review_quality [--decisions 40000]

Prints the share of seeded errors caught (the seeded rule fired and the order was not approved),
the share of clean orders held, the overall hold rate, and review decisions per second per core
(CPU time of one process, so other work on the machine does not count against it).
The orders are reviewed in placed order, each seeing the orders before it, as the workflow does.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from local.seed import review_reference
from shared.orders import OrderIn
from shared.recent_orders import RecentOrder, RecentOrders
from shared.review import Decision, ReviewContext, default_rule_set

SAMPLES = Path(__file__).resolve().parent / "data" / "review_labelled_orders.jsonl"
_STATUS = {Decision.APPROVED: "APPROVED", Decision.ON_HOLD: "ON_HOLD", Decision.REJECTED: "REJECTED"}


def load(path: Path = SAMPLES) -> list[tuple[str, str | None, OrderIn]]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [(r["label"], r["expect_rule"], as_stored(r["order"])) for r in rows]


def as_stored(order: dict) -> OrderIn:
    """The order as review reads it from the store. A line of quantity 0 is refused at the door
    (decisions.md 36); review's rule for it guards orders stored before: such a line is built
    valid, then given its stored quantity."""
    zero = [i for i, line in enumerate(order["lines"]) if line.get("quantity") == 0]
    valid = OrderIn.model_validate({**order, "lines": [{**line, "quantity": 1} if i in zero else line for i, line in enumerate(order["lines"])]})
    for i in zero:
        valid.lines[i] = valid.lines[i].model_copy(update={"quantity": 0})
    return valid


def quality(samples: list[tuple[str, str | None, OrderIn]]) -> dict:
    rules = default_rule_set()
    reference = review_reference().data()
    recent = RecentOrders()
    decisions: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    seeded: Counter[str] = Counter()
    clean_held: list[tuple[str, str, list[str]]] = []
    missed: list[tuple[str, str, list[str]]] = []
    for label, expected, order in samples:
        result = rules.review(order, ReviewContext(reference, recent))
        fired = [f.rule_id for f in result.findings]
        decisions[result.decision.value] += 1
        if expected is None:
            if result.decision != Decision.APPROVED:
                clean_held.append((label, order.external_id, fired))
        else:
            seeded[label] += 1
            if expected in fired and result.decision != Decision.APPROVED:
                caught[label] += 1
            else:
                missed.append((label, order.external_id, fired))
        recent.add(RecentOrder.of(order.order_id, order, _STATUS[result.decision]))
    clean = sum(1 for _, expected, _ in samples if expected is None)
    return {"orders": len(samples), "clean": clean, "decisions": decisions, "seeded": seeded, "caught": caught, "clean_held": clean_held, "missed": missed}


def speed(samples: list[tuple[str, str | None, OrderIn]], decisions: int) -> tuple[float, float]:
    rules = default_rule_set()
    context = ReviewContext(review_reference().data(), RecentOrders(RecentOrder.of(o.order_id, o, "APPROVED") for _, _, o in samples))
    orders = [(o.order_id, o) for _, _, o in samples]
    rounds = max(1, decisions // len(orders))
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        for order_id, order in orders:
            rules.review(order, context, order_id)
    done = rounds * len(orders)
    return done / (time.process_time() - cpu), done / (time.perf_counter() - wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=40_000, help="how many decisions to time")
    args = parser.parse_args()
    samples = load()
    q = quality(samples)
    errors, caught = sum(q["seeded"].values()), sum(q["caught"].values())
    held = q["decisions"]["ON_HOLD"]
    print(f"labelled sample set: {q['orders']} orders, {q['clean']} clean, {errors} with a seeded error ({len(q['seeded'])} kinds)")
    print(f"decisions: {dict(q['decisions'])}")
    print(f"seeded errors caught:        {caught}/{errors} = {caught / errors:.1%}   (goal ≥ 99%)")
    print(f"clean orders held:           {len(q['clean_held'])}/{q['clean']} = {len(q['clean_held']) / q['clean']:.1%}")
    print(f"overall hold rate (ON_HOLD): {held}/{q['orders']} = {held / q['orders']:.1%}   (goal ≤ 12%)")
    for label, external_id, fired in q["missed"]:
        print(f"  missed {label}: {external_id} fired {fired}")
    for label, external_id, fired in q["clean_held"]:
        print(f"  clean but held ({label}): {external_id} fired {fired}")
    per_core, wall = speed(samples, args.decisions)
    print(f"review decisions per second per core (default rule set, {len(default_rule_set().rules)} rules): {per_core:,.0f} CPU-bound ({wall:,.0f} by wall clock)   (goal ≥ 20,000)")


if __name__ == "__main__":
    main()
