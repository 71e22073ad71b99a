"""Release backordered orders when their stock comes back, oldest first, one at a time per SKU.

Called once per restock signal, and the per-SKU FIFO queue (shared/backorders/queue.py) delivers
one SKU's signals one after another, so two releases never race for the same units. For each
BACKORDERED order that needs the SKU, in the order it started waiting (the by_status index's
`updated_at`):

1. the router plans it on the stock as it is now, without writing anything. No plan: the order
   stays BACKORDERED untouched, so it keeps its place in the line;
2. it moves BACKORDERED → APPROVED with a timeline entry naming the SKU, the stock change, its
   place in the line and since when it waited; then it is routed and its stock reserved right
   here (the workflow steps' own use cases), so the next order is judged on what is left;
3. a run of the fulfilment workflow starts at ReleaseToWarehouse, named after the order's
   version: a repeated signal finds the order no longer BACKORDERED and a repeated start is the
   same name (Express may run it twice: every step is idempotent, decision 25).

A pass stops when the SKU has nothing left anywhere, or after a budget of releases or orders read;
then it continues in a new signal, so one restock of a SKU with thousands waiting never outlives
the function's timeout."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.backorders.signals import RestockSignal
from shared.backorders.wake import wake_child_if_restocked
from shared.clock import now_iso
from shared.errors import StockShortage, VersionConflict
from shared.lifecycle import Actor, OrderStatus, transition_entry
from shared.usecases.reserve_stock import reserve_stock
from shared.usecases.route_order import MAX_ROUTE_ATTEMPTS, plan_now, route_order

StartRun = Callable[[str, str, str], object]  # (order id, resume_at, run name)
ContinueLater = Callable[[RestockSignal], None]
Outcome = Literal["released", "waits", "backordered_again", "moved_on"]
_ACTOR = Actor.system("backorder-release")
PAGE = 50


class Release(BaseModel, defer_build=True):
    order_id: str
    place: int = Field(description="Its place among the orders waiting for the SKU (1 = the oldest)")
    waited_since: str
    outcome: Outcome


class ReleaseReport(BaseModel, defer_build=True):
    sku: str
    trigger: str
    looked_at: int = 0
    releases: list[Release] = Field(default_factory=list)
    continued: bool = False
    stopped_because: str = "no more orders wait for the SKU"

    def released(self) -> list[str]:
        return [r.order_id for r in self.releases if r.outcome == "released"]


def release_backorders(
    signal: RestockSignal,
    orders: OrderStore,
    inventory: InventoryStore,
    start_run: StartRun,
    continue_later: ContinueLater,
    max_releases: int = 20,
    max_read: int = 500,
) -> ReleaseReport:
    report = ReleaseReport(sku=signal.sku, trigger=signal.trigger)
    if _available(inventory, signal.sku) <= 0:  # a count that left nothing free: no order to read
        report.stopped_because = f"no {signal.sku} left in any warehouse"
        return report
    cutoff, token, place, read = now_iso(), signal.next_token, 0, 0
    while True:
        page, token = orders.waiting_page(OrderStatus.BACKORDERED, cutoff, PAGE, token)
        for waiting in page:
            read += 1
            if not any(line.sku == signal.sku for line in waiting.order.lines):
                continue
            if _available(inventory, signal.sku) <= 0:
                report.stopped_because = f"no {signal.sku} left in any warehouse"
                return report
            place += 1
            report.looked_at += 1
            outcome = _release_one(waiting, place, signal, orders, inventory, start_run, continue_later)
            report.releases.append(Release(order_id=waiting.order_id, place=place, waited_since=waiting.updated_at, outcome=outcome))
            if len(report.released()) >= max_releases:
                # Start again from the oldest: the released ones left the line, the others keep their place.
                continue_later(signal.continued(None))
                report.continued, report.stopped_because = True, f"released {max_releases}: continues in a new signal"
                return report
        if token is None:
            return report
        if read >= max_read:
            continue_later(signal.continued(token))
            report.continued, report.stopped_because = True, f"read {read} waiting orders: continues in a new signal"
            return report


def _available(inventory: InventoryStore, sku: str) -> int:
    return sum(max(0, level.available) for level in inventory.stock_levels([sku]))


def _release_one(
    waiting: StoredOrder, place: int, signal: RestockSignal, orders: OrderStore, inventory: InventoryStore, start_run: StartRun, send: ContinueLater
) -> Outcome:
    if plan_now(waiting.order, inventory) is None:
        return "waits"  # untouched: it keeps its place
    entry = transition_entry(
        OrderStatus.BACKORDERED,
        OrderStatus.APPROVED,
        _ACTOR,
        sku=signal.sku,
        warehouse_id=signal.warehouse_id,
        stock_change=signal.trigger,
        place_in_line=place,
        waited_since=waiting.updated_at,
    )
    try:
        orders.transition(waiting, OrderStatus.APPROVED, entry)
    except VersionConflict:
        return "moved_on"  # amended, cancelled or released by another SKU's signal meanwhile
    if not _route_and_reserve(waiting.order_id, orders, inventory, send):
        return "backordered_again"
    reserved = orders.load(waiting.order_id)
    start_run(waiting.order_id, "ReleaseToWarehouse", f"{waiting.order_id}-restock-v{reserved.version}")
    return "released"


def _route_and_reserve(order_id: str, orders: OrderStore, inventory: InventoryStore, send: ContinueLater) -> bool:
    """The workflow's Route → ReserveStock loop, run here so the next order sees what is left."""
    for attempt in range(MAX_ROUTE_ATTEMPTS + 2):
        if route_order(order_id, attempt, orders, inventory).outcome == "BACKORDERED":
            return False
        try:
            reserve_stock(order_id, orders, inventory)
        except StockShortage:
            continue  # another order took the units between the plan and the reservation: plan again
        _wake_child_best_effort(order_id, orders, inventory, send)
        return True
    return False


_LOG = logging.getLogger("oms.backorders")


def _wake_child_best_effort(order_id: str, orders: OrderStore, inventory: InventoryStore, send: ContinueLater) -> None:
    """BACKORDER_MODE=lines: the look at the stock for the child of the order's missing lines, as
    the inventory lock takes it, once the order holds its units (decision 191). A failure to send
    leaves the child to the next receipt's signal or the stuck detector, and does not stop the
    pass with its parent reserved and no run started."""
    try:
        wake_child_if_restocked(order_id, orders, inventory, send)
    except Exception:  # noqa: BLE001 - the parent's release goes on whatever this look meets
        _LOG.warning("%s: the look at the stock for its backorder child failed", order_id, exc_info=True)
