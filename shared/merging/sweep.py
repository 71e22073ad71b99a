"""The automatic merge rule: every few minutes, the orders waiting in the rule's statuses are
grouped (same address, same buyer or receiver, within the window) and each group whose merged
plan saves at least the rule's minimum is merged. A group it does not pay to merge is left alone."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.clock import now_iso
from shared.lifecycle import Actor
from shared.merging.groups import candidate_groups
from shared.merging.merge import MergeRefused, Publish, StartRun, merge_orders, price
from shared.merging.rule import MergeRule, merge_rule

_ACTOR = Actor.system("merge-rule")
READ_PER_STATUS = 500


class SweepReport(BaseModel):
    candidates: int = Field(default=0, description="Orders in a candidate group")
    groups: int = 0
    merged: list[str] = Field(default_factory=list, description="Merge ids")
    not_worth_it: int = 0
    refused: dict[str, int] = Field(default_factory=dict)


def sweep(orders: OrderStore, inventory: InventoryStore, start_run: StartRun, publish: Publish, rule: MergeRule | None = None) -> SweepReport:
    rule = rule or merge_rule()
    report = SweepReport()
    if not rule.automatic:
        return report
    waiting: list[StoredOrder] = []
    cutoff = now_iso()
    for status in rule.statuses:
        token = None
        while len(waiting) < READ_PER_STATUS * len(rule.statuses):
            page, token = orders.waiting_page(status, cutoff, 100, token)
            waiting.extend(page)
            if token is None:
                break
    groups = candidate_groups(waiting, rule)
    report.groups, report.candidates = len(groups), sum(len(g) for g in groups)
    for group in groups:
        try:
            plan = price(group, inventory)
            if not rule.worth_it(plan.separate_cost, plan.saving):
                report.not_worth_it += 1
                continue
            record = merge_orders([m.order_id for m in group], _ACTOR, f"automatic rule: {plan.explanation['en']}", orders, inventory, start_run, publish, rule)
            report.merged.append(record.merge_id)
        except MergeRefused as refused:  # an order moved on meanwhile: the next sweep looks again
            report.refused[refused.rule] = report.refused.get(refused.rule, 0) + 1
    return report
