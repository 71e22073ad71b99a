"""Routing: which warehouse ships an order. Pure: stock and warehouses come in as values.

The walking skeleton's strategy is the nearest warehouse that can ship every line alone. A plan
is a list of shipments so that order splitting (拆单) fits the same shape later.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel

from shared.geo import Province, distance_km


class Warehouse(BaseModel):
    warehouse_id: str
    name: str
    province: str
    city: str
    lat: float
    lon: float


class StockLevel(BaseModel):
    sku: str
    warehouse_id: str
    available: int


class PlannedLine(BaseModel):
    sku: str
    quantity: int


class Shipment(BaseModel):
    warehouse_id: str
    distance_km: float
    lines: list[PlannedLine]


class RoutingPlan(BaseModel):
    strategy: str
    shipments: list[Shipment]


class ShortLine(BaseModel):
    sku: str
    requested: int
    best_single_warehouse: int  # the most any one warehouse could ship


class Unroutable(BaseModel):
    """No warehouse can ship every line: the order is backordered with these lines."""

    short_lines: list[ShortLine]


def demand_by_sku(lines: Iterable[tuple[str, int]]) -> Counter[str]:
    demand: Counter[str] = Counter()
    for sku, quantity in lines:
        demand[sku] += quantity
    return demand


def plan_nearest_complete(
    lines: Iterable[tuple[str, int]],
    destination: Province,
    warehouses: Iterable[Warehouse],
    stock: Iterable[StockLevel],
) -> RoutingPlan | Unroutable:
    demand = demand_by_sku(lines)
    available: dict[tuple[str, str], int] = {(s.warehouse_id, s.sku): s.available for s in stock}

    def can_ship_all(w: Warehouse) -> bool:
        return all(available.get((w.warehouse_id, sku), 0) >= q for sku, q in demand.items())

    # Ties on distance break on the warehouse id so that a decision is reproducible.
    ranked = sorted(
        ((distance_km(w.lat, w.lon, destination.lat, destination.lon), w.warehouse_id, w) for w in warehouses),
        key=lambda t: (t[0], t[1]),
    )
    for km, _, warehouse in ranked:
        if can_ship_all(warehouse):
            planned = [PlannedLine(sku=sku, quantity=q) for sku, q in sorted(demand.items())]
            return RoutingPlan(
                strategy="nearest-complete",
                shipments=[Shipment(warehouse_id=warehouse.warehouse_id, distance_km=round(km, 1), lines=planned)],
            )
    lines_seen = [
        ShortLine(
            sku=sku,
            requested=q,
            best_single_warehouse=max((available.get((w.warehouse_id, sku), 0) for _, _, w in ranked), default=0),
        )
        for sku, q in sorted(demand.items())
    ]
    # Name the lines no warehouse can cover; when each line fits somewhere but never all in one
    # place, every line is part of the problem.
    short = [line for line in lines_seen if line.best_single_warehouse < line.requested]
    return Unroutable(short_lines=short or lines_seen)
