"""The after-sales use cases' collaborators on AWS (the handlers' one place to build them)."""

from __future__ import annotations

from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases import AfterSales
from shared.aws.messaging import publish, start_fulfilment
from shared.aws.stores import inventory_store, order_store, outbox_publisher


def after_sales() -> AfterSales:
    return AfterSales(
        orders=order_store(),
        records=AfterSalesStore(order_store()),
        inventory=inventory_store(),
        publish=publish,
        publisher=outbox_publisher(),
        start_run=lambda order_id, run: start_fulfilment(order_id, run_name=run),
    )
