"""Douyin 抖店 open platform: POST {api}/<path> with the system parameters (method, app_key,
access_token, timestamp, v=2, sign_method, sign over them and the JSON body) in the query and the
business parameters as the JSON body. A package ships with order.logisticsAdd (order_id,
company_code, logistics_code = the waybill), which ships the whole order; a package of a split
order with order.logisticsAddMultiPack (order_id, request_id, pack_list: shipped_order_info of
shipped_order_id = the sku order id and shipped_num, logistics_code, company_code); stock: sku.syncStock (product_id, sku_id, stock_num,
incremental=false). Parameter names from the doudian SDK (OrderLogisticsAddParam,
SkuSyncStockParam); the answer {code: 10000, msg, data} as the order list's."""

from __future__ import annotations

from typing import Any

from shared.reconciliation.pull.base import ShopCredentials, douyin_signed_params, setting
from shared.writeback.carriers import codes_of
from shared.writeback.channels.base import call
from shared.writeback.domain import CallFailed, StockPush, WriteBack

CHANNEL = "douyin"
API_SETTING = "DOUYIN_API_URL"
DEFAULT_API = "https://openapi-fxg.jinritemai.com"
_OK = 10000
_THROTTLED = {30001, 30002}  # hand-built: "too many calls" answers


class DouyinChannel:
    channel = CHANNEL

    def ship(self, writeback: WriteBack, credentials: ShopCredentials) -> str:
        company_code = codes_of(writeback.carrier, CHANNEL).douyin
        if writeback.split:
            # order.logisticsAdd ships the whole order only ("暂时只支持整单出库"): a package of a split
            # order names its sub-orders (sku order ids) and quantities in one pack; request_id makes
            # a repeat return the first answer instead of shipping again.
            missing = [line.sku for line in writeback.lines if not line.channel_line_id]
            if missing:
                raise CallFailed(f"douyin order {writeback.external_id} ships in several packages but the lines {', '.join(missing)} carry no sku order id", retryable=False)
            shipped = [{"shipped_order_id": line.channel_line_id, "shipped_num": line.quantity} for line in writeback.lines]
            business = {"order_id": writeback.external_id, "pack_list": [{"shipped_order_info": shipped, "logistics_code": writeback.tracking_number, "company_code": company_code}], "request_id": writeback.writeback_id}
            _call("order.logisticsAddMultiPack", "/order/logisticsAddMultiPack", business, credentials)
            return f"order_id {writeback.external_id} pack logistics_code {writeback.tracking_number}"
        business = {"order_id": writeback.external_id, "company_code": company_code, "logistics_code": writeback.tracking_number}
        _call("order.logisticsAdd", "/order/logisticsAdd", business, credentials)
        return f"order_id {writeback.external_id} logistics_code {writeback.tracking_number}"

    def push_stock(self, push: StockPush, credentials: ShopCredentials) -> str:
        business = {"product_id": int(push.listing["product_id"]), "sku_id": int(push.listing["sku_id"]), "stock_num": push.quantity, "incremental": False}
        _call("sku.syncStock", "/sku/syncStock", business, credentials)
        return f"sku_id {push.listing['sku_id']} = {push.quantity}"


def _call(method: str, path: str, business: dict[str, Any], credentials: ShopCredentials) -> dict[str, Any]:
    params = douyin_signed_params(method, business, credentials)
    body = call("POST", setting(API_SETTING, DEFAULT_API) + path, params=params, json_body=business)
    code = body.get("code") if isinstance(body, dict) else None
    if code != _OK:
        limited = code in _THROTTLED
        raise CallFailed(f"douyin refused {method}: code {code} {(body or {}).get('msg') if isinstance(body, dict) else body}", retryable=limited, retry_after=1.0 if limited else None)
    return body
