"""Intake of one order from any channel: oms's SKUs for the channel's codes (a 422 naming each
unknown one), then acceptance (stored once, amended or recorded, queued). Refunds the order's
payload shows under way go to after-sales with what waited for the order (decision 266)."""

from __future__ import annotations

from collections.abc import Callable

from shared.aws.order_store import OrderStore
from shared.channels.common import ChannelOrder
from shared.lifecycle import Actor
from shared.sku_mapping import SkuCatalog, mapping_for, to_internal
from shared.usecases.accept_order import Acceptance, accept_order


def intake_order(
    channel_order: ChannelOrder,
    catalog: SkuCatalog,
    store: OrderStore,
    enqueue: Callable[[str], None],
    *,
    cause: str | None = None,
    actor: Actor | None = None,
    send_waiting: Callable[..., int] | None = None,
) -> Acceptance:
    """`send_waiting(order_id, shown=[…])` (shared/aftersales/waiting.send_again) sends what
    waited for the order and the refunds its payload shows: while it is RECEIVED before it is
    queued, as accept_order does, and, when the payload shows refunds, whatever its status (a trade
    re-delivered because a refund was asked for while the order is under way or released: after-sales
    stops, amends or intercepts it at its stage; a refund it already has is a duplicate)."""
    order = to_internal(channel_order, mapping_for(channel_order, catalog))
    shown = channel_order.refunds_shown
    if not shown or send_waiting is None:
        return accept_order(order, store, enqueue, channel_order.received_via, cause=cause, actor=actor, send_waiting=send_waiting)
    sent: list[str] = []

    def send(order_id: str) -> int:
        sent.append(order_id)
        return send_waiting(order_id, shown=shown)

    acceptance = accept_order(order, store, enqueue, channel_order.received_via, cause=cause, actor=actor, send_waiting=send)
    if not sent:
        send(acceptance.order_id)
    return acceptance
