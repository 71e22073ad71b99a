"""The seed's KPIs from the counters of a period, with their targets, anchors and trend.

    avg_processing_seconds   Σ order-to-outbound time / orders released   (intake -> 出库单)
    manual_intervention_pct  orders a person had to touch (held or in exception) / orders reviewed
    order_error_pct          orders that went into EXCEPTION or DELIVERY_EXCEPTION / orders reviewed
    cost_per_order           Σ planned fulfilment cost / orders released  (yuan)
    packages_per_order       packages / orders released
    automation_pct           orders released that no person touched / orders released
    peak_orders_per_second   the busiest second's accepted orders
A KPI with no denominator in the period is None (shown as "no data"), never 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shared.operations.domain import O2O_BINS_SECONDS

TARGETS_FILE = Path(__file__).resolve().parent.parent / "data" / "kpi_targets.json"
KPI_NAMES = ("avg_processing_seconds", "manual_intervention_pct", "order_error_pct", "cost_per_order", "peak_orders_per_second", "automation_pct")

Counters = Mapping[str, Decimal | int]


def _ratio(part: Decimal | int, whole: Decimal | int, scale: int = 1, places: str = "0.01") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP)


def sum_counters(items: Iterable[Counters]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for item in items:
        for attribute, value in item.items():
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                if attribute == "peak_per_second":
                    total[attribute] = max(total.get(attribute, Decimal(0)), Decimal(value))
                else:
                    total[attribute] = total.get(attribute, Decimal(0)) + Decimal(value)
    return total


def percentile_seconds(counters: Counters, share: Decimal) -> Decimal | None:
    """The upper bound of the histogram bin holding the given share of released orders (for the
    open last bin, its lower bound); None without releases."""
    released = sum(int(counters.get(f"o2o_b{i}", 0)) for i in range(len(O2O_BINS_SECONDS) + 1))
    if not released:
        return None
    wanted = Decimal(released) * share
    seen = 0
    for index in range(len(O2O_BINS_SECONDS) + 1):
        seen += int(counters.get(f"o2o_b{index}", 0))
        if seen >= wanted:
            bound = O2O_BINS_SECONDS[min(index, len(O2O_BINS_SECONDS) - 1)]
            return Decimal(bound)
    return Decimal(O2O_BINS_SECONDS[-1])


def kpi_values(counters: Counters) -> dict[str, Decimal | None]:
    c = {k: Decimal(v) for k, v in counters.items() if isinstance(v, (int, Decimal)) and not isinstance(v, bool)}
    get = lambda name: c.get(name, Decimal(0))  # noqa: E731
    return {
        "avg_processing_seconds": _ratio(get("o2o_ms"), get("released") * 1000, places="0.001"),
        "manual_intervention_pct": _ratio(get("touched"), get("reviewed"), 100),
        "order_error_pct": _ratio(get("errors"), get("reviewed"), 100),
        "cost_per_order": _ratio(get("cost"), get("released")),
        "peak_orders_per_second": get("peak_per_second") if "peak_per_second" in c else None,
        "automation_pct": _ratio(get("released_auto"), get("released"), 100),
        "packages_per_order": _ratio(get("packages"), get("released")),
        "o2o_p50_seconds": percentile_seconds(c, Decimal("0.5")),
        "o2o_p95_seconds": percentile_seconds(c, Decimal("0.95")),
    }


@cache
def targets() -> dict[str, Any]:
    return json.loads(TARGETS_FILE.read_text("utf-8"))


class KpiStatus(BaseModel):
    name: str
    baseline: Decimal
    target: Decimal
    better: str
    today: Decimal | None
    period: Decimal | None  # over the whole trend window
    meets_target: bool | None
    anchor: dict[str, Any] | None
    anchor_met: bool | None
    trend: list[dict[str, Any]]  # [{"day", "value"}], oldest first
    direction: str  # improving | worsening | flat | no data


def _meets(value: Decimal | None, target: Decimal, better: str) -> bool | None:
    if value is None:
        return None
    return value <= target if better == "lower" else value >= target


def _direction(values: list[Decimal | None], better: str) -> str:
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return "no data"
    half = len(known) // 2
    earlier, later = sum(known[:half]) / half, sum(known[half:]) / (len(known) - half)
    if later == earlier:
        return "flat"
    return "improving" if (later < earlier) == (better == "lower") else "worsening"


def kpi_statuses(today: Counters, period: Counters, days: list[tuple[str, Counters]]) -> list[KpiStatus]:
    """Each KPI: baseline, target, today's value, the period's value, the anchor and the trend."""
    config = targets()["kpis"]
    today_values, period_values = kpi_values(today), kpi_values(period)
    day_values = [(day, kpi_values(counters)) for day, counters in days]
    statuses = []
    for name in KPI_NAMES:
        spec = config[name]
        target, better = Decimal(str(spec["target"])), spec["better"]
        anchor = spec.get("anchor")
        trend = [{"day": day, "value": values[name]} for day, values in day_values]
        statuses.append(
            KpiStatus(
                name=name,
                baseline=Decimal(str(spec["baseline"])),
                target=target,
                better=better,
                today=today_values[name],
                period=period_values[name],
                meets_target=_meets(today_values[name], target, better),
                anchor=anchor,
                anchor_met=_meets(period_values[name], Decimal(str(anchor["target"])), better) if anchor else None,
                trend=trend,
                direction=_direction([t["value"] for t in trend], better),
            )
        )
    return statuses
