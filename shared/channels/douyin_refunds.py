"""Douyin (抖店) after-sales: the refund messages (doudian_refund_*: 200 申请, 201 同意, 204 拒绝,
206 退款成功, 207 关闭 …) carry aftersale_id, p_id (the shop order), s_id (the sku order: a line),
aftersale_type (0 退货退款, 1 已发货仅退款, 2 未发货仅退款, 3 换货), aftersale_status,
refund_amount and refund_post_amount (fen); oms's connector forwards the message's data with its
tag as `tag`. The after-sales API (afterSale/Detail) names the same things aftersale_id,
order_id / shop_order_id, aftersale_type, refund_amount: both are read. An order delivered with
order_status 4 (已取消) is a cancellation. aftersale_type 3 (换货) is an exchange, its own kind
(decision 137): the item comes back and the same item ships again."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from shared.aftersales.domain import AfterSalesKind, AfterSalesRequest, RefundState, RequestedLine, read_request
from shared.channels import douyin
from shared.channels.common import Fen, PlatformId, PlatformModel, Text, read_platform, yuan
from shared.orders import Channel

_TAG_STATE = {"200": RefundState.REQUESTED, "201": RefundState.AGREED, "202": RefundState.REQUESTED, "204": RefundState.CLOSED, "205": RefundState.CLOSED, "206": RefundState.SUCCESS, "207": RefundState.CLOSED, "208": RefundState.REQUESTED}
_CANCELLED = 4  # order_status 4: 已取消
_EXCHANGE = 3  # aftersale_type 3: 换货


class Aftersale(PlatformModel):
    aftersale_id: PlatformId
    shop_order_id: PlatformId = Field(validation_alias=AliasChoices("p_id", "shop_order_id"))
    sku_order_id: PlatformId | None = Field(default=None, validation_alias=AliasChoices("s_id", "order_id"))
    aftersale_type: int = Field(strict=True)
    aftersale_status: int | None = Field(default=None, strict=True)
    refund_amount: Fen | None = None
    tag: Text | None = None


class CancelledOrder(PlatformModel):
    order_id: PlatformId
    order_status: int = Field(strict=True)
    pay_amount: Fen | None = None


def parse_refund(document: Any) -> AfterSalesRequest:
    body = document.get("data", document) if isinstance(document, dict) and isinstance(document.get("data"), dict) else document
    sale = read_platform(Aftersale, body)
    line = sale.sku_order_id not in (None, sale.shop_order_id)
    return read_request(
        {
            "channel": Channel.DOUYIN, "channel_order_id": sale.shop_order_id, "refund_id": sale.aftersale_id,
            "kind": AfterSalesKind.EXCHANGE if sale.aftersale_type == _EXCHANGE else AfterSalesKind.REFUND,
            "whole_order": not line, "lines": [RequestedLine(line_id=sale.sku_order_id)] if line else [],
            "amount": None if sale.refund_amount is None else yuan(sale.refund_amount), "currency": "CNY",
            "channel_status": f"type {sale.aftersale_type}, status {sale.aftersale_status}" + (f", tag {sale.tag}" if sale.tag else ""),
            "state": _TAG_STATE.get(sale.tag or "", RefundState.REQUESTED),
        },
        field_of={"channel_order_id": "p_id", "refund_id": "aftersale_id"},
    )


def is_cancellation(document: Any) -> bool:
    order = douyin.unwrap(document)
    return isinstance(order, dict) and type(order.get("order_status")) is int and order["order_status"] == _CANCELLED


def parse_cancellation(document: Any) -> AfterSalesRequest:
    order = read_platform(CancelledOrder, douyin.unwrap(document))
    return read_request(
        {
            "channel": Channel.DOUYIN, "channel_order_id": order.order_id, "refund_id": f"cancelled-{order.order_id}", "kind": AfterSalesKind.CANCEL,
            "whole_order": True, "amount": None if order.pay_amount is None else yuan(order.pay_amount), "currency": "CNY",
            "channel_status": "order_status 4", "state": RefundState.SUCCESS, "reason": "order cancelled on Douyin",
        },
        field_of={"channel_order_id": "order_id"},
    )
