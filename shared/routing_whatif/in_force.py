"""The routing policy in force, as a what-if starts from it: the strategies an order can be routed
by, which one each channel uses, the split limit, and the carriers each warehouse may use (the
console's routing page fills its candidate form with these). Reads only."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from shared.routing import Warehouse
from shared.routing.config import shipped_config


class StrategyInForce(BaseModel):
    name: str
    description: str
    objective: list[str] = Field(description="What the strategy ranks plans by, first criterion first")
    max_packages: int = Field(description="Its split limit (1 = never split)")


class WarehouseCarriers(BaseModel):
    warehouse_id: str
    name: str
    carriers: list[str] = Field(description="The carriers it may use: its own list, else the policy's default")
    own_list: bool = Field(description="Whether the warehouse names its carriers (false: the policy's default)")


class CarrierInForce(BaseModel):
    carrier_id: str
    name: str


class RoutingPolicyInForce(BaseModel):
    strategies: list[StrategyInForce]
    default_strategy: str
    strategy_by_channel: dict[str, str]
    warehouses: list[WarehouseCarriers]
    carriers: list[CarrierInForce] = Field(description="Every carrier of the rate cards")


def policy_in_force(warehouses: Sequence[Warehouse]) -> RoutingPolicyInForce:
    config = shipped_config()
    policy = config.policy
    default_carriers = list(policy.warehouse_defaults.carriers)
    return RoutingPolicyInForce(
        strategies=[
            StrategyInForce(name=name, description=spec.description, objective=[str(c) for c in spec.objective], max_packages=spec.max_packages)
            for name, spec in policy.strategies.items()
        ],
        default_strategy=policy.default_strategy,
        strategy_by_channel=dict(policy.strategy_by_channel),
        warehouses=[
            WarehouseCarriers(warehouse_id=w.warehouse_id, name=w.name, carriers=list(w.carriers) if w.carriers is not None else default_carriers, own_list=w.carriers is not None)
            for w in sorted(warehouses, key=lambda w: w.warehouse_id)
        ],
        carriers=[CarrierInForce(carrier_id=c.carrier_id, name=c.name) for c in config.rate_cards.carriers],
    )
