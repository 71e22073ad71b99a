"""Send one customer notice at most once, record it, and note it on the order's timeline (the
record carries the note: decision 118).

Events arrive at least once (EventBridge, SQS): the sent-notices record is claimed with a
conditional put before the text leaves, so a repeat finds the claim and sends nothing. A claim
found unfinished (the sender died between the claim and the record of the send) is not sent
again: SNS cannot tell whether it went out, and a customer texted twice is worse than an
operator told that one notice is unconfirmed (the outcome is logged and counted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from shared.aws.order_store import NoteState, OrderStore
from shared.clock import now_iso
from shared.lifecycle import Actor, note_entry
from shared.notices.compose import NoticeRequest, language_for, masked, phone_e164, render
from shared.notices.email import SUBJECTS, masked_email
from shared.notices.records import NoticeRecord, NoticeRecords

SendSms = Callable[[str, str], str]  # (phone in E.164, text) -> message id
SendEmail = Callable[[str, str, str], str]  # (address, subject, text) -> message id
Outcome = Literal["sent", "duplicate", "unconfirmed", "not_sent", "not_applicable"]
_ACTOR = Actor.system("customer-notices")


class NotYetRecorded(Exception):
    """The event ran ahead of oms's own record of it (a parcel's shipment not applied yet):
    the message is retried until it is."""

    retry_later = True  # shared/sqs_batch.py: one INFO line with the reason, not an error with its stack


def send_notice(request: NoticeRequest, orders: OrderStore, send_sms: SendSms, send_email: SendEmail | None = None) -> Outcome:
    """By email (SES) when the buyer gave one and an email sender is wired, else by text (decision 126)."""
    details = orders.details(request.order_id)  # OrderNotFound: the caller dead-letters it
    if request.kind == "cancelled" and _merged_shipment(details.order):
        return "not_applicable"  # unmerged (shared/merging/): each member's own cancellation is told, not this
    if request.kind == "shipped":
        note = next((n for n in details.outbound_notes if n.warehouse_id == request.reference), None)
        if note is None or note.state == NoteState.VOIDED:
            return "not_applicable"  # no such parcel, or voided: nothing left for the customer
        if note.state == NoteState.SENT:
            raise NotYetRecorded(f"order {request.order_id}: the parcel from {request.reference} is not recorded as shipped yet")
        request = request.model_copy(update={"facts": {**request.facts, "carrier": request.facts.get("carrier") or note.carrier or "", "tracking_number": request.facts.get("tracking_number") or note.tracking_number or ""}})
    order = details.order.order
    language = language_for(order)
    email = order.buyer.email if send_email is not None else None
    phone = phone_e164(order.receiver)
    record = NoticeRecord(
        order_id=request.order_id, notice_id=request.notice_id, kind=request.kind, language=language, channel="email" if email else "sms",
        text=render(request, order, language), to=masked_email(email) if email else masked(phone) if phone else None, claimed_at=now_iso(),
    )  # fmt: skip
    records = NoticeRecords(orders)
    found = records.claim(record)
    if found is not None:
        return "unconfirmed" if found.state == "CLAIMED" else "duplicate"
    status = details.order.status
    if email is not None and send_email is not None:
        message_id = send_email(email, SUBJECTS[language].format(external_id=order.external_id), record.text)
        at = now_iso()
        note = note_entry(status, _ACTOR, f"customer notified: {request.kind}", notice_id=request.notice_id, channel="email", language=language, to=record.to)
        records.finish(record, "SENT", at, message_id=message_id, note=note.model_copy(update={"at": at}), note_from_record=("text",))
        return "sent"
    if phone is None:
        at = now_iso()
        note = note_entry(status, _ACTOR, f"customer notice '{request.kind}' not sent: no reachable phone", notice_id=request.notice_id)
        records.finish(record, "NOT_SENT", at, why_not_sent="the receiver has no phone a text can reach", note=note.model_copy(update={"at": at}))
        return "not_sent"
    message_id = send_sms(phone, record.text)
    at = now_iso()
    # The order's timeline note is the record itself (decision 118): written with the send's
    # record, read into the timeline by OrderStore.details in time order; its text is the record's.
    note = note_entry(status, _ACTOR, f"customer notified: {request.kind}", notice_id=request.notice_id, channel="sms", language=language, to=record.to)
    records.finish(record, "SENT", at, message_id=message_id, note=note.model_copy(update={"at": at}), note_from_record=("text",))
    return "sent"


def _merged_shipment(stored) -> bool:
    """A merged shipment order (合单) carries its merge id and an external id ending in it."""
    return bool(stored.merge_id) and stored.status != "MERGED" and stored.order.external_id.endswith("#" + stored.merge_id[-6:])
