"""The order health index (订单健康度), stuck orders by status and holds by age, from the gauges.

    on_time   = Σ w(s)·within(s) / Σ w(s)·open(s)   over the open statuses s
    health    = 100 · (on_time − exception_share − ½·aged_hold_share − ¼·backorder_share), in [0, 100]

within(s) is the number of open orders in s that entered it within its stage limit (entry buckets
newer than now − limit); *_share are shares of all open orders. No open order: 100.
docs/console.md explains the choice of weights.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

from shared.lifecycle import OrderStatus
from shared.operations.domain import minute_bucketed, window_start
from shared.operations.limits import OPEN_STATUSES, limit_minutes

S = OrderStatus
# A stuck automated step is a fault in oms: it weighs most. A late parcel weighs more than a
# hold waiting for a person, who is part of the plan.
WEIGHTS: dict[OrderStatus, int] = {
    S.RECEIVED: 3,
    S.APPROVED: 3,
    S.ROUTED: 3,
    S.RESERVED: 3,
    S.EXCEPTION: 3,
    S.RELEASED: 2,
    S.DELIVERY_EXCEPTION: 2,
    S.ON_HOLD: 1,
    S.BACKORDERED: 1,
    S.SHIPPED: 1,
}
HOLD_AGE_BINS_MINUTES = (30, 120)  # 0-30 min, 30 min-2 h, over 2 h (past the limit)


def minutes_read() -> int:
    """How far back any figure looks into the minute buckets: the longest limit of a
    minute-bucketed status, and the holds' age bins (older minute buckets change no figure)."""
    return max([limit_minutes(s) for s in OPEN_STATUSES if minute_bucketed(s)] + [HOLD_AGE_BINS_MINUTES[-1]])


class Gauges(BaseModel):
    """What is open now in one dimension: counts per status and entry buckets in the windows."""

    open: dict[str, int]  # status -> open orders
    buckets: dict[str, dict[str, int]]  # status -> {minute or hour bucket -> orders that entered then}


class Health(BaseModel):
    index: Decimal
    open_orders: int
    on_time_share: Decimal
    overdue: dict[str, int]  # status -> open orders past the stage's limit (stuck)
    exceptions: int
    aged_holds: int
    backorders: int
    holds_by_age: dict[str, int]


def within_limit(gauges: Gauges, status: OrderStatus, now: datetime) -> int:
    start = window_start(now, status)
    inside = sum(n for bucket, n in gauges.buckets.get(status.value, {}).items() if bucket >= start)
    return max(0, min(inside, gauges.open.get(status.value, 0)))


def _share(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole) if whole else Decimal(0)


def holds_by_age(gauges: Gauges, now: datetime) -> dict[str, int]:
    held = gauges.open.get(S.ON_HOLD.value, 0)
    buckets = gauges.buckets.get(S.ON_HOLD.value, {})
    assert minute_bucketed(S.ON_HOLD)
    young_edge = (now - timedelta(minutes=HOLD_AGE_BINS_MINUTES[0])).strftime("%Y-%m-%dT%H:%M")
    limit_edge = (now - timedelta(minutes=HOLD_AGE_BINS_MINUTES[1])).strftime("%Y-%m-%dT%H:%M")
    young = sum(n for b, n in buckets.items() if b >= young_edge)
    middle = sum(n for b, n in buckets.items() if limit_edge <= b < young_edge)
    return {"under_30m": young, "30m_to_2h": middle, "over_2h": max(0, held - young - middle)}


def health(gauges: Gauges, now: datetime) -> Health:
    open_total = sum(gauges.open.get(s.value, 0) for s in OPEN_STATUSES)
    weighted_open = weighted_within = 0
    overdue: dict[str, int] = {}
    for status in OPEN_STATUSES:
        count = gauges.open.get(status.value, 0)
        if count <= 0:
            continue
        inside = within_limit(gauges, status, now)
        overdue[status.value] = count - inside
        weighted_open += WEIGHTS[status] * count
        weighted_within += WEIGHTS[status] * inside
    exceptions = max(0, gauges.open.get(S.EXCEPTION.value, 0))
    backorders = max(0, gauges.open.get(S.BACKORDERED.value, 0))
    aged_holds = overdue.get(S.ON_HOLD.value, 0)
    if open_total <= 0:
        on_time, index = Decimal(1), Decimal(100)
    else:
        on_time = _share(weighted_within, weighted_open)
        raw = on_time - _share(exceptions, open_total) - _share(aged_holds, open_total) / 2 - _share(backorders, open_total) / 4
        index = max(Decimal(0), min(Decimal(1), raw)) * 100
    return Health(
        index=index.quantize(Decimal("0.1"), ROUND_HALF_UP),
        open_orders=max(0, open_total),
        on_time_share=on_time.quantize(Decimal("0.0001"), ROUND_HALF_UP),
        overdue={k: v for k, v in overdue.items() if v},
        exceptions=exceptions,
        aged_holds=aged_holds,
        backorders=backorders,
        holds_by_age=holds_by_age(gauges, now),
    )


__all__ = ["Gauges", "Health", "health", "holds_by_age", "WEIGHTS"]
