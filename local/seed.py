"""Loads warehouses and stock (events/seed/*.json) into the inventory table. The warehouses are
checked against the routing configuration first: an inconsistent network is refused, by name,
before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

from shared.aws.inventory_store import InventoryStore, StockRecord
from shared.routing import Warehouse, build_network

SEED = Path(__file__).resolve().parent.parent / "events" / "seed" / "warehouses.json"


def load_seed(path: Path = SEED, store: InventoryStore | None = None) -> tuple[int, int]:
    data = json.loads(path.read_text("utf-8"))
    build_network(data["warehouses"])
    store = store or InventoryStore()
    for row in data["warehouses"]:
        store.put_warehouse(Warehouse.model_validate(row))
    for row in data["stock"]:
        store.put_stock(StockRecord.model_validate(row))
    return len(data["warehouses"]), len(data["stock"])
