"""Which notice an event asks for, in which language, and its text. Pure: the order and the event
come in as values; the texts are data (templates.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.address_checks.phones import check, region_of
from shared.geo import find_province
from shared.orders import OrderIn, ReceiverAddress

Kind = Literal["accepted", "shipped", "delayed", "cancelled", "refunded"]
Language = Literal["zh", "en"]
TEMPLATES = Path(__file__).resolve().parent / "templates.json"
# Stuck in these, the customer waits on us: a delay notice. EXCEPTION is a person's (no notice);
# ON_HOLD waits on review, which the customer need not hear about before it is decided.
_DELAYED_STATUSES = frozenset({"BACKORDERED", "APPROVED", "ROUTED", "RESERVED", "RELEASED", "SHIPPED"})


class NoticeRequest(BaseModel, defer_build=True):
    """One notice to send: at most once per (order, kind, reference)."""

    order_id: str = Field(min_length=1)
    kind: Kind
    reference: str = Field(default="", description="Tells apart notices of one kind: the parcel's warehouse, the refund id, the status that is late")
    facts: dict[str, str] = Field(default_factory=dict)

    @property
    def notice_id(self) -> str:
        return f"{self.kind}#{self.reference}" if self.reference else self.kind


def request_for(detail_type: str, detail: dict[str, Any]) -> NoticeRequest | None:
    """The notice an event on the bus asks for; None for an event that asks for none."""
    order_id = str(detail.get("order_id") or "")
    if detail_type == "OrderAccepted":
        return NoticeRequest(order_id=order_id, kind="accepted")
    if detail_type == "ParcelShipped":
        facts = {"warehouse": str(detail.get("warehouse_id", "")), "carrier": str(detail.get("carrier") or ""), "tracking_number": str(detail.get("tracking_number") or "")}
        return NoticeRequest(order_id=order_id, kind="shipped", reference=facts["warehouse"], facts=facts)
    if detail_type in ("OrderBackordered", "OrderStuck", "StuckOrderEscalated"):
        status = str(detail.get("status") or "BACKORDERED")
        if status not in _DELAYED_STATUSES:
            return None
        return NoticeRequest(order_id=order_id, kind="delayed", reference=status, facts={"status": status})
    if detail_type == "OrderCancelled":
        return NoticeRequest(order_id=order_id, kind="cancelled", facts={"reason": str(detail.get("reason") or "")})
    if detail_type == "OrderRefunded":
        facts = {"amount": str(detail.get("amount", "")), "currency": str(detail.get("currency") or "CNY")}
        return NoticeRequest(order_id=order_id, kind="refunded", reference=str(detail.get("refund_id") or ""), facts=facts)
    return None


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    return json.loads(TEMPLATES.read_text("utf-8"))


def language_for(order: OrderIn) -> Language:
    """By the channel where it speaks one language (the overseas Shopify store: English), else by
    where the parcel goes (the receiver's country), else the default."""
    rules = templates()["languages"]
    if order.channel.value in rules["by_channel"]:
        return rules["by_channel"][order.channel.value]
    if order.receiver is not None:
        return rules["by_country"].get(order.receiver.country, rules["other_countries"])
    return rules["default"]


def render(request: NoticeRequest, order: OrderIn, language: Language) -> str:
    data = templates()
    reasons = data["delay_reasons"]
    why = reasons.get(request.facts.get("status", ""), reasons["default"])
    facts = {
        "shop": data["shops"][order.channel.value][language],
        "name": (order.receiver.name if order.receiver and order.receiver.name else order.buyer.name) or ("顾客" if language == "zh" else "there"),
        "external_id": order.external_id,
        "units": str(sum(line.quantity for line in order.lines)),
        "why_zh": why["zh"],
        "why_en": why["en"],
        "reason": "",
        "carrier": "",
        "tracking_number": "",
        "warehouse": "",
        **request.facts,
    }
    return data["kinds"][request.kind][language].format(**facts)


def phone_e164(receiver: ReceiverAddress | None) -> str | None:
    """The receiver's phone as SNS wants it (+<country code><number>); None when it is not a
    number a text can reach (missing, malformed, a placeholder)."""
    if receiver is None or not receiver.phone:
        return None
    province = find_province(receiver.province) if receiver.country == "CN" and receiver.province else None
    phone = check(receiver.phone, region_of(receiver.country, province.code if province else None))
    if not phone.valid or phone.country_code is None:
        return None
    return f"+{phone.country_code}{phone.digits.removeprefix('0')}"


def masked(phone: str) -> str:
    return phone[:-8] + "****" + phone[-4:] if len(phone) > 8 else "****"
