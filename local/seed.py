"""Loads the seed data of events/seed/ into the local stores: warehouses and stock (inventory
table; the warehouses are checked against the routing configuration first, and an inconsistent
network is refused by name before anything is written), oms's SKUs and the channel SKU mapping
(catalog table), review reference data (review table), and the local shops' webhook signing
secrets (the channel secrets secret). The secrets are local stand-ins, not real ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shared.aws.catalog_store import CatalogStore, Product, SkuMapping
from shared.aws.channel_secrets import SECRET_ENV
from shared.aws.clients import client, resource_name
from shared.aws.inventory_store import InventoryStore
from shared.aws.reference_store import ReferenceStore
from shared.inventory import StockRecord
from shared.reference import ReferenceFile
from shared.routing import Warehouse, build_network

SEED_DIR = Path(__file__).resolve().parent.parent / "events" / "seed"
SEED = SEED_DIR / "warehouses.json"
REVIEW_REFERENCE = SEED_DIR / "review_reference.json"
CATALOG = SEED_DIR / "catalog.json"
CHANNEL_SECRETS = SEED_DIR / "channel_secrets.json"


@dataclass(frozen=True)
class Seeded:
    warehouses: int
    stock: int
    products: int
    mappings: int
    shops: int


def load_seed() -> Seeded:
    warehouses, stock = load_inventory()
    load_review_reference()
    products, mappings = load_catalog()
    return Seeded(warehouses, stock, products, mappings, load_channel_secrets())


def load_inventory(path: Path = SEED, store: InventoryStore | None = None) -> tuple[int, int]:
    data = json.loads(path.read_text("utf-8"))
    build_network(data["warehouses"])
    store = store or InventoryStore()
    for row in data["warehouses"]:
        store.put_warehouse(Warehouse.model_validate(row))
    for row in data["stock"]:
        store.put_stock(StockRecord.model_validate(row))
    return len(data["warehouses"]), len(data["stock"])


def review_reference(path: Path = REVIEW_REFERENCE) -> ReferenceFile:
    return ReferenceFile.model_validate_json(path.read_text("utf-8"))


def load_review_reference(path: Path = REVIEW_REFERENCE, store: ReferenceStore | None = None) -> int:
    return (store or ReferenceStore()).load_file(review_reference(path))


def load_catalog(path: Path = CATALOG, store: CatalogStore | None = None) -> tuple[int, int]:
    data = json.loads(path.read_text("utf-8"))
    store = store or CatalogStore()
    for row in data["products"]:
        store.put_product(Product.model_validate(row))
    for row in data["channel_skus"]:
        store.put_mapping(SkuMapping.model_validate(row))
    return len(data["products"]), len(data["channel_skus"])


def load_channel_secrets(path: Path = CHANNEL_SECRETS) -> int:
    secrets = json.loads(path.read_text("utf-8"))["secrets"]
    client("secretsmanager").put_secret_value(SecretId=resource_name(SECRET_ENV), SecretString=json.dumps(secrets))
    return sum(len(shops) for shops in secrets.values())
