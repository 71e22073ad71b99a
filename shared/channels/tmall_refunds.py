"""Tmall / Taobao after-sales: a refund as the open platform names it (taobao.refund.get,
taobao.refunds.receive.get; the taobao_refund_* messages carry the same names): refund_id, tid,
oid (the sub-order; equal to tid for a one-line trade), refund_fee (yuan), num (units), status
(WAIT_SELLER_AGREE, WAIT_BUYER_RETURN_GOODS, WAIT_SELLER_CONFIRM_GOODS, SELLER_REFUSE_BUYER,
CLOSED, SUCCESS), good_status, has_good_return, reason, outer_id. A refund is one sub-order.
oms's connector forwards the bare refund or the API answer {"refund_get_response": {"refund": …}}.
A trade closed before shipment (TRADE_CLOSED, TRADE_CLOSED_BY_TAOBAO) delivered as an order is a
cancellation."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from shared.aftersales.domain import AfterSalesKind, AfterSalesRequest, RefundState, RequestedLine, read_request
from shared.channels import tmall
from shared.channels.common import Money, PlatformId, PlatformModel, Text, read_platform, unwrap_answer
from shared.orders import Channel, WholeNumber

_STATE = {
    "WAIT_SELLER_AGREE": RefundState.REQUESTED,
    "WAIT_BUYER_RETURN_GOODS": RefundState.AGREED,
    "WAIT_SELLER_CONFIRM_GOODS": RefundState.AGREED,
    "SUCCESS": RefundState.SUCCESS,
    "SELLER_REFUSE_BUYER": RefundState.CLOSED,
    "CLOSED": RefundState.CLOSED,
}
CANCELLED_TRADE = frozenset({"TRADE_CLOSED", "TRADE_CLOSED_BY_TAOBAO"})


class Refund(PlatformModel):
    refund_id: PlatformId
    tid: PlatformId
    oid: PlatformId | None = None
    refund_fee: Money | None = None
    num: Annotated[WholeNumber, Field(ge=0, le=100_000)] | None = None  # 0 or absent: the whole sub-order
    status: Text
    reason: Text | None = None
    outer_id: Annotated[str, Field(max_length=200)] | None = None  # as long as a refunded line's SKU may be
    good_status: Text | None = None


class ClosedTrade(PlatformModel):
    tid: PlatformId
    status: Text
    payment: Money | None = None


def unwrap(document: Any) -> Any:
    return unwrap_answer(document, "refund_get_response", "refund")


def parse_refund(document: Any) -> AfterSalesRequest:
    refund = read_platform(Refund, unwrap(document))
    return read_request(
        {
            "channel": Channel.TMALL,
            "channel_order_id": refund.tid,
            "refund_id": refund.refund_id,
            "kind": AfterSalesKind.REFUND,
            "whole_order": refund.oid is None,
            "lines": [] if refund.oid is None else [RequestedLine(line_id=refund.oid, sku=refund.outer_id, quantity=refund.num or None)],
            "amount": refund.refund_fee,
            "currency": "CNY",
            "channel_status": refund.status,
            "state": _STATE.get(refund.status, RefundState.REQUESTED),
            "reason": refund.reason or "",
        },
        field_of={"channel_order_id": "tid"},
    )


def is_cancellation(document: Any) -> bool:
    trade = tmall.unwrap(document)
    return isinstance(trade, dict) and isinstance(trade.get("status"), str) and trade["status"] in CANCELLED_TRADE


def parse_cancellation(document: Any) -> AfterSalesRequest:
    trade = read_platform(ClosedTrade, tmall.unwrap(document))
    return read_request(
        {
            "channel": Channel.TMALL, "channel_order_id": trade.tid, "refund_id": f"closed-{trade.tid}", "kind": AfterSalesKind.CANCEL,
            "whole_order": True, "amount": trade.payment, "currency": "CNY", "channel_status": trade.status, "state": RefundState.SUCCESS,
            "reason": f"trade {trade.status}",
        },
        field_of={"channel_order_id": "tid"},
    )
