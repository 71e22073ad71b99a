"""Tmall / Taobao on the TOP gateway. A package ships with taobao.logistics.offline.send (自己联系
物流): tid, out_sid (the waybill), company_code (taobao.logistics.companies.get's code). A split
shipment (拆单) sends each package alone with is_split=1 and sub_tid, the oids of the package's
sub-orders: the lines' own (kept at intake), else read first from taobao.trade.fullinfo.get
(orders.oid, orders.outer_sku_id, orders.sku_id). Stock: taobao.item.quantity.update (num_iid, sku_id, quantity, type=1: the full
quantity). Field names from the TOP SDK models (bububa/opentaobao TaobaoLogisticsOfflineSend,
TaobaoTradeFullinfoGet, TaobaoItemQuantityUpdate); the answers' envelopes are hand-built from
TOP's naming rule (<api without taobao., dots as _>_response)."""

from __future__ import annotations

from shared.reconciliation.pull.base import ShopCredentials
from shared.writeback.carriers import codes_of
from shared.writeback.channels.base import top_call
from shared.writeback.domain import CallFailed, StockPush, WriteBack

CHANNEL = "tmall"
GATEWAY_SETTING = "TAOBAO_TOP_URL"
DEFAULT_GATEWAY = "https://eco.taobao.com/router/rest"
SEND = "taobao.logistics.offline.send"
FULLINFO = "taobao.trade.fullinfo.get"
QUANTITY = "taobao.item.quantity.update"


class TmallChannel:
    channel = CHANNEL

    def ship(self, writeback: WriteBack, credentials: ShopCredentials) -> str:
        business = {"tid": writeback.external_id, "out_sid": writeback.tracking_number, "company_code": codes_of(writeback.carrier, CHANNEL).tmall}
        if writeback.split:
            business.update({"is_split": "1", "sub_tid": ",".join(self._oids(writeback, credentials))})
        body = top_call(GATEWAY_SETTING, DEFAULT_GATEWAY, SEND, credentials, business)
        shipping = (body.get("logistics_offline_send_response") or {}).get("shipping") or {}
        if not shipping.get("is_success"):
            raise CallFailed(f"{SEND} answered without success: {str(body)[:200]}", retryable=False)
        return f"tid {writeback.external_id} out_sid {writeback.tracking_number}"

    def _oids(self, writeback: WriteBack, credentials: ShopCredentials) -> list[str]:
        if all(line.channel_line_id for line in writeback.lines):  # the sub-orders' oids, kept at intake
            return sorted({str(line.channel_line_id) for line in writeback.lines})
        fields = "tid,orders.oid,orders.outer_sku_id,orders.sku_id,orders.outer_iid"
        body = top_call(GATEWAY_SETTING, DEFAULT_GATEWAY, FULLINFO, credentials, {"tid": writeback.external_id, "fields": fields})
        trade = (body.get("trade_fullinfo_get_response") or {}).get("trade") or {}
        sub_orders = (trade.get("orders") or {}).get("order") or []
        oids = []
        for line in writeback.lines:
            names = {line.sku, line.channel_sku}
            found = next((o for o in sub_orders if {str(o.get("outer_sku_id")), str(o.get("sku_id")), str(o.get("outer_iid"))} & names), None)
            if found is None:
                raise CallFailed(f"taobao trade {writeback.external_id} has no sub-order for SKU {line.sku}", retryable=False)
            oids.append(str(found["oid"]))
        return sorted(set(oids))

    def push_stock(self, push: StockPush, credentials: ShopCredentials) -> str:
        business = {"num_iid": push.listing["num_iid"], "quantity": str(push.quantity), "type": "1"}
        if push.listing.get("sku_id"):
            business["sku_id"] = push.listing["sku_id"]
        body = top_call(GATEWAY_SETTING, DEFAULT_GATEWAY, QUANTITY, credentials, business)
        item = (body.get("item_quantity_update_response") or {}).get("item")
        if not isinstance(item, dict):
            raise CallFailed(f"{QUANTITY} answered without the item: {str(body)[:200]}", retryable=False)
        return f"num_iid {push.listing['num_iid']} = {push.quantity}"
