"""JD (京东 POP) on the JOS gateway (routerjson), business parameters in 360buy_param_json.
A package ships with jingdong.pop.order.shipment: orderId, logiCoprId (JD's logistics company
id), logiNo (the waybill). The call ships the whole order: an order in several parcels is written
back once, when its last parcel ships, with every waybill (the documented form: companies
"|"-separated, "2100|4700"; waybills "|"-separated per company, "," within one,
"1200458628372,111232|468778814888"; shared/writeback/usecases/request.py, decision 267).
Stock: jingdong.stock.write.updateSkuStock (skuId, stockNum). Names from the JOS SDK's
PopOrderShipmentRequest and StockWriteUpdateSkuStockRequest as remembered; the answers'
envelopes are hand-built: verify against a real shop before going live."""

from __future__ import annotations

from shared.reconciliation.pull.base import ShopCredentials
from shared.writeback.carriers import codes_of
from shared.writeback.channels.base import top_call
from shared.writeback.domain import CallFailed, Parcel, StockPush, WriteBack

CHANNEL = "jd"
GATEWAY_SETTING = "JD_API_URL"
DEFAULT_GATEWAY = "https://api.jd.com/routerjson"
SHIPMENT = "jingdong.pop.order.shipment"
STOCK = "jingdong.stock.write.updateSkuStock"


class JdChannel:
    channel = CHANNEL

    def ship(self, writeback: WriteBack, credentials: ShopCredentials) -> str:
        waybills: dict[str, list[str]] = {}  # JD company id -> its waybills, in the parcels' order
        for parcel in writeback.parcels or [Parcel(carrier=writeback.carrier, tracking_number=writeback.tracking_number)]:
            waybills.setdefault(codes_of(parcel.carrier, CHANNEL).jd, []).append(parcel.tracking_number)
        business = {"orderId": writeback.external_id, "logiCoprId": "|".join(waybills), "logiNo": "|".join(",".join(numbers) for numbers in waybills.values())}
        body = top_call(GATEWAY_SETTING, DEFAULT_GATEWAY, SHIPMENT, credentials, business, token_name="access_token")
        result = (body.get("jingdong_pop_order_shipment_responce") or {}).get("sopjosshipment_result") or {}
        if not result.get("success"):
            raise CallFailed(f"{SHIPMENT} answered without success: {str(body)[:200]}", retryable=False)
        return f"orderId {writeback.external_id} logiNo {business['logiNo']}"

    def push_stock(self, push: StockPush, credentials: ShopCredentials) -> str:
        business = {"skuId": push.listing["sku_id"], "stockNum": str(push.quantity)}
        body = top_call(GATEWAY_SETTING, DEFAULT_GATEWAY, STOCK, credentials, business, token_name="access_token")
        if not (body.get("jingdong_stock_write_updateSkuStock_responce") or {}).get("success"):
            raise CallFailed(f"{STOCK} answered without success: {str(body)[:200]}", retryable=False)
        return f"skuId {push.listing['sku_id']} = {push.quantity}"
