"""After-sales use cases: apply a channel's refund at the order's stage (apply_refund), the
warehouse's answer to an intercept request (intercept), a return receipt (returns)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.aftersales.store import AfterSalesStore
from shared.aws.dynamo import TransactionCancelled
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.errors import VersionConflict
from shared.events import DomainEvent
from shared.lifecycle import OrderStatus, TimelineEntry
from shared.outbox.publish import OutboxPublisher


@dataclass(frozen=True)
class AfterSales:
    """What the after-sales use cases work with (the handlers build it from the AWS adapters)."""

    orders: OrderStore
    records: AfterSalesStore
    inventory: InventoryStore
    publish: Callable[[Sequence[DomainEvent]], None]
    publisher: OutboxPublisher
    start_run: Callable[[str, str], bool]  # (order id, execution name): the workflow again for an amended order


def guarded_transition(
    deps: AfterSales, current: StoredOrder, to_status: OrderStatus, entry: TimelineEntry, guard: dict[str, Any], extra_items: list[dict[str, Any]], set_fields: dict[str, Any] | None = None
) -> StoredOrder:  # fmt: skip
    """A refund's status change with its records and the refunds guard (last): the guard's failure
    (another refund of the order written since it was read) is a lost race, as META's is
    (VersionConflict: the refund reads again and decides again, decision 255)."""
    try:
        return deps.orders.transition(current, to_status, entry, set_fields=set_fields, extra_items=[*extra_items, guard])
    except TransactionCancelled as cancelled:
        if cancelled.failed(-1):
            raise VersionConflict(current.order_id, current.version) from cancelled
        raise
