"""One store of each kind per process (a Lambda container keeps them warm between invocations)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from shared.aws import clients

if TYPE_CHECKING:  # each store is imported by the accessor that builds it: a handler pays for its own
    from shared.aws.catalog_store import CatalogStore
    from shared.aws.channel_secrets import ChannelSecrets
    from shared.aws.inventory_store import InventoryStore
    from shared.aws.order_history import OrderHistory
    from shared.aws.order_store import OrderStore
    from shared.aws.reference_store import ReferenceStore
    from shared.aws.rule_set_store import RuleSetStore
    from shared.outbox.publish import OutboxPublisher
    from shared.outbox.store import OutboxStore
    from shared.operations.store import OperationsStore

T = TypeVar("T")

_stores: dict[type, Any] = {}


def _one(kind: type[T]) -> T:
    found = _stores.get(kind)
    if found is None:
        found = _stores[kind] = kind()
    return found


def order_store() -> OrderStore:
    from shared.aws.order_store import OrderStore

    return _one(OrderStore)


def inventory_store() -> InventoryStore:
    from shared.aws.inventory_store import InventoryStore

    return _one(InventoryStore)


def order_history() -> OrderHistory:
    from shared.aws.order_history import OrderHistory

    return _one(OrderHistory)


def rule_set_store() -> RuleSetStore:
    from shared.aws.rule_set_store import RuleSetStore

    return _one(RuleSetStore)


def reference_store() -> ReferenceStore:
    from shared.aws.reference_store import ReferenceStore

    return _one(ReferenceStore)


def catalog_store() -> CatalogStore:
    from shared.aws.catalog_store import CatalogStore

    return _one(CatalogStore)


def operations_store() -> OperationsStore:
    from shared.operations.store import OperationsStore

    return _one(OperationsStore)


def channel_secrets() -> ChannelSecrets:
    from shared.aws.channel_secrets import ChannelSecrets

    return _one(ChannelSecrets)


def outbox_publisher() -> OutboxPublisher:
    from shared.outbox.publish import OutboxPublisher

    found = _stores.get(OutboxPublisher)
    if found is None:
        from shared.aws.messaging import publish, send_to_wms
        from shared.outbox.store import OutboxStore

        found = _stores[OutboxPublisher] = OutboxPublisher(OutboxStore(), send_to_wms, publish)
    return found


def reset() -> None:
    """Forget clients and stores: the endpoint or the table names changed (tests, local runtime)."""
    _stores.clear()
    clients.reset()
