"""A restock that came while the order was still being routed: the order wakes itself.

A restock signal releases the orders that are BACKORDERED when it is handled. An order whose
routing read the stock before a receipt, and committed BACKORDERED after that receipt's signal
was handled, would wait for the next restock of its SKUs (hours, or never): a lost wake-up. So
after the routing step backorders an order it plans it once more on the stock as it is now; if
the stock covers it, it sends a restock signal for one of its SKUs through the same per-SKU FIFO
queue, and the release (shared/backorders/release.py) takes it as it takes any waiting order,
oldest first. Any receipt applied after this look sends its own signal, which finds the order
BACKORDERED. The signal's id names the order and its version, so a retried step sends it once."""

from __future__ import annotations

from collections.abc import Callable

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore
from shared.backorders.signals import RestockSignal
from shared.errors import OrderNotFound
from shared.lifecycle import OrderStatus
from shared.usecases.route_order import plan_now
from shared.usecases.split_backorder import MISSING_LINES, backorder_child_id, backorder_mode

SendSignal = Callable[[RestockSignal], None]


def wake_if_restocked(order_id: str, orders: OrderStore, inventory: InventoryStore, send: SendSignal) -> RestockSignal | None:
    """The signal sent (None: the order is not BACKORDERED, or the stock still cannot cover it)."""
    try:
        current = orders.load(order_id)
    except OrderNotFound:  # a child of missing lines that was never split off
        return None
    if current is None or current.status != OrderStatus.BACKORDERED or not current.order.lines:
        return None
    if plan_now(current.order, inventory) is None:
        return None
    signal = RestockSignal(sku=current.order.lines[0].sku, trigger=f"backordered:{order_id}:v{current.version}")
    send(signal)
    return signal


def wake_child_if_restocked(order_id: str, orders: OrderStore, inventory: InventoryStore, send: SendSignal) -> RestockSignal | None:
    """BACKORDER_MODE=lines: the same look for the child holding the order's missing lines, taken
    once the order holds its own units (the inventory lock), so that the units it planned are not
    counted as free for the child (decision 186). None without a child or in whole-order mode."""
    if backorder_mode() != MISSING_LINES:
        return None
    return wake_if_restocked(backorder_child_id(orders.load(order_id).order), orders, inventory, send)
