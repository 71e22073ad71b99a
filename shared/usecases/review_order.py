"""Workflow step: automatic review of a RECEIVED order."""

from __future__ import annotations

from shared.aws.order_store import OrderStore, StoredOrder
from shared.errors import OrderMovedOn
from shared.lifecycle import Actor, OrderStatus, transition_entry
from shared.review import Decision, review
from shared.usecases.retry import on_version_conflict

_STATUS_OF = {
    Decision.APPROVED: OrderStatus.APPROVED,
    Decision.ON_HOLD: OrderStatus.ON_HOLD,
    Decision.REJECTED: OrderStatus.REJECTED,
}
_DECISION_OF = {status: decision for decision, status in _STATUS_OF.items()}


def review_order(order_id: str, store: OrderStore) -> Decision:
    return on_version_conflict(lambda: _review(store.load(order_id), store))


def _review(current: StoredOrder, store: OrderStore) -> Decision:
    if current.status in _DECISION_OF:  # reviewed already: a retried step gets the same answer
        return _DECISION_OF[current.status]
    if current.status != OrderStatus.RECEIVED:
        raise OrderMovedOn(current.order_id, current.status, "review")
    result = review(current.order)
    to_status = _STATUS_OF[result.decision]
    findings = [f.model_dump(mode="json") for f in result.findings]
    store.transition(current, to_status, transition_entry(current.status, to_status, Actor.system("review"), findings=findings))
    return result.decision
