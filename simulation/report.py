"""The KPI table, side by side, with the seed's claim and how each row is computed; and the
same as JSON (with the series the HTML report plots)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from simulation.day import DayResult
from simulation.kpis import Kpis, People, compute

SEED_CLAIMS = {
    "processing": "18 h → 10.8 h",
    "manual": "32% → 12%",
    "errors": "6.3% → 1.8%",
    "cost": "13.8 → 10.0 yuan (−27%)",
    "peak": "400 → 1,200",
    "automation": "— → 89%",
    "transfers": "−35%",
}


def people_of(a: dict[str, Any]) -> People:
    p = a["people"]
    return People(p["review_seconds"], p["arrange_seconds"], Decimal(p["wage_yuan_per_hour"]), Decimal(a["error_rework_yuan"]))


def kpis_of(result: DayResult) -> dict[str, Kpis]:
    a = result.assumptions
    return {policy: compute(run.outcomes, people_of(a), a[policy]["automated_orders_per_second"]) for policy, run in result.runs.items()}


def _pct(x: float) -> str:
    return f"{x:.1%}"


def rows(result: DayResult, kpis: dict[str, Kpis]) -> list[tuple[str, str, str, str, str]]:
    """(KPI, traditional, oms, the seed's claim, how it is computed)."""
    a, t, o = result.assumptions, kpis["traditional"], kpis["oms"]
    p = a["people"]
    runs = result.runs
    transfers_delta = (o.transfer_orders / t.transfer_orders - 1) if t.transfer_orders else 0.0
    cost_delta = (o.cost_per_order / t.cost_per_order - 1) if t.cost_per_order else Decimal(0)
    return [
        ("processing time, mean (p95)", f"{t.processing_hours_mean:.2f} h ({t.processing_hours_p95:.1f} h)", f"{o.processing_hours_mean:.2f} h ({o.processing_hours_p95:.1f} h)", SEED_CLAIMS["processing"],
         f"placed → outbound note of each released order: the automated line (traditional {a['traditional']['automated_orders_per_second']}/s serial; oms {a['oms']['automated_orders_per_second']}/s + {a['oms']['automated_seconds_per_order']} s), then {p['reviewers']} people on shift {p['shift_hours'][0]}:00–{p['shift_hours'][1]}:00 China time ({p['review_seconds']} s a check, {p['arrange_seconds']} s an arrangement), then stock"),
        ("manual intervention", _pct(t.manual_intervention), _pct(o.manual_intervention), SEED_CLAIMS["manual"],
         "orders a person touched / all orders: traditional checks every order its checks flag and every B2B order and arranges every split or short order; oms: the orders review holds"),
        ("order errors reaching the warehouse", _pct(t.errors_at_warehouse), _pct(o.errors_at_warehouse), SEED_CLAIMS["errors"],
         f"released orders with a seeded error nobody stopped / released orders; a person who checks an order catches its error with p = {p['catch_probability']} (the same draw under both policies)"),
        ("cost per order", f"{t.cost_per_order} yuan", f"{o.cost_per_order} yuan ({cost_delta:+.1%})", SEED_CLAIMS["cost"],
         f"routing cost model (handling, freight, extra-package and late penalties) + people's time at {p['wage_yuan_per_hour']} yuan/h + {a['error_rework_yuan']} yuan rework per error shipped, per released order"),
        ("peak orders/s sustained", f"{t.peak_orders_per_second:,}", f"{o.peak_orders_per_second:,}", SEED_CLAIMS["peak"],
         f"stated capacities, not measured here: traditional {a['traditional']['peak_source']}; oms {a['oms']['peak_source']}; the day peaked at {peak_arrivals(result):,} orders/s (busiest backlog {runs['traditional'].line.busiest_backlog:,} vs {runs['oms'].line.busiest_backlog:,} orders)"),
        ("automation rate", _pct(t.automation_rate), _pct(o.automation_rate), SEED_CLAIMS["automation"],
         "decisions taken without a person / all decisions (one review decision per order, one routing decision per order not rejected)"),
        ("inter-warehouse transfers", f"{t.transfer_orders:,} orders ({_pct(t.transfer_share)})", f"{o.transfer_orders:,} orders ({_pct(o.transfer_share)}, {transfers_delta:+.0%})", SEED_CLAIMS["transfers"],
         f"released orders that shipped units another warehouse sent because this one fell to its reorder point ({len(runs['traditional'].stock.transfers):,} vs {len(runs['oms'].stock.transfers):,} transfers)"),
        ("released / rejected / still backordered", f"{t.released:,} / {t.rejected:,} / {t.backordered:,}", f"{o.released:,} / {o.rejected:,} / {o.backordered:,}", "",
         "every order ends in one of these; backordered orders are released when stock arrives (supplier schedule or transfer)"),
        ("routing cost, packages, late orders", f"{t.routing_cost_per_order} yuan, {t.packages_per_order:.3f}, {t.late_orders:,}", f"{o.routing_cost_per_order} yuan, {o.packages_per_order:.3f}, {o.late_orders:,}", "",
         "traditional: fixed-warehouse routing (B0: largest hub first); oms: the exact optimiser with the policy's strategy; both priced by shared/routing/costs.py"),
    ]  # fmt: skip


def peak_arrivals(result: DayResult) -> int:
    per_second = Counter(int(o.placed_at) for o in result.runs["oms"].outcomes)
    return max(per_second.values(), default=0)


def table(result: DayResult, kpis: dict[str, Kpis]) -> str:
    head = ("KPI", "traditional", "oms", "seed's table")
    body = rows(result, kpis)
    widths = [max(len(head[i]), *(len(r[i]) for r in body)) for i in range(4)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(head), line(["-" * w for w in widths])]
    for r in body:
        out.append(line(r[:4]))
        out.append(f"  how: {r[4]}")
    return "\n".join(out)


def series(result: DayResult, bucket_seconds: int = 600) -> dict[str, Any]:
    """Per bucket: orders placed, released per policy and in the system per policy (the backlog);
    and each policy's cost per released order, as a histogram in whole yuan."""
    end = max(max(o.released_at or 0, o.rejected_at or 0, o.placed_at) for run in result.runs.values() for o in run.outcomes)
    buckets = int(end // bucket_seconds) + 1
    placed = [0] * buckets
    for o in result.runs["oms"].outcomes:
        placed[int(o.placed_at // bucket_seconds)] += 1
    out: dict[str, Any] = {"bucket_seconds": bucket_seconds, "placed": placed, "released": {}, "backlog": {}, "cost_histogram": {}}
    for policy, run in result.runs.items():
        released = [0] * buckets
        for o in run.outcomes:
            if o.released_at is not None:
                released[int(o.released_at // bucket_seconds)] += 1
        closed = [0] * buckets  # rejected orders leave the system when decided
        for o in run.outcomes:
            if o.rejected_at is not None:
                closed[int(o.rejected_at // bucket_seconds)] += 1
        backlog, running = [], 0
        for i in range(buckets):
            running += placed[i] - released[i] - closed[i]
            backlog.append(running)
        costs = Counter(o.cost_fen // 100 for o in run.outcomes if o.released_at is not None)
        out["released"][policy] = released
        out["backlog"][policy] = backlog
        out["cost_histogram"][policy] = {str(k): costs[k] for k in sorted(costs)}
    return out


def as_json(result: DayResult, kpis: dict[str, Kpis], cpu: dict[str, float]) -> dict[str, Any]:
    return {
        "seed": result.seed,
        "days": result.days,
        "orders": result.orders,
        "warehouses": list(result.world.warehouse_ids),
        "kpis": {policy: k.as_dict() for policy, k in kpis.items()},
        "rows": [dict(zip(("kpi", "traditional", "oms", "seed", "how"), r)) for r in rows(result, kpis)],
        "labels": dict(Counter(o.label for o in result.runs["oms"].outcomes)),
        "routing_cache": {p: {"hits": r.router.hits, "misses": r.router.misses} for p, r in result.runs.items()},
        "cpu_seconds": cpu,
        "series": series(result),
        "assumptions": result.assumptions,
    }
