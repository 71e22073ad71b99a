"""One store of each kind per process (a Lambda container keeps them warm between invocations)."""

from __future__ import annotations

from typing import Any, TypeVar

from shared.aws import clients
from shared.aws.catalog_store import CatalogStore
from shared.aws.channel_secrets import ChannelSecrets
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_history import OrderHistory
from shared.aws.order_store import OrderStore
from shared.aws.reference_store import ReferenceStore
from shared.aws.rule_set_store import RuleSetStore
from shared.operations.store import OperationsStore

T = TypeVar("T")

_stores: dict[type, Any] = {}


def _one(kind: type[T]) -> T:
    found = _stores.get(kind)
    if found is None:
        found = _stores[kind] = kind()
    return found


def order_store() -> OrderStore:
    return _one(OrderStore)


def inventory_store() -> InventoryStore:
    return _one(InventoryStore)


def order_history() -> OrderHistory:
    return _one(OrderHistory)


def rule_set_store() -> RuleSetStore:
    return _one(RuleSetStore)


def reference_store() -> ReferenceStore:
    return _one(ReferenceStore)


def catalog_store() -> CatalogStore:
    return _one(CatalogStore)


def operations_store() -> OperationsStore:
    return _one(OperationsStore)


def channel_secrets() -> ChannelSecrets:
    return _one(ChannelSecrets)


def reset() -> None:
    """Forget clients and stores: the endpoint or the table names changed (tests, local runtime)."""
    _stores.clear()
    clients.reset()
