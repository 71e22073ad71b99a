"""Tmall / Taobao: taobao.trades.sold.increment.get on the TOP gateway — trades modified between
start_modified and end_modified (Beijing time, at most a day apart), paged by page_no/page_size
with use_has_next=true (the answer says has_next instead of counting). Asked for the fields
shared/channels/tmall.py reads, a trade is the one taobao.trade.fullinfo.get returns.

Field names from the TOP SDK models (bububa/opentaobao TaobaoTradesSoldIncrementGet*, the
auto-generated TradesSoldIncrementGetRequest). The throttling answer (error_response code 7,
"App Call Limited", with "… ban will last for N more seconds") is hand-built from TOP's error
code list: verify it against a real shop."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from shared.reconciliation.domain import ChannelState, PulledOrder, Window
from shared.reconciliation.pull.base import NumberedPages, ShopCredentials, china_time, pulled_order, setting, top_signature
from shared.reconciliation.pull.http import PlatformRefused

CHANNEL = "tmall"
METHOD = "taobao.trades.sold.increment.get"
GATEWAY_SETTING = "TAOBAO_TOP_URL"
DEFAULT_GATEWAY = "https://eco.taobao.com/router/rest"
PAGE_SIZE = 100  # TOP's maximum for this call
FIELDS = ",".join(
    (
        "tid,status,type,modified,created,payment,post_fee,buyer_nick,buyer_open_uid,receiver_name,receiver_mobile,receiver_phone",
        "receiver_state,receiver_city,receiver_district,receiver_town,receiver_address,receiver_zip,invoice_name,invoice_kind",
        "orders.oid,orders.num_iid,orders.sku_id,orders.outer_iid,orders.outer_sku_id,orders.num,orders.price,orders.payment",
        # a sub-order's own status and refund: closed or refunding sub-orders never ship (decisions 263, 266)
        "orders.status,orders.refund_id,orders.refund_status",
    )
)
_STATES = {
    "WAIT_BUYER_PAY": ChannelState.UNPAID,
    "TRADE_NO_CREATE_PAY": ChannelState.UNPAID,
    "PAY_PENDING": ChannelState.UNPAID,
    "WAIT_SELLER_SEND_GOODS": ChannelState.AWAITING_SHIPMENT,
    "SELLER_CONSIGNED_PART": ChannelState.SHIPPED,
    "WAIT_BUYER_CONFIRM_GOODS": ChannelState.SHIPPED,
    "TRADE_BUYER_SIGNED": ChannelState.SHIPPED,
    "TRADE_FINISHED": ChannelState.COMPLETED,
    "TRADE_CLOSED": ChannelState.REFUNDED,  # closed after payment: refunded in full
    "TRADE_CLOSED_BY_TAOBAO": ChannelState.CANCELLED,  # closed before payment
}
_BAN_SECONDS = re.compile(r"(\d+)\s*more seconds")
_CALL_LIMITED = 7


class TmallOrders(NumberedPages):
    channel = CHANNEL
    max_page_size = PAGE_SIZE

    def fetch(self, credentials: ShopCredentials, window: Window, page_no: int) -> tuple[list[dict[str, Any]], bool]:
        params = {
            "method": METHOD,
            "app_key": credentials.app_key,
            "session": credentials.access_token,
            "timestamp": china_time(datetime.now(UTC)),
            "format": "json",
            "v": "2.0",
            "sign_method": "hmac-sha256",
            "fields": FIELDS,
            "start_modified": china_time(window.since),
            "end_modified": china_time(window.until),
            "page_no": str(page_no),
            "page_size": str(self.page_size),
            "use_has_next": "true",
        }
        params["sign"] = top_signature(params, credentials.app_secret)
        answer = self.http.request("POST", setting(GATEWAY_SETTING, DEFAULT_GATEWAY), form=params, throttled=throttled)
        body = answer.body if isinstance(answer.body, dict) else {}
        if "error_response" in body:
            raise PlatformRefused(f"taobao refused {METHOD}: {body['error_response']}")
        response = body.get("trades_sold_increment_get_response")
        if not isinstance(response, dict):
            raise PlatformRefused(f"taobao answered without trades_sold_increment_get_response: {str(answer.body)[:200]}")
        trades = (response.get("trades") or {}).get("trade") or []
        return trades, bool(response.get("has_next"))

    def pulled(self, order: dict[str, Any]) -> PulledOrder:
        return pulled(order)


def throttled(body: Any) -> float | None:
    error = body.get("error_response") if isinstance(body, dict) else None
    if not isinstance(error, dict) or error.get("code") != _CALL_LIMITED:
        return None
    seconds = _BAN_SECONDS.search(str(error.get("sub_msg", "")))
    return float(seconds.group(1)) if seconds else 1.0


def pulled(trade: dict[str, Any]) -> PulledOrder:
    return pulled_order(CHANNEL, trade, id_field="tid", status_field="status", modified_field="modified", states=_STATES)
