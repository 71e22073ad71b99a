"""Workflow step: automatic review of a RECEIVED order, with the rule set in force."""

from __future__ import annotations

from shared.aws.order_history import OrderHistory
from shared.aws.order_store import OrderStore, StoredOrder
from shared.aws.reference_store import ReferenceStore
from shared.aws.rule_set_store import RuleSetStore
from shared.errors import OrderMovedOn
from shared.lifecycle import Actor, OrderStatus, transition_entry
from shared.recent_orders import RecentOrders
from shared.review import Decision, ReviewContext, default_rule_set
from shared.review_rules.compiler import CompiledRuleSet
from shared.reference import ReferenceData
from shared.usecases.retry import on_version_conflict
from shared.usecases.rule_sets import in_force

_STATUS_OF = {
    Decision.APPROVED: OrderStatus.APPROVED,
    Decision.ON_HOLD: OrderStatus.ON_HOLD,
    Decision.REJECTED: OrderStatus.REJECTED,
}
_DECISION_OF = {status: decision for decision, status in _STATUS_OF.items()}


def review_order(
    order_id: str,
    store: OrderStore,
    rule_sets: RuleSetStore | None = None,
    reference: ReferenceStore | None = None,
    history: OrderHistory | None = None,
) -> Decision:
    """Without the review table's stores the shipped default rules run on the order alone."""
    return on_version_conflict(lambda: _review(store.load(order_id), store, rule_sets, reference, history))


def _review(current: StoredOrder, store: OrderStore, rule_sets: RuleSetStore | None, reference: ReferenceStore | None, history: OrderHistory | None) -> Decision:
    if current.status in _DECISION_OF:  # reviewed already: a retried step gets the same answer
        return _DECISION_OF[current.status]
    if current.status != OrderStatus.RECEIVED:
        raise OrderMovedOn(current.order_id, current.status, "review")
    rules: CompiledRuleSet = in_force(rule_sets) if rule_sets else default_rule_set()
    context = ReviewContext(
        reference=reference.for_orders([current.order]) if reference else ReferenceData(),
        # Only a rule set with windowed rules pays for the two index queries.
        recent=history.around(current.order, rules.lookback_minutes) if history and rules.lookback_minutes else RecentOrders(),
    )
    result = rules.review(current.order, context, current.order_id)
    to_status = _STATUS_OF[result.decision]
    findings = [f.model_dump(mode="json") for f in result.findings]
    entry = transition_entry(current.status, to_status, Actor.system("review"), findings=findings, rule_set_version=result.rule_set_version)
    # On the order item too: the operations aggregates count KPIs per rule-set version from it.
    store.transition(current, to_status, entry, set_fields={"rule_set_version": result.rule_set_version})
    return result.decision
