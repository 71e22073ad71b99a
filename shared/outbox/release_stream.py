"""A release's outbound notes published from the orders table's change stream (decision 193).

The release writes its notes and META's change to RELEASED in one transaction, then publishes the
notes itself (the fast path). A note it left pending (a crash, an SQS or EventBridge failure) used
to wait in the `by_outbox` index for the scheduled sweep; that index entry cost a write when the
note was put and another when it was published. Now the stream stands for it: META's change to
RELEASED is a stream record (NEW_AND_OLD_IMAGES) that names the release's notes
(`outbound_note_ids`), and this consumer publishes whatever of them is still pending, with the
outbox's own steps (shared/outbox/publish.py):

- only the notes the committed META names: a note no META names (a write that lost, or never
  committed) is never sent;
- once: a note already published (by the fast path, or by an earlier delivery of the same record)
  is skipped; a delivery racing another re-sends under the note id as MessageDeduplicationId
  (the WMS FIFO queue drops it) and re-announces under the note id as event id (consumers drop it);
- never past the queue's deduplication window: a note whose first attempt's bound (its creation,
  before the commit and so before the record; for a note written plainly, the record's creation
  when later, since nothing sends a note before META names it: decision 225) is older than
  SAFE_RESEND_SECONDS and not known sent is parked UNCONFIRMED for an operator, whatever the
  record's age or how often it was retried;
- after the fast path: a note still pending less than FAST_PATH_GRACE_SECONDS after its release
  (the record's creation, or the note's when later) is most likely being published by its writer
  right now (the stream delivers in well under a second), so the consumer waits out that grace
  and reads the note again before sending: a race would cost a second send (dropped by the
  queue), announcement and publication write;
- in order per shard: a record that fails is reported (ReportBatchItemFailures) and the stream
  retries from it, the records after it wait; an order's cancel (a later META record) is never
  handled before its release;
- a poison record does not hold its shard: a record that can never succeed (it, or a note it
  names, cannot be read: UnreadableRecord, raised where they are parsed, so a response AWS cut
  short or a client's failure is never taken for one) is set aside to the failure queue with its
  order, notes and reason, for a person, and the records after it go on.
  Retried, it would fail for the mapping's whole maximum age, and every release behind it on the
  shard would wait past the deduplication window and be parked UNCONFIRMED.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, NamedTuple

from shared.aws.dynamo import from_item
from shared.aws.plain_release import ReleaseTime
from shared.clock import iso, utc_now
from shared.outbox.messages import READING_ERRORS, OutboxMessage, UnreadableRecord
from shared.outbox.publish import OutboxPublisher, PublishReport

FAST_PATH_GRACE_SECONDS = 10.0  # the release's own publish, right after its transaction: ~0.1 s, seconds when throttled

RELEASED = "RELEASED"
ORDER_KEY_PREFIX = "ORDER#"
META = "META"


class Release(NamedTuple):
    order_id: str
    note_ids: list[str]
    released: ReleaseTime | None = None  # the version the record's META has, and when it committed


def _release_time(data: dict[str, Any], new: dict[str, Any]) -> ReleaseTime | None:
    """The release's version and time: the record's creation (the commit, rounded down to the
    second), else the new META's `updated_at` (its writer's time, before the commit)."""
    if new.get("version") is None:
        return None
    created = data.get("ApproximateCreationDateTime")
    at = iso(datetime.fromtimestamp(float(created), timezone.utc)) if created is not None else new.get("updated_at")
    return ReleaseTime(int(new["version"]), str(at)) if at else None


def release_of(record: dict[str, Any]) -> Release | None:
    """The release a stream record commits: an order's META changing to RELEASED (the event
    source's filter passes only these; a record it should not have passed is no release).
    UnreadableRecord when the record is not shaped as DynamoDB Streams delivers one."""
    try:
        return _release_of(record)
    except READING_ERRORS as error:
        raise UnreadableRecord(f"stream record: {type(error).__name__}: {error}") from error


def _release_of(record: dict[str, Any]) -> Release | None:
    data = record.get("dynamodb") or {}
    keys = data.get("Keys") or {}
    if record.get("eventName") == "REMOVE" or keys.get("sk", {}).get("S") != META:
        return None
    if not keys.get("pk", {}).get("S", "").startswith(ORDER_KEY_PREFIX):
        return None
    new = from_item(data.get("NewImage") or {})
    old = from_item(data.get("OldImage") or {})
    if new.get("status") != RELEASED or old.get("status") == RELEASED:
        return None
    return Release(keys["pk"]["S"].removeprefix(ORDER_KEY_PREFIX), list(new.get("outbound_note_ids") or []), _release_time(data, new))


class SetAside(NamedTuple):
    """A poison release record: what the failure queue's message names."""

    sequence_number: str
    order_id: str | None
    note_ids: list[str]
    reason: str


class ReleaseFailed(Exception):
    """Publishing a record's release failed: the stream retries from `sequence_number`."""

    def __init__(self, sequence_number: str, cause: Exception, report: PublishReport):
        super().__init__(f"release at {sequence_number}: {cause}")
        self.sequence_number, self.cause, self.report = sequence_number, cause, report


def publish_releases(
    records: list[dict[str, Any]],
    publisher: OutboxPublisher,
    set_aside: Callable[[SetAside], None],
    sleep: Callable[[float], None] = time.sleep,
) -> PublishReport:
    """Publishes the pending notes of each release among `records`, in order. A poison record is
    handed to `set_aside` (the failure queue) and passed over. Raises ReleaseFailed at the first
    record that fails otherwise (or whose setting aside fails), with what the records before it
    published."""
    report = PublishReport()
    for record in records:
        sequence_number = record["dynamodb"]["SequenceNumber"]
        release = None
        try:
            release = release_of(record)
            if release is None or not release.note_ids:
                continue
            done = publisher.publish(_pending_after_the_fast_path(release, publisher, sleep))
        except UnreadableRecord as error:  # raised only where a record is parsed, never by a client
            reason = str(error)
            try:
                set_aside(SetAside(sequence_number, release.order_id if release else None, release.note_ids if release else [], reason))
            except Exception as failed:
                raise ReleaseFailed(sequence_number, failed, report) from failed
            report.set_aside.append(sequence_number)
            continue
        except Exception as error:
            raise ReleaseFailed(sequence_number, error, report) from error
        report.published += done.published
        report.unconfirmed += done.unconfirmed
    return report


def _pending_after_the_fast_path(release: Release, publisher: OutboxPublisher, sleep: Callable[[float], None]) -> list[OutboxMessage]:
    """The release's notes still pending once its writer had FAST_PATH_GRACE_SECONDS to publish
    them, counted from the release (its record's creation) or a note's creation when later: a note
    put by an attempt that crashed, named by a later one, is older than the release that publishes
    it (decision 225)."""
    pending = publisher.outbox.pending_notes_named(release.order_id, release.note_ids, released=release.released)
    starts = [_moment(m.created_at) for m in pending] + ([_moment(release.released.at)] if pending and release.released else [])
    wait = max(((at - utc_now()).total_seconds() + FAST_PATH_GRACE_SECONDS for at in starts), default=0.0)
    if wait <= 0:
        return pending
    sleep(wait)
    return publisher.outbox.pending_notes_named(release.order_id, release.note_ids, released=release.released)


def _moment(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))
