"""Loads warehouses and stock (events/seed/warehouses.json) into the inventory table, and review
reference data (events/seed/review_reference.json) into the review table. The warehouses are
checked against the routing configuration first: an inconsistent network is refused, by name,
before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

from shared.aws.inventory_store import InventoryStore
from shared.aws.reference_store import ReferenceStore
from shared.inventory import StockRecord
from shared.reference import ReferenceFile
from shared.routing import Warehouse, build_network

SEED = Path(__file__).resolve().parent.parent / "events" / "seed" / "warehouses.json"
REVIEW_REFERENCE = SEED.parent / "review_reference.json"


def load_seed(path: Path = SEED, store: InventoryStore | None = None) -> tuple[int, int]:
    data = json.loads(path.read_text("utf-8"))
    build_network(data["warehouses"])
    store = store or InventoryStore()
    for row in data["warehouses"]:
        store.put_warehouse(Warehouse.model_validate(row))
    for row in data["stock"]:
        store.put_stock(StockRecord.model_validate(row))
    load_review_reference()
    return len(data["warehouses"]), len(data["stock"])


def review_reference(path: Path = REVIEW_REFERENCE) -> ReferenceFile:
    return ReferenceFile.model_validate_json(path.read_text("utf-8"))


def load_review_reference(path: Path = REVIEW_REFERENCE, store: ReferenceStore | None = None) -> int:
    return (store or ReferenceStore()).load_file(review_reference(path))
