"""JD after-sales: a refund application before shipment (售前退款) as jingdong.pop.afs.soa.refundapply.
queryPageList answers it (RefundApplyVo): id (the refund's id), orderId, applyRefundSum (fen),
status (0 未审核, 1 审核通过, 2 审核不通过, 3 京东财务审核通过, 4 京东财务审核不通过, 5 人工审核通过,
6 拦截并退款, 7 青龙拦截成功, 8 青龙拦截失败, 9 强制关单并退款), applyTime, reason. Without an item
it refunds the whole order.

Line level: JD's after-sales service bill (售后服务单, the jingdong.asc.* API and its messages) names
the item and the units: serviceId (the bill's id), orderId, skuId (older afsService messages call the
item wareId), the units applied for (serviceCount; applyCount in the apply messages), customerExpect
(10 退货, 20 换货, 30 维修) and serviceStatus. A RefundApplyVo that names a skuId (with applyCount)
refunds that item likewise. The item is the order line whose JD skuId it is (the line id of a JD
line); no count refunds the whole line. customerExpect 20 is an exchange (换货: its own kind,
decision 137); 30 (repair) is not a refund and is refused with 400. oms's connector forwards the
bare RefundApplyVo / service bill or {"refundApplyVo": {...}}. An order delivered as TRADE_CANCELED
is a cancellation."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from shared.aftersales.domain import AfterSalesKind, AfterSalesRequest, RefundState, RequestedLine, read_request
from shared.channels import jd
from shared.channels.common import Count, Fen, PlatformId, PlatformModel, Text, read_platform, yuan
from shared.problems import InputRejected, Problem
from shared.orders import Channel

_STATE = {"0": RefundState.REQUESTED, "1": RefundState.AGREED, "2": RefundState.CLOSED, "3": RefundState.SUCCESS, "4": RefundState.CLOSED}
_RETURN, _EXCHANGE, _REPAIR = "10", "20", "30"  # customerExpect


class RefundApply(PlatformModel):
    id: PlatformId = Field(validation_alias=AliasChoices("id", "serviceId", "afsServiceId"))
    orderId: PlatformId
    applyRefundSum: Fen | None = None
    status: PlatformId | None = Field(default=None, validation_alias=AliasChoices("status", "serviceStatus"))
    reason: Text | None = None
    skuId: PlatformId | None = Field(default=None, validation_alias=AliasChoices("skuId", "wareId"))
    count: Count | None = Field(default=None, validation_alias=AliasChoices("serviceCount", "applyCount"))
    customerExpect: PlatformId | None = None


class CancelledOrder(PlatformModel):
    orderId: PlatformId
    orderState: Text


def parse_refund(document: Any) -> AfterSalesRequest:
    body = document["refundApplyVo"] if isinstance(document, dict) and set(document) == {"refundApplyVo"} else document
    refund = read_platform(RefundApply, body)
    if refund.customerExpect == _REPAIR:
        raise InputRejected(400, [Problem(field="customerExpect", rule="not_a_refund", message="customerExpect 30 (维修, repair) is not a refund or an exchange: oms takes 10 (退货) and 20 (换货)")])
    if refund.status is None and refund.customerExpect is None:  # a RefundApplyVo always has its status
        raise InputRejected(400, [Problem(field="status", rule="missing", message="a refund application has a status (0 未审核, 1 审核通过, …)")])
    line = refund.skuId is not None
    status = refund.status or ""
    if refund.customerExpect:
        status = f"customerExpect {refund.customerExpect}" + (f", serviceStatus {refund.status}" if refund.status else "")
    return read_request(
        {
            "channel": Channel.JD, "channel_order_id": refund.orderId, "refund_id": refund.id,
            "kind": AfterSalesKind.EXCHANGE if refund.customerExpect == _EXCHANGE else AfterSalesKind.REFUND,
            "whole_order": not line, "lines": [RequestedLine(line_id=refund.skuId, quantity=refund.count)] if line else [],
            "amount": None if refund.applyRefundSum is None else yuan(refund.applyRefundSum), "currency": "CNY", "channel_status": status,
            # A service bill's serviceStatus codes are not mapped: it is requested until JD says otherwise.
            "state": _STATE.get(refund.status or "", RefundState.AGREED) if not refund.customerExpect else RefundState.REQUESTED,
            "reason": refund.reason or "",
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
