"""What-if replay: a candidate rule set against the last N stored orders, compared with the rule
set in force. Reads only; nothing about the orders or the rule sets changes."""

from __future__ import annotations

from typing import Any

from shared.aws.order_history import OrderHistory
from shared.aws.reference_store import ReferenceStore
from shared.aws.rule_set_store import RuleSetStore
from shared.recent_orders import RecentOrder, RecentOrders
from shared.review_rules.compiler import CompiledRuleSet
from shared.review_rules.facts import ReviewContext
from shared.review_rules.replay import WhatIfReport, replay
from shared.usecases.rule_sets import compiled_version, in_force, validate

MAX_REPLAY_ORDERS = 5000


def what_if(
    last: int,
    rule_sets: RuleSetStore,
    history: OrderHistory,
    reference: ReferenceStore,
    candidate_document: Any = None,
    candidate_version: int | None = None,
) -> WhatIfReport:
    """Replays `candidate_document` (validated first) or the stored `candidate_version`."""
    candidate: CompiledRuleSet = compiled_version(rule_sets, candidate_version) if candidate_version is not None else validate(candidate_document)[0]
    stored = history.last_stored(min(last, MAX_REPLAY_ORDERS))
    orders = [(s.order_id, s.order) for s in stored]
    # The replayed orders are each other's recent orders: windowed rules see the same neighbours
    # under both rule sets (orders older than the sample are not looked up).
    context = ReviewContext(
        reference=reference.for_orders(o for _, o in orders),
        recent=RecentOrders(RecentOrder.of(s.order_id, s.order, s.status.value) for s in stored),
    )
    return replay(orders, context, in_force(rule_sets), candidate)
