"""One pulled order against oms's copy of it: which difference it shows and what reconciliation
does about it. Pure: the use case fetches, parses and acts; this only decides."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from shared.lifecycle import OrderStatus
from shared.orders import OrderIn
from shared.reconciliation.domain import ChannelState, DifferenceKind, PulledOrder

# oms statuses in which the order is still being fulfilled (a channel cancellation must stop it).
_FULFILLING = frozenset(
    {
        OrderStatus.RECEIVED,
        OrderStatus.ON_HOLD,
        OrderStatus.APPROVED,
        OrderStatus.ROUTED,
        OrderStatus.RESERVED,
        OrderStatus.RELEASED,
        OrderStatus.BACKORDERED,
        OrderStatus.EXCEPTION,
    }
)
_LEFT_THE_WAREHOUSE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.DELIVERY_EXCEPTION})
_NOT_AN_ORDER_TO_SHIP = frozenset({ChannelState.UNPAID, ChannelState.CANCELLED, ChannelState.REFUNDED})
_ALREADY_SHIPPED = frozenset({ChannelState.SHIPPED, ChannelState.COMPLETED})  # missing in oms: a person, never a re-ingest


class Action(StrEnum):
    NONE = "none"
    INGEST = "ingest"  # through intake, as if the webhook had come
    REDELIVER = "redeliver"  # through intake again: its amendment rules apply the change or record it
    REPORT = "report"  # a person decides


class Finding(BaseModel):
    kind: DifferenceKind
    action: Action
    detail: str
    channel_value: str | None = None
    oms_value: str | None = None


class OmsCopy(BaseModel):
    order_id: str
    status: OrderStatus
    fingerprint: str  # of the content oms holds: equal to the channel's means no amount can differ
    order: OrderIn | None = None  # read only when the fingerprints differ


def compare(pulled: PulledOrder, channel_order: OrderIn | None, refused: str | None, oms: OmsCopy | None) -> list[Finding]:
    """`channel_order` is the pulled payload read by the channel's own adapter (None when it
    refused it, with `refused` saying why); `oms` is oms's copy, None when oms lacks the order
    (amounts are compared when it carries the order: the caller reads it where content differs)."""
    if oms is None:
        return _missing(pulled, channel_order, refused)
    findings: list[Finding] = []
    if pulled.state in (ChannelState.CANCELLED, ChannelState.REFUNDED) and oms.status in _FULFILLING | _LEFT_THE_WAREHOUSE:
        after = " (the parcel has left: a return, not a cancellation)" if oms.status in _LEFT_THE_WAREHOUSE else ""
        findings.append(
            Finding(
                kind=DifferenceKind.CANCELLED_ON_CHANNEL,
                action=Action.REPORT,
                detail=f"{pulled.channel} says {pulled.platform_status}, oms is {oms.status.value}{after}",
                channel_value=pulled.platform_status,
                oms_value=oms.status.value,
            )
        )
    if pulled.state == ChannelState.AWAITING_SHIPMENT and oms.status in _LEFT_THE_WAREHOUSE:
        findings.append(
            Finding(
                kind=DifferenceKind.SHIPMENT_NOT_CONFIRMED,
                action=Action.REPORT,
                detail=f"oms is {oms.status.value} but {pulled.channel} still waits for shipment ({pulled.platform_status}): the shipment was not confirmed to the channel",
                channel_value=pulled.platform_status,
                oms_value=oms.status.value,
            )
        )
    if channel_order is not None and oms.order is not None:
        mismatch = amount_mismatch(channel_order, oms.order)
        if mismatch:
            channel_value, oms_value, what = mismatch
            findings.append(
                Finding(kind=DifferenceKind.AMOUNT_MISMATCH, action=Action.REDELIVER, detail=what, channel_value=channel_value, oms_value=oms_value)
            )
    return findings


def _missing(pulled: PulledOrder, channel_order: OrderIn | None, refused: str | None) -> list[Finding]:
    if pulled.state in _ALREADY_SHIPPED:
        # The channel says it left: re-ingesting it would ship it again, whether or not the
        # webhook adapter reads it (Shopify's reads a fulfilled order).
        return [_not_shippable(pulled, refused or "the channel says it has already shipped")]
    if channel_order is not None:
        return [
            Finding(
                kind=DifferenceKind.MISSING_IN_OMS,
                action=Action.INGEST,
                detail=f"{pulled.channel} has order {pulled.external_id} ({pulled.platform_status}); oms never received it",
                channel_value=pulled.platform_status,
            )
        ]
    if pulled.state in _NOT_AN_ORDER_TO_SHIP:
        return []  # unpaid, cancelled or refunded before oms heard of it: nothing was lost
    return [_not_shippable(pulled, refused)]


def _not_shippable(pulled: PulledOrder, why: str | None) -> Finding:
    return Finding(
        kind=DifferenceKind.MISSING_NOT_SHIPPABLE,
        action=Action.REPORT,
        detail=f"{pulled.channel} has order {pulled.external_id} ({pulled.platform_status}) that oms never received and cannot take: {why}",
        channel_value=pulled.platform_status,
    )


def _line_key(sku: str, quantity: int, unit_price: Decimal, discount: Decimal) -> tuple[str, int, str, str]:
    return (sku, quantity, f"{unit_price:.2f}", f"{discount:.2f}")


def amount_mismatch(channel: OrderIn, oms: OrderIn) -> tuple[str, str, str] | None:
    """(channel's value, oms's value, what differs) when the total or the lines differ, else None.
    Lines are compared by the channel's own SKU code (oms keeps it as `channel_sku`)."""
    channel_lines = sorted(_line_key(line.sku, line.quantity, line.unit_price, line.discount) for line in channel.lines)
    oms_lines = sorted(_line_key(line.channel_sku or line.sku, line.quantity, line.unit_price, line.discount) for line in oms.lines)
    if channel_lines != oms_lines:
        return (_lines_text(channel_lines), _lines_text(oms_lines), "the order's lines differ between the channel and oms")
    channel_total = channel.order_total if channel.order_total is not None else channel.total
    oms_total = oms.order_total if oms.order_total is not None else oms.total
    if f"{channel_total:.2f}" != f"{oms_total:.2f}":
        return (f"{channel_total:.2f} {channel.currency}", f"{oms_total:.2f} {oms.currency}", "the order's total differs between the channel and oms")
    return None


def _lines_text(lines: list[tuple[str, int, str, str]]) -> str:
    return "; ".join(f"{sku} x{quantity} @{price} -{discount}" for sku, quantity, price, discount in lines)
