"""What a review decides: findings with a severity, the strongest severity decides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel


class Severity(StrEnum):
    REJECT = "REJECT"  # the order is refused
    HOLD = "HOLD"  # a person decides
    FLAG = "FLAG"  # noted on the timeline; the order goes on


class Decision(StrEnum):
    APPROVED = "APPROVED"
    ON_HOLD = "ON_HOLD"
    REJECTED = "REJECTED"


DECISION_OF = {Severity.REJECT: Decision.REJECTED, Severity.HOLD: Decision.ON_HOLD}


class Finding(BaseModel, defer_build=True):
    rule_id: str
    severity: Severity
    reason_en: str
    reason_zh: str


@dataclass(frozen=True, slots=True)
class ReviewResult:
    """A plain value, not a model: built once per review on the hot path; findings cross
    boundaries (the timeline) as Finding models."""

    decision: Decision
    findings: list[Finding]
    rule_set_version: int | None = None


def decide(findings: list[Finding]) -> Decision:
    severities = {f.severity for f in findings}
    return next((d for s, d in DECISION_OF.items() if s in severities), Decision.APPROVED)
