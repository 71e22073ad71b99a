"""One store of each kind per process (a Lambda container keeps them warm between invocations)."""

from __future__ import annotations

from shared.aws import clients
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_history import OrderHistory
from shared.aws.order_store import OrderStore
from shared.aws.reference_store import ReferenceStore
from shared.aws.rule_set_store import RuleSetStore

_orders: OrderStore | None = None
_inventory: InventoryStore | None = None
_history: OrderHistory | None = None
_rule_sets: RuleSetStore | None = None
_reference: ReferenceStore | None = None


def order_store() -> OrderStore:
    global _orders
    _orders = _orders or OrderStore()
    return _orders


def inventory_store() -> InventoryStore:
    global _inventory
    _inventory = _inventory or InventoryStore()
    return _inventory


def order_history() -> OrderHistory:
    global _history
    _history = _history or OrderHistory()
    return _history


def rule_set_store() -> RuleSetStore:
    global _rule_sets
    _rule_sets = _rule_sets or RuleSetStore()
    return _rule_sets


def reference_store() -> ReferenceStore:
    global _reference
    _reference = _reference or ReferenceStore()
    return _reference


def reset() -> None:
    """Forget clients and stores: the endpoint or the table names changed (tests, local runtime)."""
    global _orders, _inventory, _history, _rule_sets, _reference
    _orders = _inventory = _history = _rule_sets = _reference = None
    clients.reset()
