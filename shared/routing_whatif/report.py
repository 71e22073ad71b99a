"""The what-if's report: what the API answers and the CLI prints. Its own module, apart from the
replay, so that the routing what-if API's handler declares its answer without importing the
replay with the planner and the optimiser at a cold start (they are imported by the route's
first call). Deferred builds (`defer_build=True`): the first report built, or the OpenAPI
document, builds them (a SnapStart snapshot holds them built, decision 254)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from shared.routing.model import RoutingDecision

MAX_CHANGED_LISTED = 200
ZERO = Decimal("0.00")


class PlanBrief(BaseModel, defer_build=True):
    strategy: str
    warehouses: list[str]
    packages: int
    total_cost: Decimal
    late_packages: int


class ChangedRouting(BaseModel, defer_build=True):
    order_id: str
    channel: str
    external_id: str
    in_force: PlanBrief | None = Field(description="None: backordered under the policy in force")
    candidate: PlanBrief | None = Field(description="None: backordered under the candidate")
    cost_delta: Decimal | None = Field(description="candidate − in force, yuan (both routed)")
    explanation: str
    candidate_decision: RoutingDecision | None = Field(description="The candidate's full routing explanation")


class Side(BaseModel, defer_build=True):
    routed: int = 0
    backordered: int = 0
    total_cost: Decimal = Field(default=ZERO, description="Over the orders both policies route, yuan")
    cost_per_order: Decimal = ZERO
    packages: int = 0
    late_orders: int = 0
    load: dict[str, int] = Field(default_factory=dict, description="Packages per warehouse")
    optimum_total_cost: Decimal = Field(default=ZERO, description="The exact cost optimum of this side's cost model, same orders")
    gap_to_optimum: Decimal = Field(default=ZERO, description="total_cost / optimum_total_cost − 1")


class RoutingWhatIfReport(BaseModel, defer_build=True):
    orders: int
    candidate_description: str
    compared: int = Field(description="Orders both policies route (the totals are over these)")
    in_force: Side
    candidate: Side
    cost_delta_total: Decimal
    cost_delta_per_order: Decimal
    changed_count: int
    changed: list[ChangedRouting] = Field(description=f"Orders whose plan changes (at most {MAX_CHANGED_LISTED})")
