"""The simulated days: every order through oms's real domain code, once, then each policy's run.

1. intake and review, in placed order: the order's payload through its channel adapter and the
   SKU mapping, then review by the rule set in force (oms) and by the traditional checks (the
   same engine with only the checks a traditional process has), each seeing the orders before it;
2. per policy, the orders in time order: the automated line, a person where the policy needs one,
   routing and reservation against that policy's own stock (replenished by the supplier's
   schedule and by transfers), then release to the warehouse.
"""

from __future__ import annotations

import gc
import heapq
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.orders import CustomerType, OrderIn
from shared.recent_orders import RecentOrders
from shared.review import Decision, ReviewContext, default_document
from shared.review_rules.compiler import CompiledRuleSet, compile_rule_set
from shared.review_rules.subject import Subject
from shared.routing.network import CHINA_TIME
from shared.routing_whatif.replay import request_of
from simulation.channels import SimCatalog, intake, payload_of
from simulation.demand import Demand, PlacedOrder
from simulation.outcome import Outcome
from simulation.queueing import AutomatedLine, Staff
from simulation.routers import Router
from simulation.stock import SimStock
from simulation.world import World

POLICIES = ("traditional", "oms")
STOPPED_BY_PEOPLE = ("duplicate", "credit")  # a caught duplicate is cancelled, an order over credit waits for payment; other caught errors are corrected and go on


@dataclass(slots=True)
class Reviewed:
    placed: PlacedOrder
    order: OrderIn
    oms: Decision
    traditional_flagged: bool
    caught_if_checked: bool  # the same draw for both policies: does a person who checks it catch the error


@dataclass
class PolicyRun:
    policy: str
    outcomes: list[Outcome]
    line: AutomatedLine
    staff: Staff
    router: Router
    stock: SimStock
    replenished_units: int = 0


@dataclass
class DayResult:
    world: World
    assumptions: dict[str, Any]
    seed: int
    days: int
    orders: int
    runs: dict[str, PolicyRun]
    cpu_seconds: dict[str, float] = field(default_factory=dict)


def traditional_rules(checks: list[str]) -> CompiledRuleSet:
    """The traditional process's checks: the shipped rules it has an equivalent of, nothing else."""
    document = default_document()
    unknown = sorted(set(checks) - {r["id"] for r in document["rules"]})
    if unknown:
        raise ValueError(f"traditional checks name rule(s) the default rule set lacks: {', '.join(unknown)}")
    document["rules"] = [r for r in document["rules"] if r["id"] in checks]
    return compile_rule_set(document, version=None)


def orders_by_day(orders: int, days: int, later_scale: float) -> list[int]:
    return [orders] + [round(orders * later_scale) for _ in range(days - 1)]


def placed_orders(world: World, demand: Demand, counts: list[int]) -> list[tuple[PlacedOrder, Any]]:
    """Every order as its buyer placed it, with its channel's payload."""
    return [(placed, payload_of(placed.order, world)) for day, count in enumerate(counts) for placed in demand.day(day, count)]


def review_all(world: World, placed_payloads: list[tuple[PlacedOrder, Any]], rules: CompiledRuleSet, traditional: CompiledRuleSet, catch: float, seed: int, tick: Callable[[int], None], cpu: dict[str, float] | None = None) -> list[Reviewed]:
    """`cpu` receives the CPU seconds of each step: intake (channel adapter and SKU mapping),
    oms's review, the traditional checks.

    Each step is one pass over the day, timed once: reading the process clock is a system call
    (a few µs), so clocking every order's steps put several of them into the figures. Intake reads
    nothing but its payload, so every order is taken in first; oms's review sees the orders before
    each one, so it goes in placed order, each order added to the recent orders after its review;
    the traditional checks go in their own pass when none of them looks at other orders (the
    shipped ones), else beside oms's review, each order's checks right after it was added (and
    timed apart, order by order)."""
    catalog = SimCatalog(world)
    recent = RecentOrders()
    context = ReviewContext(world.reference, recent)
    people = random.Random(f"people-{seed}")
    clock = time.process_time
    spent = {"intake": 0.0, "oms_review": 0.0, "traditional_review": 0.0}
    alongside = traditional.lookback_minutes > 0  # a traditional check reads other orders: it must see the day as oms's review does
    try:
        started = clock()
        orders = [intake(placed.order["channel"], payload, catalog) for placed, payload in placed_payloads]
        spent["intake"] = clock() - started
        started = clock()
        decisions, flagged = [], []
        for order in orders:
            order_id = order.order_id
            subject = Subject(order_id, order, context)
            decided = rules.review_subject(subject).decision
            recent.add(subject.recent_order(decided.value))  # on the keys the review computed
            decisions.append(decided)
            if alongside:
                checked = clock()
                flagged.append(bool(traditional.review(order, context, order_id).findings))
                spent["traditional_review"] += clock() - checked
            tick(1)
        spent["oms_review"] = clock() - started - spent["traditional_review"]
        if not alongside:
            started = clock()
            flagged = [bool(traditional.review(order, context, order.order_id).findings) for order in orders]
            spent["traditional_review"] = clock() - started
        return [
            Reviewed(placed, order, decided, found or order.buyer.customer_type is CustomerType.BUSINESS, people.random() < catch)
            for (placed, _), order, decided, found in zip(placed_payloads, orders, decisions, flagged, strict=True)
        ]
    finally:
        if cpu is not None:
            cpu.update(spent)


def run_policy(policy: str, reviewed: list[Reviewed], world: World, a: dict[str, Any], start: datetime, tick: Callable[[int], None] = lambda n: None) -> PolicyRun:
    spec, people = a[policy], a["people"]
    line = AutomatedLine(rate=spec["automated_orders_per_second"], latency=spec["automated_seconds_per_order"])
    staff = Staff(people["reviewers"], *people["shift_hours"])
    stock = SimStock.opening(world.opening_stock, a["stock"])
    router = Router(world.network, policy, world.warehouse_ids)
    run = PolicyRun(policy, [], line, staff, router, stock)
    arrange = policy == "traditional" and a["traditional"]["person_arranges_split_or_short_orders"]
    packages_by_day: dict[str, dict[str, int]] = {}
    events: list[tuple[float, int, str, Any]] = []  # (time, tie-break, kind, payload)
    serial = 0

    def push(at: float, kind: str, payload: Any) -> None:
        nonlocal serial
        serial += 1
        heapq.heappush(events, (at, serial, kind, payload))

    for r in reviewed:
        p = r.placed
        outcome = Outcome(p.seq, p.label, p.is_error, r.order.buyer.customer_type is CustomerType.BUSINESS, p.at_second)
        outcome.reviewed_at = line.serve(p.at_second)
        run.outcomes.append(outcome)
        push(outcome.reviewed_at, "reviewed", (r, outcome))
    transfers_seen = 0
    for hour in a["stock"]["replenish_at_hours"]:
        push(hour * 3600, "replenish", None)

    waiting: dict[int, tuple[Reviewed, Outcome]] = {}  # backordered, by seq (oldest first): routed again when stock arrives
    waiting_for: dict[str, set[int]] = {}  # sku -> the waiting orders that hold it
    horizon = (max((r.placed.day for r in reviewed), default=0) + 2) * 86400  # replenish until a day after the last day

    def route(r: Reviewed, outcome: Outcome, at: float) -> None:
        nonlocal transfers_seen
        now = start + timedelta(seconds=at)
        request = request_of(r.order, now)
        day = now.astimezone(CHINA_TIME).date().isoformat()
        today = packages_by_day.setdefault(day, {})
        # An order waiting for stock is routed again only when all warehouses together could cover
        # it: otherwise routing would find it short (the same None, without the search).
        short = outcome.backordered and request is not None and stock.short_in_total(request.lines)
        routed = router.route(request, stock, today) if request and not short else None
        took = stock.reserve(routed.reservation(), at) if routed else None
        done = at
        if routed is None or took is None:
            if not outcome.backordered and arrange:  # a person looks for stock once
                outcome.person_arranged = True
                staff.serve(at, people["arrange_seconds"])
            outcome.backordered = True
            waiting[outcome.seq] = (r, outcome)
            for line in r.order.lines:
                waiting_for.setdefault(line.sku, set()).add(outcome.seq)
            return
        if arrange and routed.packages > 1:
            outcome.person_arranged = True
            done = staff.serve(at, people["arrange_seconds"])
        for warehouse, _ in routed.shipments:
            today[warehouse] = today.get(warehouse, 0) + 1
        outcome.released_at = done
        outcome.cost_fen, outcome.late_packages, outcome.from_transfer = routed.cost_fen, routed.late_packages, took
        outcome.packages, outcome.warehouses = routed.packages, tuple(w for w, _ in routed.shipments)
        for transfer in stock.transfers[transfers_seen:]:
            push(transfer.arrives_at, "transfer", transfer)
        transfers_seen = len(stock.transfers)

    def retry_waiting(at: float, sku: str | None) -> None:
        """Backordered orders (all, or those needing this SKU) routed again, oldest first."""
        for seq in sorted(waiting if sku is None else waiting_for.pop(sku, ())):
            if seq not in waiting:
                continue  # released already, through another SKU's arrival
            r, outcome = waiting.pop(seq)
            route(r, outcome, at)

    while events:
        at, _, kind, payload = heapq.heappop(events)
        if kind == "replenish":
            run.replenished_units += stock.replenish()
            retry_waiting(at, None)
            if at + 86400 < horizon:
                push(at + 86400, "replenish", None)
        elif kind == "transfer":
            stock.arrive(payload)
            retry_waiting(at, payload.sku)
        elif kind == "reviewed":
            tick(1)
            r, outcome = payload
            needs_person = r.traditional_flagged if policy == "traditional" else r.oms is Decision.ON_HOLD
            if needs_person:
                outcome.person_reviewed = True
                push(staff.serve(at, people["review_seconds"]), "decided", payload)
            elif policy == "oms" and r.oms is Decision.REJECTED:
                outcome.rejected, outcome.rejected_at, outcome.caught = True, at, r.placed.is_error
            else:
                route(r, outcome, at)
        elif kind == "decided":
            r, outcome = payload
            if r.placed.is_error and r.caught_if_checked:
                outcome.caught = True
                if r.placed.label in STOPPED_BY_PEOPLE:
                    outcome.rejected, outcome.rejected_at = True, at
                    continue
            route(r, outcome, at)
    return run


Progress = Callable[[str, int], Callable[[int], None]]  # (phase, total) -> advance(n)


def simulate_days(world: World, a: dict[str, Any], orders: int, days: int, seed: int, rules: CompiledRuleSet, progress: Progress | None = None) -> DayResult:
    """Generates the days' orders, then runs them through the domain: CPU seconds per phase in
    `cpu_seconds` (generation apart, so the domain's own speed is visible)."""
    counts = orders_by_day(orders, days, a["day"]["later_days_scale"])
    demand = Demand(world, a, seed)
    traditional = traditional_rules(a["traditional"]["checks"])
    advance = progress or (lambda phase, total: lambda n: None)
    cpu = {}
    started = time.process_time()
    placed = placed_orders(world, demand, counts)
    cpu["generate"] = time.process_time() - started
    with long_lived_heap():
        return _run(world, a, seed, days, rules, traditional, placed, demand, advance, cpu)


@contextmanager
def long_lived_heap() -> Iterator[None]:
    """The run keeps every order, outcome and decision to the end: none is garbage, so the cyclic
    collector's passes over a growing heap are pure cost (a third of intake's time when it ran
    freely; still about 6% of the day's CPU with its young generation collected every 100,000
    allocations). The heap built so far is frozen and the collector is off for the run; reference
    counting still frees everything short-lived (the domain code makes no reference cycles per
    order). Restored afterwards, and one collection then takes whatever cycles the run left."""
    enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _run(world: World, a: dict[str, Any], seed: int, days: int, rules: CompiledRuleSet, traditional: CompiledRuleSet, placed: list[tuple[PlacedOrder, Any]], demand: Demand, advance: Progress, cpu: dict[str, float]) -> DayResult:
    started = time.process_time()
    reviewed = review_all(world, placed, rules, traditional, a["people"]["catch_probability"], seed, advance("intake and review", len(placed)), cpu)
    cpu["intake_and_review"] = time.process_time() - started
    result = DayResult(world, a, seed, days, len(reviewed), {}, cpu)
    for policy in POLICIES:
        started = time.process_time()
        result.runs[policy] = run_policy(policy, reviewed, world, a, demand.start, advance(f"{policy}: route and reserve", len(reviewed)))
        cpu[policy] = time.process_time() - started
    return result
