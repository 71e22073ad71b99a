"""Intake of one order from any channel: oms's SKUs for the channel's codes (a 422 naming each
unknown one), then acceptance (stored once, amended or recorded, queued)."""

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
    send_waiting: Callable[[str], int] | None = None,
) -> Acceptance:
    order = to_internal(channel_order, mapping_for(channel_order, catalog))
    return accept_order(order, store, enqueue, channel_order.received_via, cause=cause, actor=actor, send_waiting=send_waiting)
