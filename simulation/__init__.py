"""oms simulate: a promotion day (Double 11) run through oms's real domain code, side by side
with a traditional process, and the KPI table of the seed computed from the simulated orders.

  world     the company: warehouses, catalogue, price list, credit accounts, opening stock
  demand    the day's orders: the midnight spike and the day's curve, channel mix, hot items,
            real destinations, the seed's error kinds
  channels  each order as its channel's payload, read back by oms's channel adapters
  stock     stock in memory with the inventory's reservation rules, replenishment and transfers
  routers   oms's exact optimiser (with a decision cache) and the traditional fixed-warehouse B0
  queueing  the automated line and the people, with their capacities and shifts
  day       the run: intake → review → (person) → routing → reservation → release, per policy
  kpis      the seed's rows from the outcomes (formulas pinned by a hand-made test)
  report    the table and the JSON; html: the self-contained ECharts report
  whatif    routing what-if on a simulated day (shared/routing_whatif does the replay)

The entry point is `simulate(...)`; `python -m simulation` and benchmarks/promotion_day.py call it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any, TextIO

from shared.review import default_rule_set
from shared.review_rules.compiler import compile_rule_set


def progress_bar(stream: TextIO = sys.stderr):
    """A plain progress bar per phase, redrawn every 1%."""

    def phase(name: str, total: int):
        done, shown = 0, -1

        def advance(n: int) -> None:
            nonlocal done, shown
            done += n
            percent = 100 * done // max(1, total)
            if percent != shown:
                shown = percent
                bar = "#" * (percent // 4) + "-" * (25 - percent // 4)
                stream.write(f"\r{name:<32} [{bar}] {percent:3d}% {done:,}/{total:,}")
                if done >= total:
                    stream.write("\n")
                stream.flush()

        return advance

    return phase


STEPS = {
    "intake": "intake (channel adapters, SKU mapping)",
    "oms_review": "oms review",
    "oms": "oms routing and reservation",
    "traditional_review": "traditional checks",
    "traditional": "traditional routing and reservation",
}


PARTS_OF_INTAKE_AND_REVIEW = frozenset({"intake", "oms_review", "traditional_review"})


def orders_per_cpu_second(orders: int, cpu: dict[str, float]) -> dict[str, int | None]:
    """Orders per CPU second of one core: oms's own pipeline (what oms does per order), the whole
    simulation (both policies) and with the generation of the orders."""
    pipeline = cpu["intake"] + cpu["oms_review"] + cpu["oms"]
    domain = cpu["intake_and_review"] + cpu["traditional"] + cpu["oms"]
    per = lambda seconds: round(orders / seconds) if seconds else None  # noqa: E731
    return {"oms_pipeline": per(pipeline), "domain": per(domain), "with_generation": per(domain + cpu["generate"])}


ACTIVE = "active"  # --rules active: the rule set in force in the review table (REVIEW_TABLE, AWS credentials)


def rule_set_for(rule_set: Path | None):
    """The shipped default set, a rule-set document from a file, or the set in force."""
    if rule_set is None:
        return default_rule_set()
    if str(rule_set) == ACTIVE:
        from shared.aws.stores import rule_set_store
        from shared.usecases.rule_sets import in_force

        return in_force(rule_set_store())
    return compile_rule_set(json.loads(rule_set.read_text("utf-8")))


def simulate(
    orders: int = 50_000,
    days: int = 1,
    seed: int = 11,
    warehouses: int | None = None,
    rule_set: Path | None = None,
    routing_policy: Path | None = None,
    assumptions: Path | None = None,
    json_path: Path | None = None,
    html_path: Path | None = None,
    show_progress: bool = True,
    out: TextIO = sys.stdout,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
) -> dict[str, Any]:
    """Simulates the days, prints the KPI table and returns the report (what --json writes).
    `progress(phase, total)` returns the phase's advance(n); the default draws a plain bar."""
    from simulation import html, report
    from simulation.day import simulate_days
    from simulation.world import load_assumptions, make_world

    a = load_assumptions(assumptions)
    rules = rule_set_for(rule_set)
    policy = json.loads(routing_policy.read_text("utf-8")) if routing_policy else None
    started = time.process_time()
    world = make_world(a, orders, seed, warehouses, policy)
    result = simulate_days(world, a, orders, days, seed, rules, progress or (progress_bar() if show_progress else None))
    # intake_and_review is the sum of intake, oms_review and traditional_review: counted once
    measured = sum(seconds for step, seconds in result.cpu_seconds.items() if step not in PARTS_OF_INTAKE_AND_REVIEW)
    cpu = dict(result.cpu_seconds, world=time.process_time() - started - measured)
    kpis = report.kpis_of(result)
    document = report.as_json(result, kpis, cpu)
    document["orders_per_cpu_second"] = speed = orders_per_cpu_second(result.orders, cpu)
    print(f"seed {seed}: {result.orders:,} orders over {days} day(s), {len(world.warehouse_ids)} warehouses, rule set {'default' if rule_set is None else rule_set}", file=out)
    print(report.table(result, kpis), file=out)
    cache = document["routing_cache"]
    print(
        f"\nspeed, orders per CPU second (one core): oms's pipeline {speed['oms_pipeline']:,} (channel adapter, review, routing with splitting, reservation); "
        f"the whole simulation {speed['domain']:,} (adds the traditional checks and the traditional policy's routing and reservation; "
        f"{speed['with_generation']:,} with order generation)",
        file=out,
    )
    print(
        "per step, orders per CPU second: " + ", ".join(f"{name} {result.orders / cpu[key]:,.0f}" for key, name in STEPS.items() if cpu.get(key)) + "; "
        f"routing decision cache hits: traditional {cache['traditional']['hits']:,}/{cache['traditional']['hits'] + cache['traditional']['misses']:,}, "
        f"oms {cache['oms']['hits']:,}/{cache['oms']['hits'] + cache['oms']['misses']:,}",
        file=out,
    )
    if json_path:
        json_path.write_text(json.dumps(document, ensure_ascii=False, indent=1, default=str), "utf-8")
        print(f"wrote {json_path}", file=out)
    if html_path:
        html.write(json.loads(json.dumps(document, default=str)), html_path)
        print(f"wrote {html_path}", file=out)
    return document
