"""The outbox publisher: puts each pending message on the WMS queue once, then announces it.

Called right after the write that created the messages (the fast path: the note reaches the
warehouse in milliseconds), for a release's notes from the release's record on the orders table's
stream (decision 193: shared/outbox/release_stream.py), and every minute by the scheduled
publisher for the other messages a crash left pending. Both run the same steps, each idempotent, so any number of them may race:

1. know the first attempt's time: written with the message (its creation: the writer publishes
   right away), noted here only for a message stored without it (before decision 117);
2. send to the WMS FIFO queue with MessageDeduplicationId = the message id: SQS drops a second
   message with that id for five minutes, so a publisher that crashed between the send and step 3
   re-sends harmlessly. Past that window a re-send could duplicate, so a message whose first
   attempt is older than SAFE_RESEND_SECONDS and not known sent is parked UNCONFIRMED for an
   operator (runbook) instead of being sent again;
3. publish the domain event on the bus (consumers drop repeats by event id);
4. mark it published with the send's time (it leaves the pending index): one write for both on
   the happy path; when the announcement fails, the send is noted alone first, so the next
   attempt only announces it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from shared.aws.plain_release import ReleaseTime
from shared.clock import iso, utc_now
from shared.events import DomainEvent
from shared.outbox.messages import OutboxMessage
from shared.outbox.store import OutboxStore

DEDUPLICATION_WINDOW_SECONDS = 300  # SQS FIFO
SAFE_RESEND_SECONDS = 270  # a margin inside the window for clock skew between publishers

SendToWms = Callable[[OutboxMessage], None]
PublishEvents = Callable[[Sequence[DomainEvent]], None]


class PublishReport(BaseModel):
    published: list[str] = []
    unconfirmed: list[str] = []
    set_aside: list[str] = []  # the release stream's poison records (sequence numbers), sent to its failure queue

    def log_recovery(self, what_published: str) -> None:
        """The recovery paths' metrics and log (the sweep, the release stream): the unconfirmed
        count is alarmed, and an operator must check the WMS for those ids (runbook)."""
        from shared.observability import logger, metrics  # the handlers' own, loaded already

        metrics.add_metric(name="OutboxMessagesRecovered", unit="Count", value=len(self.published))
        metrics.add_metric(name="OutboxMessagesUnconfirmed", unit="Count", value=len(self.unconfirmed))
        if self.unconfirmed:
            logger.error("outbox messages unconfirmed", extra=self.model_dump())
        elif self.published:
            logger.warning(what_published, extra=self.model_dump())


class OutboxPublisher:
    def __init__(self, outbox: OutboxStore, send_to_wms: SendToWms, publish_events: PublishEvents):
        self.outbox, self.send_to_wms, self.publish_events = outbox, send_to_wms, publish_events

    def publish_order(
        self, order_id: str, order: dict[str, Any] | None = None, named: list[str] | None = None, released: ReleaseTime | None = None
    ) -> PublishReport:
        """Publishes the order's pending messages (after the write that created them); `order`:
        its content when the caller holds it (a note's message is built with it); `named`: the
        notes its release named, when the caller knows them (else META is read if needed), and
        `released` its time (decision 225: a plain note's first send is bounded by it too)."""
        return self.publish(self.outbox.pending_of(order_id, order, named, released))

    def publish_stale(self, older_than_seconds: float, limit: int = 200) -> PublishReport:
        """Publishes messages pending longer than `older_than_seconds` (the scheduled sweep). A
        voiding or an intercept request goes out with its order's pending messages, notes first:
        a note released since decision 193 is not in the index, and must not follow its voiding."""
        stale = self.outbox.pending_before(iso(utc_now() - timedelta(seconds=older_than_seconds)), limit)
        whole = {m.order_id for m in stale if m.record is None}  # orders with an OUTBOX# message
        report = self.publish([m for m in stale if m.order_id not in whole])
        for order_id in dict.fromkeys(m.order_id for m in stale if m.order_id in whole):
            done = self.publish_order(order_id)
            report.published += done.published
            report.unconfirmed += done.unconfirmed
        return report

    def publish(self, messages: Sequence[OutboxMessage]) -> PublishReport:
        report = PublishReport()
        for message in messages:
            if self._publish_one(message):
                report.published.append(message.message_id)
            else:
                report.unconfirmed.append(message.message_id)
        return report

    def _publish_one(self, message: OutboxMessage) -> bool:
        now = utc_now()
        sent_at = None
        if message.wms_sent_at is None and message.first_attempt_at is None:
            # a message stored before decision 117, without its first attempt's bound
            message = self.outbox.note_attempt(message, iso(now))
        if message.wms_sent_at is None:
            first = message.first_attempt_at or iso(now)
            if first < iso(now - timedelta(seconds=SAFE_RESEND_SECONDS)):
                self.outbox.mark_unconfirmed(message, iso(now))
                return False
            self.send_to_wms(message)
            sent_at = iso(utc_now())
            try:
                self.publish_events([message.domain_event()])
            except Exception:
                self.outbox.mark_wms_sent(message, sent_at)  # the next attempt only announces it
                raise
        else:
            self.publish_events([message.domain_event()])
        # Steps 3 and 5 in one write on the happy path (decision 91): a publisher that dies between
        # the send and this write leaves it PENDING, and the next one re-sends inside the window.
        self.outbox.mark_published(message, iso(utc_now()), wms_sent_at=sent_at)
        return True
