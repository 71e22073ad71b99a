"""Douyin 抖店: order.searchList on the open platform (POST /order/searchList) — shop orders
updated between update_time_start and update_time_end (Unix seconds), paged by page (from 0) and
size (at most 100), the answer counting total. Its shop_order_list items carry the fields
shared/channels/douyin.py reads from order.orderDetail's shop_order_detail.

Hand-built from the 抖店 open platform's documentation as remembered (no SDK model was found in
the search index): parameter names update_time_start, update_time_end, page, size, order_by,
order_asc; answer {"code": 10000, "data": {"shop_order_list", "total", "page", "size"}}; the
throttling code is an assumption. Verify against a real shop before going live."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shared.reconciliation.domain import ChannelState, Page, PulledOrder, Window
from shared.reconciliation.pull.base import PagedLister, pulled_order, ShopCredentials, setting, top_signature
from shared.reconciliation.pull.http import PlatformRefused

CHANNEL = "douyin"
METHOD = "order.searchList"
API_SETTING = "DOUYIN_API_URL"
DEFAULT_API = "https://openapi-fxg.jinritemai.com"
PAGE_SIZE = 100
_OK = 10000
_THROTTLED = {50002}  # 调用频率超限 (assumed code)
_STATES = {
    1: ChannelState.UNPAID,  # 待确认/待支付
    2: ChannelState.AWAITING_SHIPMENT,  # 备货中
    101: ChannelState.SHIPPED,  # 部分发货
    3: ChannelState.SHIPPED,  # 已发货
    5: ChannelState.COMPLETED,  # 已完成
    4: ChannelState.CANCELLED,  # 已取消
}


class DouyinOrders(PagedLister):
    channel = CHANNEL
    max_page_size = PAGE_SIZE

    def page(self, shop: str, credentials: ShopCredentials, window: Window, cursor: str | None) -> Page:
        page = int(cursor or "0")
        business = {
            "update_time_start": int(window.since.timestamp()),
            "update_time_end": int(window.until.timestamp()),
            "page": page,
            "size": self.page_size,
            "order_by": "update_time",
            "order_asc": True,
        }
        param_json = json.dumps(business, separators=(",", ":"), sort_keys=True)
        params = {
            "method": METHOD,
            "app_key": credentials.app_key,
            "access_token": credentials.access_token,
            "timestamp": str(int(datetime.now(UTC).timestamp())),
            "v": "2",
            "sign_method": "hmac-sha256",
        }
        params["sign"] = top_signature(params, credentials.app_secret, body=param_json)
        url = setting(API_SETTING, DEFAULT_API) + "/order/searchList"
        answer = self.http.request("POST", url, params=params, json_body=json.loads(param_json), throttled=throttled)
        body = answer.body if isinstance(answer.body, dict) else {}
        if body.get("code") != _OK:
            raise PlatformRefused(f"douyin refused {METHOD}: code {body.get('code')} {body.get('msg')} {body.get('sub_msg', '')}")
        data = body.get("data") or {}
        orders = data.get("shop_order_list") or []
        total = int(data.get("total") or 0)
        more = (page + 1) * self.page_size < total and bool(orders)
        return Page(orders=[pulled(order) for order in orders], next_cursor=str(page + 1) if more else None)


def throttled(body: Any) -> float | None:
    if isinstance(body, dict) and body.get("code") in _THROTTLED:
        return 1.0
    return None


def pulled(order: dict[str, Any]) -> PulledOrder:
    return pulled_order(CHANNEL, order, id_field="order_id", status_field="order_status", modified_field="update_time", states=_STATES)
