"""Histories moto keeps of what it sent, which no AWS API reads back, bounded (issue 15; a sibling
of local/moto_memory.py, installed by it, same pinned moto).

SNS publishes straight to a phone number (oms's customer notices, shared/notices/sms.py: one or
more per order) are kept by moto twice, for ever: `sms_messages` (message id -> number and text)
and `sms_message_objects` (the same as model objects, for its dashboard). SNS has no API that
lists or reads a sent SMS (delivery status goes to CloudWatch Logs when it is configured), so the
history is moto's own, read only by tests that check what a customer was sent. Each backend keeps
the newest `SMS_KEPT` of them, in the order sent, far more than any test or a person looking at a
running console reads; older ones are forgotten in batches (a tenth of the bound at a time).
"""

from __future__ import annotations

import threading
from typing import Any

from moto.sns.models import SNSBackend

SMS_KEPT = 1_000  # per account and region
_lock = threading.Lock()
_original_publish = SNSBackend.publish


def forget_old_sms(backend: SNSBackend, kept: int | None = None) -> int:
    """Forgets the oldest texts past `kept` (once more than a tenth over it); returns how many went."""
    kept = SMS_KEPT if kept is None else kept
    if len(backend.sms_messages) <= kept + kept // 10:
        return 0
    with _lock:
        extra = len(backend.sms_messages) - kept
        if extra <= 0:
            return 0
        for message_id in list(backend.sms_messages)[:extra]:  # insertion order: oldest first
            backend.sms_messages.pop(message_id, None)
            backend.sms_message_objects.pop(message_id, None)
    return extra


def _publish_keeping_recent_sms(self: SNSBackend, *args: Any, **kwargs: Any) -> str:
    message_id = _original_publish(self, *args, **kwargs)
    forget_old_sms(self)
    return message_id


def install() -> None:
    SNSBackend.publish = _publish_keeping_recent_sms  # type: ignore[method-assign]


def held_in_memory() -> dict[str, int]:
    """The texts kept, for local/moto_speed.held_in_memory (the benchmark's M lines)."""
    from moto.sns.models import sns_backends

    backends = [backend for account in list(sns_backends.values()) for backend in list(account.values())]
    return {f"SMS texts kept (bound {SMS_KEPT} + 10% per region)": sum(len(b.sms_messages) for b in backends)}
