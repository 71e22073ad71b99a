"""oms's copies of a page of channel orders: first only their status and content fingerprint, in
batches of 100 (one or three calls per page, not one per order; the order id comes from channel +
external id as intake derives it); the whole order only where the fingerprints differ."""

from __future__ import annotations

from shared.aws.dynamo import batch_get
from shared.aws.order_store import OrderStore
from shared.ids import order_id_for
from shared.lifecycle import OrderStatus
from shared.reconciliation.compare import OmsCopy


def oms_copies(orders: OrderStore, channel: str, external_ids: list[str]) -> dict[str, OmsCopy]:
    """External id -> oms's copy (status and fingerprint, no order yet), for the ids oms holds."""
    by_order_id = {order_id_for(channel, external_id): external_id for external_id in external_ids}
    items = batch_get(
        orders.db,
        orders.table,
        [{"pk": f"ORDER#{order_id}", "sk": "META"} for order_id in by_order_id],
        projection="order_id, #status, fingerprint",
        names={"#status": "status"},
    )
    return {by_order_id[i["order_id"]]: OmsCopy(order_id=i["order_id"], status=OrderStatus(i["status"]), fingerprint=i["fingerprint"]) for i in items}


def with_order(copy: OmsCopy, orders: OrderStore) -> OmsCopy:
    return copy.model_copy(update={"order": orders.load(copy.order_id).order})
