"""A small routing network for the unit tests: the shipped rate cards, warehouses in four cities,
a catalogue and a policy the tests can vary."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

from shared.geo import find_province
from shared.routing import Network, RoutingRequest, StockLevel, build_network, destination_of
from shared.routing.config import RATE_CARDS_FILE, RoutingConfig, parse_config

NOON_UTC = datetime(2026, 11, 11, 4, 0, tzinfo=timezone.utc)  # 12:00 China time, before every cut-off

WAREHOUSES: list[dict[str, Any]] = [
    {"warehouse_id": "WH-SH", "name": "sh", "province": "上海", "city": "上海", "lat": 31.38, "lon": 121.27, "handling_cost": "2.00", "capabilities": ["cold_chain"]},
    {"warehouse_id": "WH-HZ", "name": "hz", "province": "浙江", "city": "杭州", "lat": 30.27, "lon": 120.15, "handling_cost": "2.50"},
    {"warehouse_id": "WH-BJ", "name": "bj", "province": "北京", "city": "北京", "lat": 39.73, "lon": 116.34, "handling_cost": "2.00"},
    {"warehouse_id": "WH-GZ", "name": "gz", "province": "广东", "city": "广州", "lat": 23.16, "lon": 113.27, "handling_cost": "1.50"},
]

CATALOGUE: dict[str, Any] = {
    "default_weight_kg": "1.000",
    "skus": [
        {"sku": "TEA", "weight_kg": "0.300"},
        {"sku": "CUP", "weight_kg": "1.800"},
        {"sku": "IRON", "weight_kg": "9.000"},
        {"sku": "ICE", "weight_kg": "0.800", "requires": ["cold_chain"]},
        {"sku": "KETTLE", "weight_kg": "2.000"},
        {"sku": "TRAY", "weight_kg": "1.000"},
    ],
    "kits": [{"kit_id": "KIT-SET", "skus": ["KETTLE", "TRAY"]}],
}

POLICY: dict[str, Any] = {
    "penalties": {"extra_package": "2.00", "late_delivery": "10.00"},
    "warehouse_defaults": {"handling_cost": "2.00", "cut_off": "17:00", "carriers": ["zto", "sf", "deppon"]},
    "strategies": {
        "lowest-cost": {"objective": ["cost", "packages", "distance"], "max_packages": 3},
        "fewest-packages": {"objective": ["packages", "distance", "cost"]},
        "closest": {"objective": ["distance", "cost"]},
        "location-priority": {"objective": ["packages", "priority", "cost"], "priority": ["WH-GZ", "WH-BJ", "WH-SH", "WH-HZ"]},
        "single-package": {"objective": ["cost"], "max_packages": 1},
        "whole-lines": {"objective": ["cost"], "split_quantities": False},
    },
    "default_strategy": "lowest-cost",
    "strategy_by_channel": {"erp": "fewest-packages"},
}


def config(**changes: Any) -> RoutingConfig:
    """The test configuration; `changes` replace top-level keys: rate_cards, catalogue, policy."""
    parts = {"rate_cards": json.loads(RATE_CARDS_FILE.read_text("utf-8")), "catalogue": copy.deepcopy(CATALOGUE), "policy": copy.deepcopy(POLICY)}
    parts.update(changes)
    return parse_config(parts["rate_cards"], parts["catalogue"], parts["policy"])


def network(warehouses: list[dict[str, Any]] | None = None, **changes: Any) -> Network:
    return build_network(copy.deepcopy(warehouses or WAREHOUSES), config(**changes))


def stock(*rows: tuple[str, str, int]) -> list[StockLevel]:
    return [StockLevel(sku=sku, warehouse_id=wh, available=q) for sku, wh, q in rows]


def request(*lines: tuple[str, int], to: str = "上海", **fields: Any) -> RoutingRequest:
    return RoutingRequest(lines=tuple(lines), destination=destination_of(find_province(to)), now=fields.pop("now", NOON_UTC), **fields)
