"""The values routing reads and writes at its boundaries: warehouses and stock in, plans out.

A plan is a list of shipments, one per warehouse, each a list of (sku, quantity): reservation,
outbound notes and the workflow read only that shape, so a split order (拆单) needs nothing new
downstream.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

Yuan = Decimal  # money in the explanation: yuan with two decimals (computed exactly in fen)


class Warehouse(BaseModel, defer_build=True):
    """A warehouse as master data stores it. The routing attributes are optional so that older
    records still load; the routing policy's defaults fill the gaps (shared/data/routing_policy.json)."""

    warehouse_id: str = Field(min_length=1)
    name: str
    province: str
    city: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    handling_cost: Decimal | None = Field(default=None, description="Yuan per package: pick, pack, material")
    daily_capacity: int | None = Field(default=None, description="Packages per day; none means unlimited")
    cut_off: str | None = Field(default=None, description="HH:MM China time; later orders leave the next day")
    carriers: list[str] | None = Field(default=None, description="Carrier ids from the rate cards")
    capabilities: list[str] = Field(default_factory=list, description="For example cold_chain")


class StockLevel(BaseModel, defer_build=True):
    sku: str
    warehouse_id: str
    available: int  # on hand − reserved − safety stock, as the inventory record keeps it


class PlannedLine(BaseModel, defer_build=True):
    sku: str
    quantity: int


class Shipment(BaseModel, defer_build=True):
    warehouse_id: str
    distance_km: float
    lines: list[PlannedLine]
    carrier: str | None = None
    cost: Yuan | None = Field(default=None, description="This package's share: handling, freight, late penalty")
    # 快递策略 (shared/writeback/carrier_strategy.py): the carrier's service and the rule that chose them.
    service: str | None = None
    carrier_rule: str | None = None


class RoutingPlan(BaseModel, defer_build=True):
    strategy: str
    shipments: list[Shipment]
    total_cost: Yuan | None = Field(default=None, description="Packages plus the extra-package penalty")


class ShortLine(BaseModel, defer_build=True):
    sku: str
    requested: int
    best_single_warehouse: int  # the most any one warehouse could ship
    available_in_total: int = 0  # what every eligible warehouse together holds


class Unroutable(BaseModel, defer_build=True):
    """No plan within the strategy's limits ships every line: the order is backordered."""

    reason: str = "not enough stock"
    short_lines: list[ShortLine]


class PackageCost(BaseModel, defer_build=True):
    """One package's cost, itemised; money in yuan."""

    warehouse_id: str
    carrier: str
    zone: str
    distance_km: float
    weight_kg: Decimal
    billed_kg: int
    handling: Yuan
    first_kg: Yuan
    additional_kg: Yuan
    late_penalty: Yuan
    transit_days: int
    ships_in_days: int = Field(description="0 before the warehouse's cut-off, 1 after it")
    late: bool
    total: Yuan


class PlanSummary(BaseModel, defer_build=True):
    warehouses: list[str]
    packages: int
    distance_km: float
    total_cost: Yuan
    extra_package_penalty: Yuan
    late_packages: int
    score: dict[str, Any] = Field(description="The strategy's criteria, in its order")
    shipments: list[Shipment]
    costs: list[PackageCost]


class RunnerUp(PlanSummary):
    why_not: str


class SearchReport(BaseModel, defer_build=True):
    method: str = Field(description="exact: every plan within the limits was bounded or evaluated; heuristic: budget ran out")
    warehouse_sets: int = Field(description="Warehouse sets whose allocation was optimised")
    nodes: int
    lower_bound: Yuan | None = Field(default=None, description="With method heuristic: no plan costs less")


class ExcludedWarehouse(BaseModel, defer_build=True):
    warehouse_id: str
    reason: str


class RoutingDecision(BaseModel, defer_build=True):
    """The chosen plan and why: its cost breakdown, the plans it beat, what was left out."""

    strategy: str
    objective: list[str]
    chosen: PlanSummary
    runners_up: list[RunnerUp]
    excluded: list[ExcludedWarehouse]
    assumptions: list[str] = Field(default_factory=list)
    search: SearchReport

    def plan(self) -> RoutingPlan:
        return RoutingPlan(strategy=self.strategy, shipments=self.chosen.shipments, total_cost=self.chosen.total_cost)
