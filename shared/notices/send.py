"""Send one customer notice at most once, record it, and note it on the order's timeline.

Events arrive at least once (EventBridge, SQS): the sent-notices record is claimed with a
conditional put before the text leaves, so a repeat finds the claim and sends nothing. A claim
found unfinished (the sender died between the claim and the record of the send) is not sent
again: SNS cannot tell whether it went out, and a customer texted twice is worse than an
operator told that one notice is unconfirmed (the outcome is logged and counted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from shared.aws.dynamo import to_item, to_value
from shared.aws.order_store import NoteState, OrderStore
from shared.clock import now_iso
from shared.lifecycle import Actor, note_entry
from shared.notices.compose import NoticeRequest, language_for, masked, phone_e164, render
from shared.notices.email import SUBJECTS, masked_email
from shared.notices.records import NoticeRecord, NoticeRecords
from shared.usecases.retry import on_version_conflict

SendSms = Callable[[str, str], str]  # (phone in E.164, text) -> message id
SendEmail = Callable[[str, str, str], str]  # (address, subject, text) -> message id
Outcome = Literal["sent", "duplicate", "unconfirmed", "not_sent", "not_applicable"]
_ACTOR = Actor.system("customer-notices")


class NotYetRecorded(Exception):
    """The event ran ahead of oms's own record of it (a parcel's shipment not applied yet):
    the message is retried until it is."""

    retry_later = True  # shared/sqs_batch.py: one warning line, not an error with its stack


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
    if email is not None and send_email is not None:
        message_id = send_email(email, SUBJECTS[language].format(external_id=order.external_id), record.text)
        records.finish(record, "SENT", now_iso(), message_id=message_id)
        _note(orders, request.order_id, f"customer notified: {request.kind}", notice_id=request.notice_id, channel="email", language=language, to=record.to, text=record.text)
        return "sent"
    if phone is None:
        records.finish(record, "NOT_SENT", now_iso(), why_not_sent="the receiver has no phone a text can reach")
        _note(orders, request.order_id, f"customer notice '{request.kind}' not sent: no reachable phone", notice_id=request.notice_id)
        return "not_sent"
    message_id = send_sms(phone, record.text)
    records.finish(record, "SENT", now_iso(), message_id=message_id)
    _note(orders, request.order_id, f"customer notified: {request.kind}", notice_id=request.notice_id, channel="sms", language=language, to=record.to, text=record.text)
    return "sent"


def _note(orders: OrderStore, order_id: str, cause: str, **details: str | None) -> None:
    """The timeline note under the order's version as it is when written (a condition on it), so
    the timeline, kept in version order, stays in time order while the workflow moves on."""

    def write() -> None:
        current = orders.load(order_id)
        entry = note_entry(current.status, _ACTOR, cause, **details)
        put = orders._timeline_put(order_id, current.version, entry.model_copy(update={"kind": "note"}), note=True)
        put["Put"].pop("ConditionExpression")
        check = {"ConditionCheck": {"TableName": orders.table, "Key": to_item({"pk": f"ORDER#{order_id}", "sk": "META"}), "ConditionExpression": "#v = :v", "ExpressionAttributeNames": {"#v": "version"}, "ExpressionAttributeValues": {":v": to_value(current.version)}}}
        orders.write_conditioned(current, [check, put])

    on_version_conflict(write, attempts=5)


def _merged_shipment(stored) -> bool:
    """A merged shipment order (合单) carries its merge id and an external id ending in it."""
    return bool(stored.merge_id) and stored.status != "MERGED" and stored.order.external_id.endswith("#" + stored.merge_id[-6:])
