"""Shopify Admin REST: GET /admin/api/<version>/orders.json?updated_at_min=…&updated_at_max=…
&status=any&limit=250, paged by the Link header's page_info cursor (rel="next"). The list's
orders are the Order resource the orders/create webhook delivers, so shared/channels/shopify.py
reads them as they are."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from shared.reconciliation.domain import ChannelState, Page, PulledOrder, Window
from shared.reconciliation.pull.base import PagedLister, ShopCredentials, setting
from shared.reconciliation.pull.http import PlatformRefused

CHANNEL = "shopify"
API_VERSION = "2025-07"
ADMIN_URL_SETTING = "SHOPIFY_ADMIN_URL"  # "{shop}" is replaced by the shop's domain
DEFAULT_ADMIN_URL = "https://{shop}/admin/api/" + API_VERSION
PAGE_SIZE = 250  # Shopify's maximum
_NEXT = re.compile(r'<([^>]+)>;\s*rel="?next"?')
_REFUNDED = {"refunded", "voided"}
_SHIPPED = {"fulfilled", "partial"}


class ShopifyOrders(PagedLister):
    channel = CHANNEL
    max_page_size = PAGE_SIZE

    def page(self, shop: str, credentials: ShopCredentials, window: Window, cursor: str | None) -> Page:
        url = setting(ADMIN_URL_SETTING, DEFAULT_ADMIN_URL).replace("{shop}", shop) + "/orders.json"
        if cursor:
            # With page_info Shopify takes no other filter: the cursor carries the query.
            params = {"limit": str(self.page_size), "page_info": cursor}
        else:
            since, until = window.iso()
            params = {"updated_at_min": since, "updated_at_max": until, "status": "any", "limit": str(self.page_size)}
        answer = self.http.request("GET", url, params=params, headers={"X-Shopify-Access-Token": credentials.access_token})
        if not isinstance(answer.body, dict) or not isinstance(answer.body.get("orders"), list):
            raise PlatformRefused(f"shopify answered without an orders list: {str(answer.body)[:200]}")
        return Page(orders=[pulled(order) for order in answer.body["orders"]], next_cursor=next_page_info(answer.header("Link")))


def next_page_info(link: str | None) -> str | None:
    match = _NEXT.search(link or "")
    if not match:
        return None
    return parse_qs(urlparse(match.group(1)).query).get("page_info", [None])[0]


def pulled(order: dict[str, Any]) -> PulledOrder:
    financial = (order.get("financial_status") or "").lower()
    fulfillment = (order.get("fulfillment_status") or "").lower()
    if order.get("cancelled_at"):
        state = ChannelState.CANCELLED
    elif financial in _REFUNDED:
        state = ChannelState.REFUNDED
    elif fulfillment in _SHIPPED:
        state = ChannelState.SHIPPED
    else:
        state = ChannelState.AWAITING_SHIPMENT  # pending and authorised orders too: oms takes them
    status = f"{financial or 'unknown'}/{fulfillment or 'unfulfilled'}" + ("/cancelled" if order.get("cancelled_at") else "")
    return PulledOrder(
        channel=CHANNEL, external_id=str(order.get("id")), platform_status=status, state=state, modified_at=order.get("updated_at"), payload=order
    )



