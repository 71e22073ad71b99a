"""Every decision of a simulated day, as plain text, to prove a speed-up changes none of them.

A record per order and policy: the review decision (oms) or whether the traditional checks flag
it, then what happened: rejected, released (when, from which warehouses, its routing cost, packages,
late packages, whether it shipped transferred units) or still backordered. Two runs of the same
day agree on every record exactly when they took the same decisions at the same moments against
the same stock.

    python -m simulation.decisions --write tests/unit/data/day_decisions_seed11.txt.gz

writes the records of the day `tests/unit/test_simulation_decisions.py` compares against (taken
with the code before the speed-ups of decision 128). Regenerate it only for a change that is meant
to change decisions (a new rule, a new cost model), and say so in that change.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
from pathlib import Path

from shared.review import default_rule_set
from simulation.day import DayResult, orders_by_day, placed_orders, review_all, simulate_days, traditional_rules
from simulation.demand import Demand
from simulation.world import load_assumptions, make_world

ORDERS, SEED, WAREHOUSES = 2_000, 11, 8  # the day the fixture holds


def records(result: DayResult) -> list[str]:
    out = []
    for policy, run in result.runs.items():
        for o in run.outcomes:
            fate = (
                "rejected" if o.rejected
                else f"released {o.released_at!r} {','.join(o.warehouses)} {o.cost_fen} {o.packages} {o.late_packages} {int(o.from_transfer)}" if o.released
                else "backordered"
            )  # fmt: skip
            out.append(f"{policy} {o.seq} {o.label} reviewed {o.reviewed_at!r} person {int(o.person_reviewed)}{int(o.person_arranged)} caught {int(o.caught)} {fate}")
        out.append(f"{policy} replenished {run.replenished_units} transfers {len(run.stock.transfers)}")
    return out


def day_records(orders: int = ORDERS, seed: int = SEED, warehouses: int = WAREHOUSES) -> list[str]:
    a = load_assumptions()
    world = make_world(a, orders, seed, warehouses, None)
    return records(simulate_days(world, a, orders, 1, seed, default_rule_set()))


class _Recorded:
    """A compiled rule set whose every review's findings are written down, by order."""

    def __init__(self, rules, name: str, out: dict[str, list[str]]):
        self.rules, self.name, self.out = rules, name, out
        self.lookback_minutes = rules.lookback_minutes

    def review(self, order, context, order_id):
        return self._written(order_id, self.rules.review(order, context, order_id))

    def review_subject(self, subject):
        return self._written(subject.order_id, self.rules.review_subject(subject))

    def _written(self, order_id, result):
        self.out.setdefault(order_id, []).extend(f"  {self.name} {f.rule_id} {f.severity.value} {f.reason_en} | {f.reason_zh}" for f in result.findings)
        return result


def review_records(orders: int = ORDERS, seed: int = SEED) -> list[str]:
    """Per order of the day: what intake made of its channel payload (a hash of the whole canonical
    order) and oms's decision, then every finding of oms's review and of the traditional checks, in
    order, with its severity and both reasons. Speed-ups of intake and review must leave each
    record as it was."""
    a = load_assumptions()
    world = make_world(a, orders, seed, WAREHOUSES, None)
    placed = placed_orders(world, Demand(world, a, seed), orders_by_day(orders, 1, 1))
    oms_found: dict[str, list[str]] = {}
    traditional_found: dict[str, list[str]] = {}
    rules, traditional = _Recorded(default_rule_set(), "oms", oms_found), _Recorded(traditional_rules(a["traditional"]["checks"]), "traditional", traditional_found)
    out = []
    for r in review_all(world, placed, rules, traditional, a["people"]["catch_probability"], seed, lambda n: None):  # type: ignore[arg-type]
        order_id = r.order.order_id
        content = hashlib.sha256(r.order.model_dump_json().encode()).hexdigest()[:16]
        out.append(f"{r.placed.seq} {order_id} {content} {r.oms.value} flagged {int(r.traditional_flagged)}")
        out += oms_found.pop(order_id, []) + traditional_found.pop(order_id, [])
    return out


def read(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.decisions", description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, required=True, help="where to write the gzipped records")
    parser.add_argument("--review", action="store_true", help="write the review records (intake and findings) instead of the day's decisions")
    args = parser.parse_args(argv)
    lines = review_records() if args.review else day_records()
    args.write.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    print(f"wrote {len(lines)} records to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
