"""JD after-sales: a refund application before shipment (售前退款) as jingdong.pop.afs.soa.refundapply.
queryPageList answers it (RefundApplyVo): id (the refund's id), orderId, applyRefundSum (fen),
status (0 未审核, 1 审核通过, 2 审核不通过, 3 京东财务审核通过, 4 京东财务审核不通过, 5 人工审核通过,
6 拦截并退款, 7 青龙拦截成功, 8 青龙拦截失败, 9 强制关单并退款), applyTime, reason. It refunds the
whole order. oms's connector forwards the bare RefundApplyVo or {"refundApplyVo": {...}}. An order
delivered as TRADE_CANCELED is a cancellation."""

from __future__ import annotations

from typing import Any

from shared.aftersales.domain import AfterSalesKind, AfterSalesRequest, RefundState, read_request
from shared.channels import jd
from shared.channels.common import Fen, PlatformId, PlatformModel, Text, read_platform, yuan
from shared.orders import Channel

_STATE = {"0": RefundState.REQUESTED, "1": RefundState.AGREED, "2": RefundState.CLOSED, "3": RefundState.SUCCESS, "4": RefundState.CLOSED}


class RefundApply(PlatformModel):
    id: PlatformId
    orderId: PlatformId
    applyRefundSum: Fen | None = None
    status: PlatformId
    reason: Text | None = None


class CancelledOrder(PlatformModel):
    orderId: PlatformId
    orderState: Text


def parse_refund(document: Any) -> AfterSalesRequest:
    body = document["refundApplyVo"] if isinstance(document, dict) and set(document) == {"refundApplyVo"} else document
    refund = read_platform(RefundApply, body)
    return read_request(
        {
            "channel": Channel.JD, "channel_order_id": refund.orderId, "refund_id": refund.id, "kind": AfterSalesKind.REFUND, "whole_order": True,
            "amount": None if refund.applyRefundSum is None else yuan(refund.applyRefundSum), "currency": "CNY", "channel_status": refund.status,
            "state": _STATE.get(refund.status, RefundState.AGREED), "reason": refund.reason or "",
        },
        field_of={"channel_order_id": "orderId", "refund_id": "id"},
    )


def is_cancellation(document: Any) -> bool:
    order = jd.unwrap(document)
    return isinstance(order, dict) and isinstance(order.get("orderState"), str) and order["orderState"] == "TRADE_CANCELED"


def parse_cancellation(document: Any) -> AfterSalesRequest:
    order = read_platform(CancelledOrder, jd.unwrap(document))
    return read_request(
        {
            "channel": Channel.JD, "channel_order_id": order.orderId, "refund_id": f"canceled-{order.orderId}", "kind": AfterSalesKind.CANCEL,
            "whole_order": True, "currency": "CNY", "channel_status": order.orderState, "state": RefundState.SUCCESS, "reason": "order TRADE_CANCELED on JD",
        },
        field_of={"channel_order_id": "orderId"},
    )
