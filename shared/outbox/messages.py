"""What the outbox holds: one message for the WMS, and the domain event that announces it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.events import SOURCE, DomainEvent, InterceptRequested, OutboundNoteCreated, OutboundNoteVoided

# An intercept request (拦截, shared/aftersales/) travels the notes' way: once, in order after its note.
KINDS: dict[str, type[DomainEvent]] = {event.detail_type: event for event in (OutboundNoteCreated, OutboundNoteVoided, InterceptRequested)}


class UnreadableRecord(ValueError):
    """A stored record (a note item, a stream record) that cannot be read as oms writes it: reading
    it again gives the same error. Raised where the record is parsed, so that an error of the same
    Python type from anywhere else (a response AWS cut short, a client's own failure) is never
    mistaken for it (decision 231)."""


# What parsing a stored record raises when it is not shaped as oms writes it (pydantic's
# ValidationError is a ValueError): turned into UnreadableRecord where the parse happens.
READING_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


class OutboxMessage(BaseModel):
    """`message_id` is the idempotency key: the SQS FIFO deduplication id and the id the WMS sees.
    It is the event's stable id (the note id for a note, `<note id>:voided` for its voiding)."""

    message_id: str
    order_id: str
    kind: str  # the event's detail type
    event: dict[str, Any]  # the domain event, as JSON
    created_at: str
    wms_sent_at: str | None = None  # the WMS queue accepted it
    first_attempt_at: str | None = None  # the first send that may have reached the queue
    # The sort key of the item holding the message when it is not its own `OUTBOX#<id>`: the
    # outbound note it announces (decision 185, shared/outbox/note_messages.py).
    record: str | None = None

    @classmethod
    def of(cls, event: DomainEvent, created_at: str) -> OutboxMessage:
        if event.detail_type not in KINDS:
            raise ValueError(f"{event.detail_type} is not a message for the warehouse")
        return cls(message_id=event.event_id, order_id=event.order_id, kind=event.detail_type, event=event.model_dump(mode="json"), created_at=created_at)

    def domain_event(self) -> DomainEvent:
        return KINDS[self.kind].model_validate(self.event)

    def envelope(self) -> dict[str, Any]:
        """The body the WMS connector reads: the shape EventBridge delivers, so a connector that
        read the rule's deliveries reads these unchanged."""
        return {
            "version": "0",
            "id": self.message_id,
            "detail-type": self.kind,
            "source": SOURCE,
            "time": self.event.get("occurred_at", self.created_at),
            "detail": self.event,
        }
