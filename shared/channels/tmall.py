"""Tmall / Taobao: a trade as the open platform's trade detail (taobao.trade.fullinfo.get) names
it: tid, buyer_nick, receiver_* fields, and the sub-orders in `orders.order[]` (num_iid, sku_id,
outer_sku_id, num, price, payment). oms's connector forwards the bare trade or the API answer
`{"trade_fullinfo_get_response": {"trade": {...}}}`. Times are Beijing time without a zone."""

from __future__ import annotations

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
    unwrap_answer,
)
from shared.orders import Channel, InvoiceKind, PaymentStatus
from shared.problems import InputRejected

CHANNEL = Channel.TMALL
SIGNATURE_HEADER = "X-Oms-Hmac-Sha256"

# Paid and waiting for the seller to ship; a cash-on-delivery trade waits in the same status.
_SHIPPABLE = {"WAIT_SELLER_SEND_GOODS", "SELLER_CONSIGNED_PART"}
# A sub-order closed on its own (refunded after payment, or closed by Taobao) is never shipped,
# whatever the trade's status says: the platform's own rule for `orders.order[].status`.
_CLOSED_SUB_ORDER = {"TRADE_CLOSED", "TRADE_CLOSED_BY_TAOBAO"}
# A sub-order whose refund is under way or done (`orders.order[].refund_status`; NO_REFUND,
# SELLER_REFUSE_BUYER and CLOSED leave it to ship) is left out too, and its refund goes to
# after-sales as if its message came (decision 266): a late or lost refund message does not let
# the line ship, and a copy of the trade re-delivered meanwhile does not bring the line back.
_REFUND_SHOWN = {"WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS", "SUCCESS"}
_VAT_SPECIAL_INVOICE_KIND = "3"  # invoice_kind: 1 electronic, 2 paper, 3 增值税专用发票


class SubOrder(PlatformModel):
    oid: PlatformId | None = None
    num_iid: PlatformId
    sku_id: PlatformId | None = None
    outer_iid: Text | None = None
    outer_sku_id: Text | None = None
    num: Count
    price: Money
    payment: Money | None = None  # what the buyer pays for this sub-order, discounts applied
    status: Text | None = None  # the sub-order's own status: TRADE_CLOSED when refunded before shipment
    refund_id: PlatformId | None = None  # its latest refund
    refund_status: Text | None = None  # that refund's status (NO_REFUND when there is none)

    @property
    def closed(self) -> bool:
        return self.status in _CLOSED_SUB_ORDER

    @property
    def refunding(self) -> bool:
        """Open, with a refund under way (or done) that the trade shows."""
        return not self.closed and bool(self.refund_id) and self.refund_status in _REFUND_SHOWN

    @property
    def discount(self) -> Decimal:
        if self.payment is None:
            return Decimal("0.00")
        return max(self.price * self.num - self.payment, Decimal("0.00"))


class SubOrders(PlatformModel):
    order: list[SubOrder] = Field(min_length=1, max_length=500)


class Trade(PlatformModel):
    tid: PlatformId
    status: Text
    type: Text | None = None
    buyer_nick: Text | None = None
    buyer_open_uid: Text | None = None
    receiver_name: Text | None = None
    receiver_mobile: Text | None = None
    receiver_phone: Text | None = None
    receiver_state: Text | None = None
    receiver_city: Text | None = None
    receiver_district: Text | None = None
    receiver_town: Text | None = None
    receiver_address: Text | None = None
    receiver_zip: Text | None = None
    payment: Money  # the trade's amount paid: Taobao always sends it
    post_fee: Money | None = None  # 运费, inside `payment`
    invoice_name: Text | None = None
    invoice_kind: Text | None = None
    created: ChinaTime
    modified: UpdatedAt = None
    orders: SubOrders


def unwrap(document: Any) -> Any:
    return unwrap_answer(document, "trade_fullinfo_get_response", "trade")


def parse(document: Any) -> ChannelOrder:
    trade = read_platform(Trade, unwrap(document))
    if trade.status not in _SHIPPABLE:
        raise refuse_status("status", trade.status, "tmall")
    lines = ChannelLines("orders.order")
    post_fee = trade.post_fee or Decimal("0.00")
    if len(trade.orders.order) == 1 and post_fee and trade.orders.order[0].payment is not None:
        # a trade's only sub-order's payment includes the freight (more sub-orders: it does not)
        only = trade.orders.order[0]
        trade.orders.order[0] = only.model_copy(update={"payment": max(only.payment - post_fee, Decimal("0.00"))})
    subs = trade.orders.order
    # Refunding sub-orders are left out while another ships; when every open one is refunding they
    # stay, and their refunds (after-sales) cancel the order.
    left_out = {i for i, sub in enumerate(subs) if sub.closed}
    refunding = {i for i, sub in enumerate(subs) if sub.refunding}
    left_out |= refunding if len(left_out | refunding) < len(subs) else set()
    for index, sub in enumerate(subs):
        if index in left_out:
            continue  # refunded, refunding or closed before shipment: it never ships (its refund, when delivered, is recorded only)
        # The merchant's code (商家编码) is what the SKU mapping knows; without one, the platform's ids.
        platform_sku = f"{sub.num_iid}:{sub.sku_id}" if sub.sku_id else None
        codes = [("outer_sku_id", sub.outer_sku_id), ("sku_id", platform_sku), ("outer_iid", sub.outer_iid), ("num_iid", sub.num_iid)]
        lines.add(index, codes, sub.num, sub.price, sub.discount, line_id=sub.oid)
    left = [subs[i] for i in sorted(left_out)]
    if not lines.lines:
        raise refuse_status("orders.order.status", "every sub-order closed", "tmall")
    return canonical(
        {
            "channel": CHANNEL,
            "external_id": trade.tid,
            "buyer": {"buyer_id": trade.buyer_open_uid or trade.buyer_nick or f"tmall-{trade.tid}", "name": trade.buyer_nick},
            "receiver": {
                "name": trade.receiver_name or "",
                "phone": trade.receiver_mobile or trade.receiver_phone or "",
                "province": trade.receiver_state or "",
                "city": trade.receiver_city or "",
                "district": trade.receiver_district or "",
                "detail": " ".join(p for p in (trade.receiver_town, trade.receiver_address) if p),
                "postal_code": trade.receiver_zip or None,
            },
            "currency": "CNY",
            "lines": lines.lines,
            "payment_status": PaymentStatus.CASH_ON_DELIVERY if trade.type == "cod" else PaymentStatus.PAID,
            "order_total": _payment_left(trade, left, post_fee),
            "shipping_fee": post_fee,
            "invoice": _invoice(trade),
            "placed_at": trade.created,
        },
        lines.sku_fields,
        received_via=channel_updated(trade.modified) | _closed_at_intake(left),
        refunds_shown=_refunds_shown(trade),
    )


def _payment_left(trade: Trade, closed: list[SubOrder], post_fee: Decimal) -> Decimal:
    """What the buyer pays for what ships. When the trade's `payment` still adds up to every
    sub-order's payment and the freight, the payments of those left out (closed or refunding) come off it; when it does
    not (the platform already took them off, or a sub-order's payment is missing), it is taken as
    it is and review compares it with the lines."""
    payments = [sub.payment for sub in trade.orders.order]
    if not closed or any(p is None for p in payments) or trade.payment != sum(payments, Decimal("0.00")) + post_fee:
        return trade.payment
    return max(trade.payment - sum((sub.payment for sub in closed), Decimal("0.00")), Decimal("0.00"))


def _closed_at_intake(left_out: list[SubOrder]) -> dict[str, str]:
    """The sub-orders left out (closed, or refunding: decision 266), and their refunds: a refund
    delivered later for one of them is recorded, not applied to the lines that ship
    (shared/aftersales/decide.py, refunds_at_intake)."""
    if not left_out:
        return {}
    kept = {}
    for key, subs in (("closed_sub_orders", [s for s in left_out if s.closed]), ("refunding_sub_orders", [s for s in left_out if not s.closed])):
        if subs:
            kept[key] = ",".join(sub.oid or str(sub.num_iid) for sub in subs)
    refunds = [sub.refund_id for sub in left_out if sub.refund_id]
    return kept | ({"refunds_at_intake": ",".join(refunds)} if refunds else {})


def _refunds_shown(trade: Trade) -> list[dict[str, Any]]:
    """The refunds under way on sub-orders that ship, as after-sales requests (decision 266): each
    as the refund's own message would say it, without its amount (the trade does not carry it). A
    sub-order without an `oid` in a trade of several cannot be named, and is left to its message."""
    shown = [sub for sub in trade.orders.order if sub.refunding]
    if not shown:
        return []
    from shared.channels.tmall_refunds import parse_refund  # only for the few trades that show one

    several = len(trade.orders.order) > 1
    documents = [{"refund_id": sub.refund_id, "tid": trade.tid, "oid": sub.oid, "status": sub.refund_status, "outer_id": sub.outer_sku_id} for sub in shown if sub.oid or not several]
    shown_requests = []
    for document in documents:
        try:
            shown_requests.append(parse_refund({k: v for k, v in document.items() if v is not None}).model_dump(mode="json", exclude_none=True))
        except InputRejected:  # the order is taken whatever its refund says: that line is left out, its own message decides
            continue
    return shown_requests


def _invoice(trade: Trade) -> dict[str, Any] | None:
    if not trade.invoice_name:
        return None
    kind = InvoiceKind.VAT_SPECIAL if trade.invoice_kind == _VAT_SPECIAL_INVOICE_KIND else InvoiceKind.NORMAL
    return {"kind": kind, "title": trade.invoice_name}
