"""JD (京东 POP): an order as the order query API (jingdong.pop.order.get / .search) names it:
orderId, orderState, consigneeInfo{fullname, mobile, province, city, county, fullAddress},
itemInfoList[]{skuId, outerSkuId, jdPrice, itemTotal}, couponDetailList[]{skuId, couponPrice},
orderTotalPrice, orderPayment. JD sends most numbers as strings ("itemTotal": "2"); times are
Beijing time without a zone."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from pydantic import Field

from shared.channels.common import (
    ChannelLines,
    ChannelOrder,
    ChinaTime,
    Count,
    Money,
    PlatformId,
    PlatformModel,
    Text,
    UpdatedAt,
    canonical,
    channel_updated,
    read_platform,
    refuse_status,
)
from shared.orders import Channel, InvoiceKind, PaymentStatus

CHANNEL = Channel.JD
SIGNATURE_HEADER = "X-Oms-Hmac-Sha256"

_SHIPPABLE = {"WAIT_SELLER_STOCK_OUT"}  # paid (or COD) and waiting for the seller's stock-out
_CASH_ON_DELIVERY = "1"  # payType "1-货到付款"; "4-在线支付" is paid online
_VAT_SPECIAL_INVOICE_TYPE = "2"  # invoiceType: 1 普通发票, 2 增值税专用发票, 3 电子发票


class Consignee(PlatformModel):
    fullname: Text | None = None
    mobile: Text | None = None
    telephone: Text | None = None
    province: Text | None = None
    city: Text | None = None
    county: Text | None = None
    town: Text | None = None
    fullAddress: Text | None = None


class Item(PlatformModel):
    skuId: PlatformId
    outerSkuId: Text | None = None
    jdPrice: Money
    itemTotal: Count


class Coupon(PlatformModel):
    skuId: PlatformId | None = None  # absent on order-level coupons
    couponPrice: Money


class InvoiceInfo(PlatformModel):
    invoiceType: Text | None = None
    invoiceTitle: Text | None = None
    invoiceCode: Text | None = None  # the buyer's tax id


class OrderInfo(PlatformModel):
    orderId: PlatformId
    orderState: Text
    payType: Text | None = None
    pin: Text | None = None
    orderTotalPrice: Money | None = None
    orderPayment: Money | None = None
    freightPrice: Money | None = None  # 运费, inside orderPayment
    orderStartTime: ChinaTime
    modified: UpdatedAt = None
    consigneeInfo: Consignee
    itemInfoList: list[Item] = Field(min_length=1, max_length=500)
    couponDetailList: list[Coupon] = Field(default_factory=list, max_length=500)
    invoiceEasyInfo: InvoiceInfo | None = None


def unwrap(document: Any) -> Any:
    """The bare orderInfo, or the API answer's `orderDetailInfo.orderInfo`."""
    if isinstance(document, dict) and set(document) == {"jingdong_pop_order_get_responce"}:  # JD's spelling
        response = document["jingdong_pop_order_get_responce"]
        if isinstance(response, dict) and isinstance(response.get("orderDetailInfo"), dict):
            return response["orderDetailInfo"].get("orderInfo")
    return document


def parse(document: Any) -> ChannelOrder:
    order = read_platform(OrderInfo, unwrap(document))
    if order.orderState not in _SHIPPABLE:
        raise refuse_status("orderState", order.orderState, "jd")
    coupons: dict[str, Decimal] = defaultdict(Decimal)
    order_coupons = Decimal("0.00")  # coupons on the whole order, not on one SKU
    for coupon in order.couponDetailList:
        if coupon.skuId:
            coupons[coupon.skuId] += coupon.couponPrice
        else:
            order_coupons += coupon.couponPrice
    lines = ChannelLines("itemInfoList")
    for index, item in enumerate(order.itemInfoList):
        # A SKU's coupons count once, on its first line.
        discount = coupons.pop(item.skuId, Decimal("0.00"))
        lines.add(index, [("outerSkuId", item.outerSkuId), ("skuId", item.skuId)], item.itemTotal, item.jdPrice, discount, line_id=item.skuId)
    consignee = order.consigneeInfo
    paid_on_delivery = (order.payType or "").startswith(_CASH_ON_DELIVERY)
    return canonical(
        {
            "channel": CHANNEL,
            "external_id": order.orderId,
            "buyer": {"buyer_id": order.pin or f"jd-{order.orderId}"},
            "receiver": {
                "name": consignee.fullname or "",
                "phone": consignee.mobile or consignee.telephone or "",
                **_region(consignee),
                "detail": consignee.fullAddress or "",
            },
            "currency": "CNY",
            "lines": lines.lines,
            "payment_status": PaymentStatus.CASH_ON_DELIVERY if paid_on_delivery else PaymentStatus.PAID,
            "order_total": order.orderPayment,
            "shipping_fee": order.freightPrice or Decimal("0.00"),
            "order_discount": order_coupons + sum(coupons.values(), Decimal("0.00")),  # and coupons of SKUs not on a line
            "invoice": _invoice(order.invoiceEasyInfo),
            "placed_at": order.orderStartTime,
        },
        lines.sku_fields,
        received_via=channel_updated(order.modified),
    )


def _invoice(info: InvoiceInfo | None) -> dict[str, Any] | None:
    if info is None or not info.invoiceTitle:
        return None
    kind = InvoiceKind.VAT_SPECIAL if info.invoiceType == _VAT_SPECIAL_INVOICE_TYPE else InvoiceKind.NORMAL
    return {"kind": kind, "title": info.invoiceTitle, "tax_id": info.invoiceCode or None}


# For the four municipalities JD's address levels sit one step down: `city` holds the district
# (朝阳区) and `county` the street (望京街道). The canonical order wants city = the municipality.
_MUNICIPALITIES = ("北京", "上海", "天津", "重庆")


def _region(consignee: Consignee) -> dict[str, str]:
    province = consignee.province or ""
    if province.removesuffix("市") in _MUNICIPALITIES:
        municipality = province.removesuffix("市") + "市"
        return {"province": municipality, "city": municipality, "district": consignee.city or ""}
    return {"province": province, "city": consignee.city or "", "district": consignee.county or ""}
