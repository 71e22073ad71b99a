"""What-if: the rule set in force and a candidate over the same orders, side by side.

Both see the same reference data and the same recent orders, so every difference in the report
comes from the rules alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, Field

from shared.orders import OrderIn
from shared.review_rules.compiler import CompiledRuleSet
from shared.review_rules.facts import ReviewContext
from shared.review_rules.outcome import Decision, ReviewResult

MAX_CHANGED_LISTED = 500


class DecisionCounts(BaseModel, defer_build=True):
    APPROVED: int = 0
    ON_HOLD: int = 0
    REJECTED: int = 0

    @property
    def total(self) -> int:
        return self.APPROVED + self.ON_HOLD + self.REJECTED


class ChangedOrder(BaseModel, defer_build=True):
    order_id: str
    channel: str
    external_id: str
    in_force: Decision
    candidate: Decision
    in_force_findings: list[str] = Field(description="rule id (severity) of each rule that fired under the set in force")
    candidate_findings: list[str] = Field(description="the same under the candidate")


class RuleFirings(BaseModel, defer_build=True):
    in_force: int = 0
    candidate: int = 0


class WhatIfReport(BaseModel, defer_build=True):
    orders: int
    in_force_version: int | None
    candidate_version: int | None = Field(description="None for a candidate that is not stored")
    in_force: DecisionCounts
    candidate: DecisionCounts
    changed_count: int
    changed: list[ChangedOrder] = Field(description=f"The orders whose decision changes (at most {MAX_CHANGED_LISTED})")
    rules: dict[str, RuleFirings] = Field(description="Orders each rule fires on, per rule set")


def _described(result: ReviewResult) -> list[str]:
    return sorted({f"{f.rule_id} ({f.severity.value})" for f in result.findings})


def replay(orders: Sequence[tuple[str, OrderIn]], context: ReviewContext, in_force: CompiledRuleSet, candidate: CompiledRuleSet) -> WhatIfReport:
    counts = {"in_force": Counter(), "candidate": Counter()}
    firings: dict[str, RuleFirings] = {}
    changed: list[ChangedOrder] = []
    for order_id, order in orders:
        before = in_force.review(order, context, order_id)
        after = candidate.review(order, context, order_id)
        counts["in_force"][before.decision.value] += 1
        counts["candidate"][after.decision.value] += 1
        fired_before = {f.rule_id for f in before.findings}
        fired_after = {f.rule_id for f in after.findings}
        for rule_id in fired_before:
            firings.setdefault(rule_id, RuleFirings()).in_force += 1
        for rule_id in fired_after:
            firings.setdefault(rule_id, RuleFirings()).candidate += 1
        if before.decision != after.decision:
            changed.append(
                ChangedOrder(
                    order_id=order_id,
                    channel=order.channel.value,
                    external_id=order.external_id,
                    in_force=before.decision,
                    candidate=after.decision,
                    in_force_findings=_described(before),
                    candidate_findings=_described(after),
                )
            )
    return WhatIfReport(
        orders=len(orders),
        in_force_version=in_force.version,
        candidate_version=candidate.version,
        in_force=DecisionCounts(**counts["in_force"]),
        candidate=DecisionCounts(**counts["candidate"]),
        changed_count=len(changed),
        changed=changed[:MAX_CHANGED_LISTED],
        rules=dict(sorted(firings.items())),
    )
