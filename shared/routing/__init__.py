"""Routing: which warehouses ship an order (splitting it, 拆单, when that is cheaper or needed), and
why. Pure domain: no boto3; warehouses, stock and the clock come in as values.

  model      the boundary values: warehouses, stock, plans, the explanation
  network    the compiled network: warehouses in fen, carriers by zone, SKU weights, strategies
  config     loads and checks the configuration (shared/data/routing_*.json, sku_catalogue.json)
  costs      the cost model
  demand     an order's lines as items (kits kept together)
  optimiser  exact branch and bound, with a node budget and a proven bound beyond it
  explain    the chosen plan, its cost breakdown, the runners-up
  planner    plan_order: all of the above for one order
"""

from shared.routing.config import RoutingConfigError, build_network, parse_warehouse, shipped_config
from shared.routing.model import (
    PlannedLine,
    RoutingDecision,
    RoutingPlan,
    Shipment,
    ShortLine,
    StockLevel,
    Unroutable,
    Warehouse,
)
from shared.routing.network import Destination, Network, Strategy
from shared.routing.planner import RoutingRequest, destination_of, plan_order

__all__ = [
    "Destination",
    "Network",
    "PlannedLine",
    "RoutingConfigError",
    "RoutingDecision",
    "RoutingPlan",
    "RoutingRequest",
    "Shipment",
    "ShortLine",
    "StockLevel",
    "Strategy",
    "Unroutable",
    "Warehouse",
    "build_network",
    "destination_of",
    "parse_warehouse",
    "plan_order",
    "shipped_config",
]
