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

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Each name is imported from its module when first asked for (PEP 562): a handler that needs only
# a value class (the inventory store reads RoutingPlan) does not load the configuration, the
# cost model and the optimiser with it.
_WHERE = {
    "RoutingConfigError": "config",
    "build_network": "config",
    "parse_warehouse": "config",
    "shipped_config": "config",
    "PlannedLine": "model",
    "RoutingDecision": "model",
    "RoutingPlan": "model",
    "Shipment": "model",
    "ShortLine": "model",
    "StockLevel": "model",
    "Unroutable": "model",
    "Warehouse": "model",
    "Destination": "network",
    "Network": "network",
    "Strategy": "network",
    "RoutingRequest": "planner",
    "destination_of": "planner",
    "plan_order": "planner",
}

if TYPE_CHECKING:
    from shared.routing.config import RoutingConfigError, build_network, parse_warehouse, shipped_config
    from shared.routing.model import PlannedLine, RoutingDecision, RoutingPlan, Shipment, ShortLine, StockLevel, Unroutable, Warehouse
    from shared.routing.network import Destination, Network, Strategy
    from shared.routing.planner import RoutingRequest, destination_of, plan_order


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'shared.routing' has no attribute {name!r}")
    value = getattr(import_module(f"shared.routing.{module}"), name)
    globals()[name] = value
    return value


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
