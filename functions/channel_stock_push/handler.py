"""Every minute: push the available stock of the SKUs that changed to each channel they are
listed on (库存同步), one push per SKU, channel and shop, through the channel's queue. Not
functions/stock_sync, which takes stock counts in from the WMS."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import inventory_store
from shared.observability import logger
from shared.writeback.aws import queues
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.usecases.stock_push import push_changed_stock


def available_of(sku: str) -> int:
    return sum(max(level.available, 0) for level in inventory_store().stock_levels([sku]))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    counts = push_changed_stock(channel_sync_store(), available_of, queues.send)
    logger.info("channel stock pushed", extra=counts)
    return counts
