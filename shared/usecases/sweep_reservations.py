"""The reservation sweeper (scheduled): gives back stock whose hold expired with no order owning
it. DynamoDB TTL may delete hours late and would not give the stock back at all, so expiry is
ours to enforce; TTL only removes settled records later."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore
from shared.clock import now_iso
from shared.errors import OrderNotFound
from shared.inventory import ReservationLine
from shared.lifecycle import OrderStatus
from shared.usecases.settle_reservations import release_reservation

# An order in one of these statuses has its stock reserved on purpose.
OWNING = frozenset({OrderStatus.RESERVED, OrderStatus.RELEASED, OrderStatus.SHIPPED})


class SweepReport(BaseModel, defer_build=True):
    expired_lines: int = 0
    released_lines: int = 0
    confirmed_lines: int = 0  # expired but owned by their order: taken out of the index
    orders: list[str] = []


def sweep_expired_reservations(orders: OrderStore, inventory: InventoryStore, now: str | None = None, limit: int = 500) -> SweepReport:
    expired = inventory.expired_holds(now or now_iso(), limit)
    by_order: dict[str, list[ReservationLine]] = defaultdict(list)
    for line in expired:
        by_order[line.order_id].append(line)
    report = SweepReport(expired_lines=len(expired), orders=sorted(by_order))
    for order_id, lines in by_order.items():
        try:
            owned = orders.load(order_id).status in OWNING
        except OrderNotFound:
            owned = False
        if owned:
            for line in lines:
                inventory.confirm_hold(line)
            report.confirmed_lines += len(lines)
        else:
            report.released_lines += len(release_reservation(order_id, "hold expired with no order owning it", inventory))
    return report
