"""The pull side: one adapter per platform's order-list call, each turning a page into payloads
the channel adapters in shared/channels/ read as they are, plus the platform's status."""

from __future__ import annotations

from shared.reconciliation.pull.base import OrderLister, ShopCredentials
from shared.reconciliation.pull.douyin import DouyinOrders
from shared.reconciliation.pull.http import PlatformHttp, PlatformRefused, PlatformUnavailable
from shared.reconciliation.pull.jd import JdOrders
from shared.reconciliation.pull.shopify import ShopifyOrders
from shared.reconciliation.pull.tmall import TmallOrders

LISTERS = {"shopify": ShopifyOrders, "tmall": TmallOrders, "jd": JdOrders, "douyin": DouyinOrders}
CHANNELS = tuple(LISTERS)


def lister_for(channel: str, http: PlatformHttp | None = None) -> OrderLister:
    return LISTERS[channel](http)


__all__ = ["CHANNELS", "LISTERS", "OrderLister", "PlatformHttp", "PlatformRefused", "PlatformUnavailable", "ShopCredentials", "lister_for"]
