"""Routing quality and speed: on the same orders, the traditional ways (B0–B2), oms, and the exact
per-order optimum of the same cost model (a MILP solved by HiGHS).

  python -m benchmarks.routing_benchmark                      # 8, 16 and 30 warehouses, 400 orders each
  python -m benchmarks.routing_benchmark --warehouses 30 --orders 1000 --latency-orders 500
  python -m benchmarks.routing_benchmark --warehouses 30 --orders 0 --latency-orders 1000   # latency only
  python -m benchmarks.routing_benchmark --warehouses 30 --orders 0 --latency-orders 0 --config-orders 300  # every configuration

Every plan is priced by oms's cost model (shared/routing/costs.py): handling, first and further
kilograms by zone with the cheapest carrier, the extra-package penalty and the late penalty.
Costs are compared on the orders every method can ship; an order short of stock everywhere is
backordered by all and counted apart. Decision latency is CPU time per order (the machine is
shared, so wall time is shown beside it), from the order's lines, stock and network to an
explained decision for oms, and to a plan for the baselines.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.routing_baselines import Allocation, closest_line_by_line, fewest_packages_then_closest, fixed_priority
from benchmarks.routing_milp import optimum
from benchmarks.routing_world import World, make_orders, make_world
from shared.routing import RoutingDecision, RoutingRequest, StockLevel, Unroutable, plan_order
from shared.routing.costs import billed_kg
from shared.routing.planner import Prepared, prepare

METHODS = ("B0 fixed priority", "B1 fewest packages, closest", "B2 closest line by line", "oms", "MILP optimum")


@dataclass
class Outcome:
    cost_fen: int
    packages: int
    late_packages: int


@dataclass
class Tally:
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # order number -> outcome
    cpu_s: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)


def price(prepared: Prepared, allocation: Allocation, extra_package_fen: int) -> Outcome:
    cost, late = extra_package_fen * (len(allocation) - 1), 0
    for j, units in allocation.items():
        grams = sum(u * item.unit_g for u, item in zip(units, prepared.demand.items))
        quote = prepared.lanes[j].quote(billed_kg(grams))
        cost += quote.fen(billed_kg(grams))
        late += quote.late
    return Outcome(cost, len(allocation), late)


def timed(tally: Tally, work: Callable[[], Outcome | None]) -> Outcome | None:
    cpu, wall = time.process_time_ns(), time.perf_counter_ns()
    outcome = work()
    tally.cpu_s.append((time.process_time_ns() - cpu) / 1e9)
    tally.wall_s.append((time.perf_counter_ns() - wall) / 1e9)
    return outcome


def run(world: World, orders: list[RoutingRequest], with_milp: bool = True) -> tuple[dict[str, Tally], int]:
    network = world.network
    strategy = network.strategy_for(None)
    by_sku: dict[str, list[StockLevel]] = defaultdict(list)
    for level in world.stock:
        by_sku[level.sku].append(level)
    baselines = {
        METHODS[0]: fixed_priority(world.priority),
        METHODS[1]: fewest_packages_then_closest,
        METHODS[2]: closest_line_by_line,
    }
    tallies = {name: Tally() for name in METHODS}
    backordered = 0
    for number, order in enumerate(orders):
        stock = [level for sku, _ in order.lines for level in by_sku[sku]]  # as the stock store reads it
        if isinstance(prepare(order, network, stock), Unroutable):
            backordered += 1
            continue
        for name, plan in baselines.items():
            def baseline(plan=plan) -> Outcome:
                prepared = prepare(order, network, stock)
                return price(prepared, plan(prepared), network.extra_package_fen)

            tallies[name].outcomes[number] = timed(tallies[name], baseline)

        def oms() -> Outcome | None:
            decided = plan_order(order, network, stock)
            if not isinstance(decided, RoutingDecision):
                return None
            chosen = decided.chosen
            return Outcome(int(chosen.total_cost * 100), chosen.packages, chosen.late_packages)

        if (found := timed(tallies["oms"], oms)) is not None:
            tallies["oms"].outcomes[number] = found
        if with_milp:
            prepared = prepare(order, network, stock)

            def milp() -> Outcome | None:
                best = optimum(prepared, network.extra_package_fen, strategy.max_packages)
                return None if best is None else Outcome(best.cost_fen, best.packages, best.late_packages)

            if (best := timed(tallies["MILP optimum"], milp)) is not None:
                tallies["MILP optimum"].outcomes[number] = best
    return tallies, backordered


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(title: str, tallies: dict[str, Tally], backordered: int, orders: int) -> None:
    common = set.intersection(*(set(t.outcomes) for t in tallies.values() if t.cpu_s))
    b0_cost = statistics.fmean(tallies[METHODS[0]].outcomes[n].cost_fen for n in common) if common else 0
    milp = tallies["MILP optimum"]
    milp_cost = statistics.fmean(milp.outcomes[n].cost_fen for n in common) if milp.cpu_s and common else None
    print(f"\n{title}: {orders} orders, {len(common)} shipped by every method, {backordered} short of stock everywhere")
    print(f"{'method':<29} {'yuan/order':>10} {'vs B0':>7} {'vs MILP':>8} {'pkgs/order':>10} {'late orders':>11} {'p50 ms':>7} {'p99 ms':>7} {'orders/s':>9}")
    for name in METHODS:
        tally = tallies[name]
        if not tally.cpu_s:
            continue
        outcomes = [tally.outcomes[n] for n in common]
        cost = statistics.fmean(o.cost_fen for o in outcomes) if outcomes else 0.0
        late = sum(o.late_packages > 0 for o in outcomes)
        print(
            f"{name:<29} {cost / 100:>10.2f} {cost / b0_cost - 1:>+7.1%} "
            f"{(f'{cost / milp_cost:.4f}' if milp_cost else '-'):>8} "
            f"{statistics.fmean(o.packages for o in outcomes):>10.3f} {late / len(outcomes):>11.1%} "
            f"{_percentile(tally.cpu_s, 0.5) * 1000:>7.2f} {_percentile(tally.cpu_s, 0.99) * 1000:>7.2f} "
            f"{len(tally.wall_s) / sum(tally.wall_s):>9.0f}"
        )
    routable = orders - backordered
    for name in METHODS:
        tally = tallies[name]
        if tally.cpu_s and len(tally.outcomes) < routable:
            print(f"  {name} backorders {routable - len(tally.outcomes)} order(s) that need more than its packages limit")


def latency(world: World, count: int, seed: int) -> None:
    """The hot-path goal: orders of exactly 10 lines on this network."""
    orders = make_orders(world, count, seed=seed + 1, lines=(10, 10))
    tallies, backordered = run(world, orders, with_milp=False)
    oms, b1 = tallies["oms"], tallies[METHODS[1]]
    print(f"\nlatency at 10 lines × {len(world.network.sites)} warehouses: {len(oms.cpu_s)} decisions ({backordered} short everywhere, not timed)")
    for label, values in (("CPU", oms.cpu_s), ("wall", oms.wall_s)):
        print(
            f"  oms {label:<4} p50 {_percentile(values, 0.5) * 1000:.2f} ms  p99 {_percentile(values, 0.99) * 1000:.2f} ms  "
            f"max {max(values) * 1000:.2f} ms"
        )
    print(
        f"  relative to B1 in the same run (CPU): p50 ×{_percentile(oms.cpu_s, 0.5) / _percentile(b1.cpu_s, 0.5):.1f}, "
        f"p99 ×{_percentile(oms.cpu_s, 0.99) / _percentile(b1.cpu_s, 0.99):.1f}"
    )


def configurations(world: World, count: int, seed: int) -> None:
    """The latency goal in every shipped configuration: each strategy of the policy file, with and
    without splitting a line's quantity, at the default 3 and at the most (10) packages; CPU per
    decision, and how many decisions the node budget left heuristic (with a proven bound)."""
    import dataclasses
    import json

    from shared.routing.config import POLICY_FILE

    orders = make_orders(world, count, seed=seed + 1, lines=(10, 10))
    by_sku: dict[str, list[StockLevel]] = defaultdict(list)
    for level in world.stock:
        by_sku[level.sku].append(level)
    policy = json.loads(POLICY_FILE.read_text("utf-8"))
    base = world.network.strategy_for(None)
    print(f"\nevery shipped configuration at 10 lines × {len(world.network.sites)} warehouses, {count} orders (CPU per decision)")
    print(f"{'strategy':<18} {'split':>5} {'max pkgs':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'heuristic':>9} {'worst gap':>9}")
    worst_p99 = 0.0
    for name, spec in policy["strategies"].items():
        objective = tuple(spec["objective"])
        # The shipped priority list names the policy file's warehouses: here, the world's largest.
        priority = world.priority[: len(spec.get("priority", []))]
        for split in (True, False):
            for packages in (3, 10):
                strategy = dataclasses.replace(base, name=name, objective=objective, priority=priority, split_quantities=split, max_packages=packages)
                cpu: list[float] = []
                heuristic, gap = 0, 1.0
                for order in orders:
                    stock = [level for sku, _ in order.lines for level in by_sku[sku]]
                    started = time.process_time_ns()
                    decided = plan_order(order, world.network, stock, strategy=strategy)
                    cpu.append((time.process_time_ns() - started) / 1e9)
                    if isinstance(decided, RoutingDecision) and decided.search.method != "exact":
                        heuristic += 1
                        if decided.search.lower_bound:
                            gap = max(gap, float(decided.chosen.total_cost / decided.search.lower_bound))
                p99 = _percentile(cpu, 0.99)
                worst_p99 = max(worst_p99, p99)
                print(
                    f"{name:<18} {'yes' if split else 'no':>5} {packages:>8} {_percentile(cpu, 0.5) * 1000:>7.2f} {p99 * 1000:>7.2f} "
                    f"{max(cpu) * 1000:>7.2f} {heuristic:>9} {f'{gap - 1:+.1%}' if heuristic else '-':>9}"
                )
    print(f"  worst p99 over the configurations: {worst_p99 * 1000:.2f} ms CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouses", type=int, nargs="+", default=[8, 16, 30])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--latency-orders", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-milp", action="store_true", help="skip the exact optimum (HiGHS)")
    parser.add_argument("--config-orders", type=int, default=200, help="10-line orders per shipped configuration (0: skip)")
    args = parser.parse_args()
    for count in args.warehouses if args.orders else ():
        world = make_world(count, seed=args.seed)
        orders = make_orders(world, args.orders, seed=args.seed + 4)
        tallies, backordered = run(world, orders, with_milp=not args.no_milp)
        report(f"{count} warehouses", tallies, backordered, len(orders))
    if args.latency_orders:
        latency(make_world(max(args.warehouses), seed=args.seed), args.latency_orders, args.seed)
    if args.config_orders:
        configurations(make_world(max(args.warehouses), seed=args.seed), args.config_orders, args.seed)


if __name__ == "__main__":
    main()
