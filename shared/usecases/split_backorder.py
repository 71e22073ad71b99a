"""Line-level backorder (configuration BACKORDER_MODE=lines): when the stock covers only part of
an order, the order ships what exists and the missing quantities become a child order that waits
in BACKORDERED for replenishment. The child's id comes from the parent's, so a retried routing
step finds the same child instead of making a second one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal

from shared.aws.order_store import OrderStore, StoredOrder
from shared.ids import order_id_for
from shared.lifecycle import Actor, OrderStatus, TimelineEntry, transition_entry
from shared.orders import OrderIn
from shared.routing import ShortLine

BACKORDER_MODE_ENV = "BACKORDER_MODE"
WHOLE_ORDER, MISSING_LINES = "order", "lines"
_ACTOR = Actor.system("routing")


def backorder_mode() -> str:
    """'order' (default): no stock for a line backorders the whole order; 'lines': ship the rest."""
    mode = os.environ.get(BACKORDER_MODE_ENV, WHOLE_ORDER)
    if mode not in (WHOLE_ORDER, MISSING_LINES):
        raise ValueError(f"{BACKORDER_MODE_ENV} must be '{WHOLE_ORDER}' or '{MISSING_LINES}', not {mode!r}")
    return mode


def shippable_now(lines: tuple[tuple[str, int], ...], short_lines: list[ShortLine]) -> tuple[tuple[tuple[str, int], ...], dict[str, int]]:
    """(what the stock covers, what is missing by SKU) for an order the stock cannot cover whole."""
    requested: dict[str, int] = {}
    for sku, quantity in lines:
        requested[sku] = requested.get(sku, 0) + quantity
    covered = dict(requested)
    for short in short_lines:
        covered[short.sku] = min(requested.get(short.sku, 0), short.available_in_total)
    missing = {sku: requested[sku] - covered[sku] for sku in requested if covered[sku] < requested[sku]}
    return tuple((sku, q) for sku, q in covered.items() if q > 0), missing


def backorder_child_id(order: OrderIn) -> str:
    """The id of the child order that holds this order's missing lines (whether or not it exists)."""
    return order_id_for(order.channel.value, _child_external_id(order.external_id))


def _child_external_id(external_id: str) -> str:
    return f"{external_id}#backorder"


def split_off_backorder(parent: StoredOrder, missing: Mapping[str, int], orders: OrderStore) -> str:
    """Creates (once) the child order of the missing quantities, BACKORDERED; returns its id."""
    order = parent.order
    child_lines = []
    for sku, quantity in sorted(missing.items()):
        source = next(line for line in order.lines if line.sku == sku)
        # The price carries over; the parent's discount stays with the parent's invoice.
        child_lines.append(source.model_copy(update={"quantity": quantity, "discount": Decimal("0.00")}))
    child = order.model_copy(update={"external_id": _child_external_id(order.external_id), "lines": child_lines, "order_total": None, "invoice": None})
    entry = TimelineEntry(
        from_status=None,
        to_status=OrderStatus.RECEIVED,
        cause=f"lines no warehouse holds, split off order {parent.order_id}",
        actor=_ACTOR,
        details={"parent_order_id": parent.order_id, "lines": [{"sku": s, "quantity": q} for s, q in sorted(missing.items())]},
    )
    stored, _ = orders.create(child, entry)
    if stored.status == OrderStatus.RECEIVED:
        orders.transition(stored, OrderStatus.BACKORDERED, transition_entry(stored.status, OrderStatus.BACKORDERED, _ACTOR, parent_order_id=parent.order_id))
    return stored.order_id
