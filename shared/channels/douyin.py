"""Douyin (抖店): a shop order as the order detail API (order.orderDetail → shop_order_detail)
names it: order_id, order_status, post_addr{province{name}, city{name}, town{name}, detail},
post_receiver, post_tel, sku_order_list[]{sku_id, out_sku_id, item_num, origin_amount, pay_amount}.
Every amount is in fen (1/100 yuan); times are Unix seconds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from shared.channels.common import (
    ChannelLines,
    ChannelOrder,
    ChinaTime,
    Count,
    Fen,
    PlatformId,
    PlatformModel,
    Text,
    UpdatedAt,
    canonical,
    channel_updated,
    read_platform,
    refuse_status,
    to_cents,
    yuan,
)
from shared.orders import Channel, PaymentStatus

CHANNEL = Channel.DOUYIN
SIGNATURE_HEADER = "X-Oms-Hmac-Sha256"

_WAITING_FOR_SHIPMENT = 2  # order_status 2: 备货中 (paid, or cash on delivery, waiting to ship)
_CASH_ON_DELIVERY = 0  # pay_type 0: 货到付款


class Named(PlatformModel):
    name: Text = ""


class PostAddress(PlatformModel):
    province: Named = Field(default_factory=Named)
    city: Named = Field(default_factory=Named)
    town: Named = Field(default_factory=Named)  # the district (区/县)
    street: Named = Field(default_factory=Named)
    detail: Text = ""


class SkuOrder(PlatformModel):
    order_id: PlatformId | None = None  # the sku order's own id (a refund's s_id names it)
    sku_id: PlatformId
    out_sku_id: Text | None = None
    item_num: Count
    origin_amount: Fen  # the line before discounts: unit price × item_num
    pay_amount: Fen  # what the buyer pays for the line

    @property
    def unit_price(self) -> Decimal:
        return to_cents(yuan(self.origin_amount) / self.item_num) if self.item_num else yuan(self.origin_amount)

    @property
    def discount(self) -> Decimal:
        return max(self.unit_price * self.item_num - yuan(self.pay_amount), Decimal("0.00"))


class ShopOrder(PlatformModel):
    order_id: PlatformId
    order_status: int = Field(strict=True)
    pay_type: int | None = Field(default=None, strict=True)
    create_time: ChinaTime
    update_time: UpdatedAt = None
    doudian_open_id: Text | None = None
    post_receiver: Text = ""
    post_tel: Text = ""
    post_addr: PostAddress
    pay_amount: Fen  # the order's amount paid: Douyin always sends it
    post_amount: Fen | None = None  # 运费, inside pay_amount
    sku_order_list: list[SkuOrder] = Field(min_length=1, max_length=500)


def unwrap(document: Any) -> Any:
    """The bare shop_order_detail, or the API answer `{"code": 10000, "data": {"shop_order_detail": …}}`."""
    if isinstance(document, dict) and isinstance(document.get("data"), dict) and "shop_order_detail" in document["data"]:
        return document["data"]["shop_order_detail"]
    return document


def parse(document: Any) -> ChannelOrder:
    order = read_platform(ShopOrder, unwrap(document))
    if order.order_status != _WAITING_FOR_SHIPMENT:
        raise refuse_status("order_status", order.order_status, "douyin")
    lines = ChannelLines("sku_order_list")
    for index, sku in enumerate(order.sku_order_list):
        lines.add(index, [("out_sku_id", sku.out_sku_id), ("sku_id", sku.sku_id)], sku.item_num, sku.unit_price, sku.discount, line_id=sku.order_id)
    address = order.post_addr
    return canonical(
        {
            "channel": CHANNEL,
            "external_id": order.order_id,
            "buyer": {"buyer_id": order.doudian_open_id or f"douyin-{order.order_id}"},
            "receiver": {
                "name": order.post_receiver,
                "phone": order.post_tel,
                "province": address.province.name,
                "city": address.city.name,
                "district": address.town.name,
                "detail": " ".join(p for p in (address.street.name, address.detail) if p),
            },
            "currency": "CNY",
            "lines": lines.lines,
            "payment_status": PaymentStatus.CASH_ON_DELIVERY if order.pay_type == _CASH_ON_DELIVERY else PaymentStatus.PAID,
            "order_total": yuan(order.pay_amount),
            "shipping_fee": yuan(order.post_amount or 0),
            "placed_at": order.create_time,
        },
        lines.sku_fields,
        received_via=channel_updated(order.update_time),
    )
