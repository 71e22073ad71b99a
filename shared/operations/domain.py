"""An order's change (the order item before and after one write) becomes counter deltas.

Counters live per dimension (all orders, a channel, a warehouse, a review rule-set version, a
routing strategy) per day, and a channel's per hour too (what readers read). Gauges hold what is open now: per dimension
the open count per status, and "entry buckets" (how many of today's open orders entered their
status in each minute or hour) from which the health index reads who is past its stage's limit.
Pure: no boto3; shared/operations/store.py writes the deltas.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from shared.clock import business_day
from shared.lifecycle import TERMINAL, OrderStatus
from shared.operations.limits import OPEN_STATUSES, limit_minutes, longest_limit_hours

S = OrderStatus

# How long an order may stay in each open status before it counts as stuck (overdue): the
# stuck-order limits of the environment (cdk.json oms:stuckOrders, shared/operations/limits.py).
# Statuses whose limit fits in MINUTE_WINDOW are bucketed per minute, the others per hour; the
# hour window reaches back to the longest hour-bucketed limit.
MINUTE_WINDOW_MINUTES = 180


def hour_window_hours() -> int:
    return longest_limit_hours(tuple(s for s in OPEN_STATUSES if not minute_bucketed(s))) + 1


def minute_bucketed(status: OrderStatus) -> bool:
    return limit_minutes(status) <= MINUTE_WINDOW_MINUTES


# Order-to-outbound time histogram (seconds): upper bounds of the bins; the last bin is open.
O2O_BINS_SECONDS = (1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600)

ALL = "all"


def dim(kind: str, value: Any) -> str:
    return f"{kind}#{value}"


class OrderImage(BaseModel):
    """What the aggregates need of a stored order item (its META item)."""

    order_id: str
    status: OrderStatus
    version: int
    channel: str
    created_at: str
    updated_at: str
    warehouses: list[str] = []
    packages: int = 0
    shipment_costs: dict[str, Decimal] = {}  # warehouse -> cost of its package(s)
    shipment_packages: dict[str, int] = {}  # warehouse -> its packages
    total_cost: Decimal | None = None
    strategy: str | None = None
    rule_set_version: int | None = None
    # A person had to act at least once: the order item keeps its hold (set when it went ON_HOLD)
    # and its failed_status (set when it went to EXCEPTION) for good (decision 140).
    touched: bool = False

    @classmethod
    def of(cls, item: dict[str, Any]) -> OrderImage:
        # META carries a summary of the plan since the plan has its own item (decision 90).
        plan = item.get("plan") or item.get("plan_summary") or {}
        shipments = plan.get("shipments") or []
        costs: dict[str, Decimal] = defaultdict(Decimal)
        packages: dict[str, int] = defaultdict(int)
        for shipment in shipments:
            packages[shipment["warehouse_id"]] += 1
            if shipment.get("cost") is not None:
                costs[shipment["warehouse_id"]] += Decimal(str(shipment["cost"]))
        total = plan.get("total_cost")
        return cls(
            order_id=item["order_id"],
            status=item["status"],
            version=int(item["version"]),
            # The content lives on its own item too: the channel is the sharded channel_key's prefix.
            channel=str((item.get("order") or {}).get("channel") or str(item.get("channel_key") or "unknown").split("#")[0]),
            created_at=item["created_at"],
            updated_at=item["updated_at"],
            warehouses=sorted({s["warehouse_id"] for s in shipments}),
            packages=len(shipments),
            shipment_costs=dict(costs),
            shipment_packages=dict(packages),
            total_cost=Decimal(str(total)) if total is not None else None,
            strategy=plan.get("strategy"),
            rule_set_version=item.get("rule_set_version"),
            touched=bool(item.get("hold") or item.get("failed_status")),
        )

    def gauge_dims(self) -> list[str]:
        """Where this order counts while it is open: everywhere, its channel, its warehouses."""
        return [ALL, dim("channel", self.channel), *(dim("warehouse", w) for w in self.warehouses)]


@dataclass(frozen=True)
class OrderChange:
    old: OrderImage | None  # None: the order was just stored
    new: OrderImage


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _utc_text(text: str) -> str:
    """YYYY-MM-DDTHH:MM:SS of a time: sliced when it is oms's own UTC form (…Z), else converted."""
    if len(text) >= 20 and text[10] == "T" and text.endswith("Z"):
        return text[:19]
    return parse_time(text).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def minute_of(text: str) -> str:
    return _utc_text(text)[:16]


def hour_of(text: str) -> str:
    return _utc_text(text)[:13]


def day_of(text: str) -> str:
    """The China day of a time (decision 265): oms's own form (…Z), one with an offset, or a naive
    UTC text such as a second or minute key (2026-12-01T23:59)."""
    return business_day(datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text))


def second_of(text: str) -> str:
    return _utc_text(text)


def counter_key(dimension: str) -> str:
    return f"C#{dimension}"


def period_keys(dimension: str, at: str) -> list[tuple[str, str]]:
    """The counter items of a dimension a change moves: the day's (the overview's today, the KPIs'
    days), and the hour's for a channel (the overview's orders per hour by channel). Only what a
    reader reads is written (decision 142): no minute counters, no hour counters of the other
    dimensions (the per-minute view is the health index's history, the peak its second items)."""
    moment = _utc_text(at)
    day = (f"C#{dimension}", f"D#{day_of(moment)}")
    return [(f"C#{dimension}", f"H#{moment[:13]}"), day] if dimension.startswith(HOURLY_KIND) else [day]


HOURLY_KIND = "channel#"  # the dimensions whose counters are also kept per hour


def gauge_key(dimension: str) -> tuple[str, str]:
    return (f"G#{dimension}", "OPEN")


def bucket_key(dimension: str, status: OrderStatus, entered_at: str) -> tuple[str, str]:
    """Minute buckets are partitioned per day (a window reads at most two small partitions)."""
    if minute_bucketed(status):
        minute = minute_of(entered_at)
        return (f"B#{dimension}#M#{minute[:10]}", f"{minute}#{status.value}")
    return (f"B#{dimension}#H", f"{hour_of(entered_at)}#{status.value}")


DIMS_KEY = ("DIMS", "ALL")  # the set of dimensions seen, so the overview knows what to read
PEAK_SECOND_PREFIX = "S#"
PEAK_SECONDS_KEY = "C#all#S"  # the partition of the per-second received counters


@dataclass
class Deltas:
    """Numbers to ADD per item and attribute, and strings to add to string sets, merged."""

    # Counts stay int (cheap) until a Decimal amount joins them; updates() hands out Decimals.
    numbers: dict[tuple[str, str], dict[str, Decimal | int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    sets: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))

    def add(self, key: tuple[str, str], attribute: str, amount: Decimal | int) -> None:
        self.numbers[key][attribute] += amount

    def add_to_set(self, key: tuple[str, str], attribute: str, value: str) -> None:
        self.sets[key][attribute].add(value)

    def merge(self, other: Deltas) -> None:
        for key, attributes in other.numbers.items():
            for attribute, amount in attributes.items():
                self.numbers[key][attribute] += amount
        for key, attributes in other.sets.items():
            for attribute, values in attributes.items():
                self.sets[key][attribute] |= values

    def keys(self) -> set[tuple[str, str]]:
        return {k for k, a in self.numbers.items() if any(a.values())} | set(self.sets)

    def updates(self) -> dict[tuple[str, str], tuple[dict[str, Decimal], dict[str, set[str]]]]:
        """Per item: the non-zero numbers and the sets (zero sums need no write)."""
        return {
            key: ({a: Decimal(n) for a, n in self.numbers.get(key, {}).items() if n}, dict(self.sets.get(key, {})))
            for key in sorted(self.keys())
        }


def o2o_bin(seconds: float) -> int:
    for index, bound in enumerate(O2O_BINS_SECONDS):
        if seconds <= bound:
            return index
    return len(O2O_BINS_SECONDS)


def change_deltas(change: OrderChange, into: Deltas | None = None) -> Deltas:
    """The counters one change moves (added to `into` when given). Everything it needs is on the
    order item's images: no memory of the order between its changes (decision 140)."""
    old, new = change.old, change.new
    deltas = into if into is not None else Deltas()
    if old is not None and old.status == new.status:
        _move_gauges(deltas, old, new)  # a re-route within ROUTED or an amendment: dims may change
        return deltas

    at = new.updated_at if old is not None else new.created_at
    flow_dims = [ALL, dim("channel", new.channel)]
    if new.rule_set_version is not None:
        flow_dims.append(dim("ruleset", new.rule_set_version))
    if new.strategy:
        flow_dims.append(dim("policy", new.strategy))
    touched_before = old is not None and old.touched

    def count(attribute: str, amount: Decimal | int = 1, dims: list[str] = flow_dims) -> None:
        for d in dims:
            for key in period_keys(d, at):
                deltas.add(key, attribute, amount)

    for d in (*flow_dims, *(dim("warehouse", w) for w in new.warehouses)):
        deltas.add_to_set(DIMS_KEY, "dims", d)

    if old is None:
        count("received")
        deltas.add((PEAK_SECONDS_KEY, PEAK_SECOND_PREFIX + second_of(at)), "received", 1)
    count(f"entered_{new.status.value}")
    if old is not None and old.status == S.RECEIVED and new.status in (S.APPROVED, S.ON_HOLD, S.REJECTED):
        count("reviewed")
    if new.status in (S.EXCEPTION, S.DELIVERY_EXCEPTION):
        count("errors")
    if new.status in (S.ON_HOLD, S.EXCEPTION) and not touched_before:
        count("touched")
    if new.status == S.RELEASED:
        seconds = max(0.0, (parse_time(at) - parse_time(new.created_at)).total_seconds())
        milliseconds = int(round(seconds * 1000))
        count("released")
        count("o2o_ms", milliseconds)
        count(f"o2o_b{o2o_bin(seconds)}")
        if not (new.touched or touched_before):
            count("released_auto")
        if new.total_cost is not None:
            count("cost", new.total_cost)
        count("packages", new.packages)
        for warehouse in new.warehouses:
            wdim = [dim("warehouse", warehouse)]
            count("released", 1, wdim)
            count("o2o_ms", milliseconds, wdim)
            count(f"o2o_b{o2o_bin(seconds)}", 1, wdim)
            count("packages", new.shipment_packages.get(warehouse, 1), wdim)
            if warehouse in new.shipment_costs:
                count("cost", new.shipment_costs[warehouse], wdim)
            if not (new.touched or touched_before):
                count("released_auto", 1, wdim)
    _move_gauges(deltas, old, new)
    return deltas


def _move_gauges(deltas: Deltas, old: OrderImage | None, new: OrderImage) -> None:
    """Leaves the old status's gauges and entry bucket, enters the new ones'."""
    if old is not None and old.status in OPEN_STATUSES:
        for d in old.gauge_dims():
            deltas.add(gauge_key(d), f"open_{old.status.value}", -1)
            deltas.add(bucket_key(d, old.status, old.updated_at), "n", -1)
    if new.status in OPEN_STATUSES:
        entered = new.updated_at if old is not None else new.created_at
        for d in new.gauge_dims():
            deltas.add(gauge_key(d), f"open_{new.status.value}", 1)
            deltas.add(bucket_key(d, new.status, entered), "n", 1)


def is_open(status: OrderStatus) -> bool:
    return status not in TERMINAL


def window_start(now: datetime, status: OrderStatus) -> str:
    """The oldest entry bucket still within the status's limit at `now`."""
    limit = timedelta(minutes=limit_minutes(status))
    start = now - limit
    return start.strftime("%Y-%m-%dT%H:%M") if minute_bucketed(status) else start.strftime("%Y-%m-%dT%H")
