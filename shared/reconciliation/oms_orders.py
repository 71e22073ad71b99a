"""oms's copies of a page of channel orders, read in batches of 100 (one call per page, not one
per order): the order id comes from channel + external id, as intake derives it."""

from __future__ import annotations

from shared.aws.dynamo import batch_get
from shared.aws.order_store import OrderStore, StoredOrder
from shared.ids import order_id_for
from shared.reconciliation.compare import OmsCopy


def oms_copies(orders: OrderStore, channel: str, external_ids: list[str]) -> dict[str, OmsCopy]:
    """External id -> oms's copy, for the ids oms holds."""
    by_order_id = {order_id_for(channel, external_id): external_id for external_id in external_ids}
    items = batch_get(orders.db, orders.table, [{"pk": f"ORDER#{order_id}", "sk": "META"} for order_id in by_order_id])
    found: dict[str, OmsCopy] = {}
    for item in items:
        stored = StoredOrder.model_validate(item)
        found[by_order_id[stored.order_id]] = OmsCopy(status=stored.status, order=stored.order)
    return found
