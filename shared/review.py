"""Automatic order review (智能审单): pure rules over a canonical order.

Each rule returns findings with a severity; the strongest severity decides. Reasons are written
for an operator, in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from pydantic import BaseModel

from shared.geo import find_province
from shared.orders import OrderIn


class Severity(StrEnum):
    REJECT = "REJECT"
    HOLD = "HOLD"
    FLAG = "FLAG"


class Decision(StrEnum):
    APPROVED = "APPROVED"
    ON_HOLD = "ON_HOLD"
    REJECTED = "REJECTED"


class Finding(BaseModel):
    rule_id: str
    severity: Severity
    reason_en: str
    reason_zh: str


class ReviewResult(BaseModel):
    decision: Decision
    findings: list[Finding]


Rule = Callable[[OrderIn], Iterable[Finding]]


def positive_quantities(order: OrderIn) -> Iterable[Finding]:
    for number, line in enumerate(order.lines, start=1):
        if line.quantity <= 0:
            yield Finding(
                rule_id="line.quantity.positive",
                severity=Severity.REJECT,
                reason_en=f"line {number} ({line.sku}): quantity {line.quantity} is not positive",
                reason_zh=f"第{number}行（{line.sku}）：数量 {line.quantity} 不是正数",
            )


def positive_prices(order: OrderIn) -> Iterable[Finding]:
    for number, line in enumerate(order.lines, start=1):
        if line.unit_price <= 0:
            yield Finding(
                rule_id="line.price.positive",
                severity=Severity.REJECT,
                reason_en=f"line {number} ({line.sku}): unit price {line.unit_price} {order.currency} is not positive",
                reason_zh=f"第{number}行（{line.sku}）：单价 {line.unit_price} {order.currency} 不是正数",
            )


_ADDRESS_FIELDS = {
    "name": "收货人",
    "phone": "电话",
    "province": "省份",
    "city": "城市",
    "detail": "详细地址",
}


def address_complete(order: OrderIn) -> Iterable[Finding]:
    receiver = order.receiver
    missing = [f for f in _ADDRESS_FIELDS if receiver is None or not getattr(receiver, f).strip()]
    if missing:
        yield Finding(
            rule_id="address.complete",
            severity=Severity.REJECT,
            reason_en=f"receiver address is missing: {', '.join(missing)}",
            reason_zh=f"收货地址缺少：{'、'.join(_ADDRESS_FIELDS[f] for f in missing)}",
        )


def province_known(order: OrderIn) -> Iterable[Finding]:
    receiver = order.receiver
    if receiver is not None and receiver.province.strip() and find_province(receiver.province) is None:
        yield Finding(
            rule_id="address.province.known",
            severity=Severity.HOLD,
            reason_en=f"province '{receiver.province}' is not a Chinese provincial-level division",
            reason_zh=f"省份“{receiver.province}”不是有效的省级行政区",
        )


DEFAULT_RULES: tuple[Rule, ...] = (positive_quantities, positive_prices, address_complete, province_known)

_PRECEDENCE = {Severity.REJECT: Decision.REJECTED, Severity.HOLD: Decision.ON_HOLD}


def review(order: OrderIn, rules: Iterable[Rule] = DEFAULT_RULES) -> ReviewResult:
    findings = [finding for rule in rules for finding in rule(order)]
    severities = {f.severity for f in findings}
    decision = next(
        (d for s, d in _PRECEDENCE.items() if s in severities),
        Decision.APPROVED,
    )
    return ReviewResult(decision=decision, findings=findings)
