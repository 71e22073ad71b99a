"""Scheduled: a held order nobody has decided on within the allowed time is escalated once
(timeline note, HeldOrderEscalated event for the team's alerting)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import timedelta

from shared.aws.order_store import OrderStore
from shared.clock import iso, utc_now
from shared.events import DomainEvent, HeldOrderEscalated
from shared.lifecycle import Actor, OrderStatus, note_entry

ESCALATE_AFTER_ENV = "HOLD_ESCALATION_MINUTES"
DEFAULT_ESCALATE_AFTER_MINUTES = 120


def escalation_threshold_minutes() -> int:
    return int(os.environ.get(ESCALATE_AFTER_ENV, DEFAULT_ESCALATE_AFTER_MINUTES))


def escalate_stale_holds(orders: OrderStore, publish: Callable[[Sequence[DomainEvent]], None], after_minutes: int | None = None) -> list[str]:
    now = utc_now()
    minutes = escalation_threshold_minutes() if after_minutes is None else after_minutes
    escalated = []
    for held in orders.waiting_since(OrderStatus.ON_HOLD, iso(now - timedelta(minutes=minutes))):
        if held.escalated_at or not orders.mark_escalated(held, iso(now)):
            continue
        reasons = [f["reason_en"] for e in orders.details(held.order_id).timeline if e.to_status == OrderStatus.ON_HOLD for f in e.details.get("findings", [])]
        orders.add_note(
            held,
            note_entry(held.status, Actor.system("hold-escalator"), f"on hold for more than {minutes} minutes with no decision: escalated", reasons=reasons),
        )
        publish([HeldOrderEscalated(event_id=f"{held.order_id}:escalated:{held.version}", order_id=held.order_id, held_since=held.updated_at, reasons=reasons)])
        escalated.append(held.order_id)
    return escalated
