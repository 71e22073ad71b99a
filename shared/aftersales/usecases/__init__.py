"""After-sales use cases: apply a channel's refund at the order's stage (apply_refund), the
warehouse's answer to an intercept request (intercept), a return receipt (returns)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shared.aftersales.store import AfterSalesStore
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore
from shared.events import DomainEvent
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
