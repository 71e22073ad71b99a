"""One store of each kind per process (a Lambda container keeps them warm between invocations)."""

from __future__ import annotations

from shared.aws import clients
from shared.aws.catalog_store import CatalogStore
from shared.aws.channel_secrets import ChannelSecrets
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore

_orders: OrderStore | None = None
_inventory: InventoryStore | None = None
_catalog: CatalogStore | None = None
_secrets: ChannelSecrets | None = None


def order_store() -> OrderStore:
    global _orders
    _orders = _orders or OrderStore()
    return _orders


def inventory_store() -> InventoryStore:
    global _inventory
    _inventory = _inventory or InventoryStore()
    return _inventory


def catalog_store() -> CatalogStore:
    global _catalog
    _catalog = _catalog or CatalogStore()
    return _catalog


def channel_secrets() -> ChannelSecrets:
    global _secrets
    _secrets = _secrets or ChannelSecrets()
    return _secrets


def reset() -> None:
    """Forget clients and stores: the endpoint or the table names changed (tests, local runtime)."""
    global _orders, _inventory, _catalog, _secrets
    _orders = _inventory = _catalog = _secrets = None
    clients.reset()
