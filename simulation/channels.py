"""Each simulated order leaves as its channel's own payload and comes back through oms's real
channel adapters (shared/channels/) and SKU mapping (shared/sku_mapping.py), as intake reads it:
Tmall trades, JD orderInfo, Douyin shop orders, Shopify webhooks, Shopify orders on the partner
event bus, ERP CSV rows and canonical orders on oms's own API."""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Callable, Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.channels import douyin, erp_csv, jd, partner_events, shopify, tmall
from shared.channels.common import ChannelOrder
from shared.orders import OrderIn
from shared.sku_mapping import mapping_for, to_internal
from simulation.world import World

MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
CENT = Decimal("0.01")


def _china_time(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S")  # placed_at is written in China time


def _amount(line: dict[str, Any]) -> Decimal:
    return Decimal(line["unit_price"]) * line["quantity"] - Decimal(line.get("discount") or "0")


def _number(text: str) -> int:
    return zlib.crc32(text.encode()) % 10**12 + 10**11


def tmall_trade(o: dict[str, Any], world: World) -> dict[str, Any]:
    r = o["receiver"]
    trade = {
        "tid": _number(o["external_id"]),
        "status": "WAIT_SELLER_SEND_GOODS",
        "type": "cod" if o["payment_status"] == "COD" else "fixed",
        "buyer_nick": o["buyer"]["buyer_id"],
        "receiver_name": r["name"], "receiver_mobile": r["phone"], "receiver_state": r["province"],
        "receiver_city": r["city"], "receiver_district": r["district"], "receiver_address": r["detail"],
        "created": _china_time(o["placed_at"]),
        "orders": {"order": [
            {"num_iid": _number(l["sku"]), "outer_sku_id": world.channel_code("tmall", l["sku"]), "num": l["quantity"], "price": l["unit_price"], "payment": str(_amount(l))}
            for l in o["lines"]
        ]},
    }  # fmt: skip
    trade["payment"] = _declared_total(o)  # Taobao always sends the trade's payment
    if o.get("invoice"):
        trade["invoice_name"] = o["invoice"]["title"]
        trade["invoice_kind"] = "3" if o["invoice"]["kind"] == "vat_special" else "1"
    return {"trade_fullinfo_get_response": {"trade": trade}}


def jd_order(o: dict[str, Any], world: World) -> dict[str, Any]:
    r = o["receiver"]
    municipality = r["province"].removesuffix("市") in MUNICIPALITIES
    consignee = {
        "fullname": r["name"], "mobile": r["phone"], "province": r["province"].removesuffix("市") if municipality else r["province"],
        "city": r["district"] if municipality else r["city"], "county": "" if municipality else r["district"], "fullAddress": r["detail"],
    }  # fmt: skip
    items = [{"skuId": str(_number(l["sku"])), "outerSkuId": world.channel_code("jd", l["sku"]), "jdPrice": l["unit_price"], "itemTotal": str(l["quantity"])} for l in o["lines"]]
    coupons = [{"skuId": str(_number(l["sku"])), "couponPrice": l["discount"]} for l in o["lines"] if Decimal(l.get("discount") or "0")]
    info = {
        "orderId": str(_number(o["external_id"])),
        "orderState": "WAIT_SELLER_STOCK_OUT",
        "payType": "1-货到付款" if o["payment_status"] == "COD" else "4-在线支付",
        "pin": o["buyer"]["buyer_id"],
        "orderStartTime": _china_time(o["placed_at"]),
        "consigneeInfo": consignee,
        "itemInfoList": items,
        "couponDetailList": coupons,
    }
    if o.get("order_total"):
        info["orderPayment"] = o["order_total"]
    if o.get("invoice"):
        i = o["invoice"]
        info["invoiceEasyInfo"] = {"invoiceType": "2" if i["kind"] == "vat_special" else "1", "invoiceTitle": i["title"], "invoiceCode": i.get("tax_id") or ""}
    return info


def _fen(amount: Decimal | str) -> int:
    return int(Decimal(amount) * 100)


def douyin_order(o: dict[str, Any], world: World) -> dict[str, Any]:
    r = o["receiver"]
    detail = {
        "order_id": str(_number(o["external_id"])),
        "order_status": 2,
        "pay_type": 0 if o["payment_status"] == "COD" else 1,
        "create_time": int(datetime.fromisoformat(o["placed_at"]).timestamp()),
        "doudian_open_id": o["buyer"]["buyer_id"],
        "post_receiver": r["name"],
        "post_tel": r["phone"],
        "post_addr": {"province": {"name": r["province"]}, "city": {"name": r["city"]}, "town": {"name": r["district"]}, "detail": r["detail"]},
        "sku_order_list": [
            {"sku_id": str(_number(l["sku"])), "out_sku_id": world.channel_code("douyin", l["sku"]), "item_num": l["quantity"],
             "origin_amount": _fen(Decimal(l["unit_price"]) * l["quantity"]), "pay_amount": _fen(_amount(l))}
            for l in o["lines"]
        ],
    }  # fmt: skip
    detail["pay_amount"] = _fen(_declared_total(o))  # Douyin always sends the amount paid
    return {"code": 10000, "msg": "success", "data": {"shop_order_detail": detail}}


def shopify_order(o: dict[str, Any], world: World, channel: str = "shopify") -> dict[str, Any]:
    r = o["receiver"]
    order = {
        "id": _number(o["external_id"]),
        "currency": "CNY",
        "created_at": o["placed_at"],
        "financial_status": "pending" if o["payment_status"] != "PAID" else "paid",
        "customer": {"id": _number(o["buyer"]["buyer_id"])},
        # Shopify's address has no district field: oms's review leaves the district unchecked
        "shipping_address": {"name": r["name"], "phone": r["phone"], "address1": " ".join(p for p in (r["district"], r["detail"]) if p), "city": r["city"], "province": r["province"], "country_code": "CN"},
        "line_items": [{"sku": world.channel_code(channel, l["sku"]), "quantity": l["quantity"], "price": l["unit_price"], "total_discount": l["discount"]} for l in o["lines"]],
    }
    order["total_price"] = _declared_total(o)  # Shopify always sends it
    return order


def partner_event(o: dict[str, Any], world: World) -> dict[str, Any]:
    return {
        "id": f"evt-{_number(o['external_id'])}",
        "source": "aws.partner/shopify.com/4242/oms-tea",
        "detail-type": "orders/create",
        "detail": {"payload": shopify_order(o, world, "partner"), "metadata": {"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "oms-tea.myshopify.com"}},
    }


def erp_rows(o: dict[str, Any], world: World) -> str:
    r, buyer, invoice = o["receiver"], o["buyer"], o.get("invoice") or {}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=erp_csv.COLUMNS, lineterminator="\n")
    writer.writeheader()
    for l in o["lines"]:
        writer.writerow({
            "order_no": o["external_id"], "buyer_id": buyer["buyer_id"], "customer_type": buyer.get("customer_type", ""),
            "receiver_name": r["name"], "receiver_phone": r["phone"], "province": r["province"], "city": r["city"],
            "district": r["district"], "address": r["detail"], "payment_status": o["payment_status"], "sku": l["sku"],
            "quantity": l["quantity"], "unit_price": l["unit_price"], "discount": l["discount"], "order_total": o.get("order_total") or "",
            "invoice_title": invoice.get("title", ""), "invoice_tax_id": invoice.get("tax_id") or "",
            "promised_delivery_date": o.get("promised_delivery_date", ""), "placed_at": _china_time(o["placed_at"]),
        })  # fmt: skip
    return out.getvalue()


def _erp_parse(text: str) -> ChannelOrder:
    batch = erp_csv.read_batch(text, max_rows=1000)
    if batch.rejected:
        raise ValueError(f"ERP rows refused: {batch.rejected[0].errors}")
    return batch.orders[0].channel_order


def _own_api(document: dict[str, Any]) -> ChannelOrder:
    return ChannelOrder(order=OrderIn.model_validate(document), sku_fields=["lines.sku"] * len(document["lines"]), internal_skus=True)


# channel -> (payload of a canonical order document, the adapter that reads it back)
CHANNELS: dict[str, tuple[Callable[[dict[str, Any], World], Any], Callable[[Any], ChannelOrder]]] = {
    "tmall": (tmall_trade, tmall.parse),
    "jd": (jd_order, jd.parse),
    "douyin": (douyin_order, douyin.parse),
    "shopify": (shopify_order, shopify.parse),
    "partner": (partner_event, partner_events.parse),
    "erp": (erp_rows, _erp_parse),
    "own_shop": (lambda o, world: o, _own_api),
}


class SimCatalog:
    """The catalog table's two questions (shared/sku_mapping.SkuCatalog), answered from the world."""

    def __init__(self, world: World):
        self.skus = {s.sku for s in world.skus}
        self.codes = {channel: {world.channel_code(channel, s): s for s in self.skus} for channel in ("tmall", "jd", "douyin", "shopify", "partner")}

    def known_skus(self, skus: Collection[str]) -> set[str]:
        return {s for s in skus if s in self.skus}

    def channel_mappings(self, channel: str, channel_skus: Collection[str]) -> dict[str, str]:
        codes = self.codes.get(channel, {})
        return {c: codes[c] for c in channel_skus if c in codes}


def payload_of(document: dict[str, Any], world: World) -> Any:
    return CHANNELS[document["channel"]][0](document, world)


def intake(channel: str, payload: Any, catalog: SimCatalog) -> OrderIn:
    """The payload read by the channel's adapter, its SKUs mapped to oms's."""
    channel_order = CHANNELS[channel][1](payload)
    return to_internal(channel_order, mapping_for(channel_order, catalog))


def _declared_total(o: dict[str, Any]) -> str:
    """What the platform declares the order comes to: the generated total where the order has one
    (an error kind may make it disagree with the lines), else the lines' amounts."""
    return str(o["order_total"]) if o.get("order_total") else str(sum((_amount(l) for l in o["lines"]), Decimal("0")))
