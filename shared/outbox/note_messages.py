"""An outbound note that carries its own outbox message (decision 185).

Released with its order, a note was two items in the release transaction: the note
(`NOTE#<warehouse>`) and the message announcing it (`OUTBOX#<note id>`), about 0.7 KB each and
billed twice each. The message repeats the note (its id, warehouse, lines, carrier, service, time)
plus three facts of the order (channel, external id, receiver). Now the note item holds the
message's publication state itself:

  outbox_state                   PENDING → PUBLISHED (or UNCONFIRMED); the note's own `state` is
                                 the parcel's (SENT → SHIPPED → DELIVERED, VOIDED)
  first_attempt_at, wms_sent_at, published_at, unconfirmed_at   as on a message item
  message_lines                  the lines as released, kept by an intercept that shrinks the note
                                 (the message announces what was released; the intercept follows it)

and the publisher builds the message from the note and the order's content (read with it). The
message's id, body and event are the same as before, so the WMS and the event consumers see no
difference. Voidings and intercept requests stay `OUTBOX#…` items (shared/outbox/store.py).

Until decision 193 a pending note also had `outbox_key = PENDING#<shard>`, which put it in
`by_outbox` for the sweep (notes stored so are still swept). Now the release's META change on the
orders table's stream stands for it: shared/outbox/release_stream.py publishes what the release's
writer left pending."""

from __future__ import annotations

from typing import Any

from shared.aws.plain_release import ReleaseTime, first_send_bound
from shared.events import OutboundNoteCreated
from shared.orders import ReceiverAddress
from shared.outbox.messages import READING_ERRORS, OutboxMessage, UnreadableRecord

NOTE_PREFIX = "NOTE#"
STATE = "outbox_state"
MESSAGE_LINES = "message_lines"


def announcement(note: Any, channel: str, external_id: str, receiver: ReceiverAddress | None, lines: Any = None) -> OutboundNoteCreated:
    """The event announcing a note (an OutboundNote, or the same fields as attributes)."""
    return OutboundNoteCreated(
        event_id=note.note_id,
        order_id=note.order_id,
        occurred_at=note.created_at,
        note_id=note.note_id,
        warehouse_id=note.warehouse_id,
        channel=channel,
        external_id=external_id,
        lines=note.lines if lines is None else lines,
        receiver=receiver or ReceiverAddress(),
        carrier=note.carrier,
        service=note.service,
    )


def carried(created_at: str, pending: str) -> dict[str, Any]:
    """The attributes a note is released with: pending, its first attempt bound at its creation
    (the writer publishes right away, decision 117). No `outbox_key`: a note is not in
    `by_outbox` since decision 193, the release's stream record stands for it."""
    return {STATE: pending, "first_attempt_at": created_at}


def is_carried(item: dict[str, Any]) -> bool:
    return item["sk"].startswith(NOTE_PREFIX) and STATE in item


def message_of(note: dict[str, Any], order: dict[str, Any], released: ReleaseTime | None = None) -> OutboxMessage:
    """The message a stored note carries, with its order's content (`order` of the stored order);
    `released`: its release's time when known, which bounds the first send of a note written
    plainly (decision 225: `plain_release.first_send_bound`)."""
    from shared.aws.order_store import OutboundNote  # the note's model: read only where a note is

    try:
        parsed = OutboundNote.model_validate(note)
        receiver = ReceiverAddress.model_validate(order["receiver"]) if order.get("receiver") else None
        event = announcement(parsed, str(order["channel"]), str(order["external_id"]), receiver, lines=note.get(MESSAGE_LINES))
        return OutboxMessage.of(event, note["created_at"]).model_copy(
            update={"record": note["sk"], "first_attempt_at": first_send_bound(note, released), "wms_sent_at": note.get("wms_sent_at")}
        )
    except READING_ERRORS as error:
        raise UnreadableRecord(f"note {note.get('sk', '?')} of order {note.get('order_id', '?')}: {type(error).__name__}: {error}") from error
