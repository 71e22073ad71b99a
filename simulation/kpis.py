"""The seed's KPI rows, computed from one policy's order outcomes. Pure: the hand-made test in
tests/unit/test_simulation_kpis.py pins every formula (docs/simulation.md states them).

processing time      mean over released orders of (released − placed), hours
manual intervention  orders a person touched (review or warehouse arrangement) / all orders
errors at warehouse  released orders carrying an error nobody corrected / released orders
cost per order       (Σ routing cost of released orders + people's time × wage
                      + rework × errors released) / released orders
peak orders/s        the policy's automated capacity (a stated figure, not measured here)
automation rate      decisions made without a person / all decisions; every order has a review
                     decision and every order not rejected a routing decision
transfers            released orders that shipped units transferred from another warehouse
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from simulation.outcome import Outcome

HOUR = 3600.0
CENT = Decimal("0.01")


@dataclass(frozen=True)
class People:
    review_seconds: float
    arrange_seconds: float
    wage_yuan_per_hour: Decimal
    rework_yuan: Decimal


@dataclass(frozen=True)
class Kpis:
    orders: int
    released: int
    rejected: int
    backordered: int  # still waiting for stock when the simulation ends
    waited_for_stock: int  # backordered at some point (released later or still waiting)
    processing_hours_mean: float
    processing_hours_p50: float
    processing_hours_p95: float
    manual_intervention: float  # share of orders
    errors_at_warehouse: float  # share of released orders
    errors_released: int
    cost_per_order: Decimal  # yuan per released order
    routing_cost_per_order: Decimal
    people_cost_per_order: Decimal
    rework_cost_per_order: Decimal
    peak_orders_per_second: int
    automation_rate: float
    transfer_orders: int  # released orders shipping transferred units
    transfer_share: float
    packages_per_order: float
    late_orders: int

    def as_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


def _percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _yuan(fen: Decimal) -> Decimal:
    return (fen / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def compute(outcomes: Sequence[Outcome], people: People, peak_orders_per_second: int) -> Kpis:
    orders = len(outcomes)
    released = [o for o in outcomes if o.released]
    hours = [(o.released_at - o.placed_at) / HOUR for o in released]  # type: ignore[operator]
    reviews = sum(o.person_reviewed for o in outcomes)
    arrangements = sum(o.person_arranged for o in outcomes)
    errors_released = sum(o.reached_warehouse_wrong for o in released)
    people_fen = (Decimal(reviews * people.review_seconds + arrangements * people.arrange_seconds) / Decimal(HOUR)) * people.wage_yuan_per_hour * 100
    routing_fen = Decimal(sum(o.cost_fen for o in released))
    rework_fen = people.rework_yuan * 100 * errors_released
    shipped = max(1, len(released))
    decisions = orders + sum(o.reached_routing for o in outcomes)
    manual_decisions = reviews + arrangements
    return Kpis(
        orders=orders,
        released=len(released),
        rejected=sum(o.rejected for o in outcomes),
        backordered=sum(o.backordered and not o.released for o in outcomes),
        waited_for_stock=sum(o.backordered for o in outcomes),
        processing_hours_mean=sum(hours) / len(hours) if hours else 0.0,
        processing_hours_p50=_percentile(hours, 0.5),
        processing_hours_p95=_percentile(hours, 0.95),
        manual_intervention=sum(o.touched for o in outcomes) / orders if orders else 0.0,
        errors_at_warehouse=errors_released / len(released) if released else 0.0,
        errors_released=errors_released,
        cost_per_order=_yuan((routing_fen + people_fen + rework_fen) / shipped),
        routing_cost_per_order=_yuan(routing_fen / shipped),
        people_cost_per_order=_yuan(people_fen / shipped),
        rework_cost_per_order=_yuan(rework_fen / shipped),
        peak_orders_per_second=peak_orders_per_second,
        automation_rate=(decisions - manual_decisions) / decisions if decisions else 0.0,
        transfer_orders=sum(o.from_transfer for o in released),
        transfer_share=sum(o.from_transfer for o in released) / len(released) if released else 0.0,
        packages_per_order=sum(o.packages for o in released) / len(released) if released else 0.0,
        late_orders=sum(o.late_packages > 0 for o in released),
    )
