"""Outbox items on the orders table, beside their order (docs/data-model.md):

  pk = ORDER#<order_id>  sk = OUTBOX#<message_id>   one message for the WMS and its publication state
  GSI by_outbox: outbox_key = PENDING#<shard>, created_at    sparse: unpublished items only (the
                 publisher's scan, gathered over the shards; one key took every order's 2-4 writes)

An item is put in the transaction of the status change that decided it, so it exists exactly when
that change won; publication only updates it (conditioned on it existing). Since decision 185 an
outbound note released with its order carries its own message (`NOTE#<warehouse>` with
`outbox_key`, `outbox_state`: shared/outbox/note_messages.py); both kinds are read, published and
marked here alike, a message naming its item in `record`."""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError

from shared.aws import order_items, plain_release
from shared.aws.dynamo import TableAdapter, from_item, query_between, query_prefix, raise_if_transient, to_item, to_value
from shared.outbox import note_messages
from shared.outbox.messages import OutboxMessage

PENDING = "PENDING"
PENDING_SHARDS = 16  # at 1,200 orders/s each shard takes ~300 of a partition's 1,000 WCU/s
PUBLISHED = "PUBLISHED"
UNCONFIRMED = "UNCONFIRMED"  # its first send is older than the queue's deduplication window
INDEX = "by_outbox"


def pending_key(message_id: str) -> str:
    return f"{PENDING}#{int(hashlib.sha256(message_id.encode()).hexdigest()[:8], 16) % PENDING_SHARDS}"


def _pending_partitions() -> list[str]:
    # and the unsharded key of messages written before the sharding (decision 91)
    return [PENDING, *(f"{PENDING}#{shard}" for shard in range(PENDING_SHARDS))]


def _key(order_id: str, message_id: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": f"OUTBOX#{message_id}"}


def _record_key(message: OutboxMessage) -> dict[str, str]:
    return {"pk": f"ORDER#{message.order_id}", "sk": message.record} if message.record else _key(message.order_id, message.message_id)


class OutboxStore(TableAdapter):
    TABLE_ENV = "ORDERS_TABLE"

    def put_item(self, message: OutboxMessage) -> dict[str, Any]:
        """The transaction item that records a message to publish (with the decision's write)."""
        item = {**_key(message.order_id, message.message_id), **message.model_dump(mode="json", exclude_none=True), "state": PENDING, "outbox_key": pending_key(message.message_id)}
        # The writer publishes right after its write (the fast path), so a send may happen from the
        # message's creation on: that is its first attempt's bound, written here rather than by a
        # second write before the send (decision 117).
        item.setdefault("first_attempt_at", message.created_at)
        return {"Put": {"TableName": self.table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}

    def carried_by_note(self, created_at: str) -> dict[str, Any]:
        """The attributes of a note released with its message pending on it (decision 185), out of
        `by_outbox`: the release's stream record is its sweep (decision 193)."""
        return note_messages.carried(created_at, PENDING)

    def pending_of(
        self, order_id: str, order: dict[str, Any] | None = None, named: list[str] | None = None, released: plain_release.ReleaseTime | None = None
    ) -> list[OutboxMessage]:
        """The order's unpublished messages, those its notes carry first (a note before its
        voiding or intercept), in one consistent Query of its `NOTE#…` and `OUTBOX#…` items
        (adjacent in sort order); `order`: its content when the caller holds it, else read when a
        note's message needs it. A note released plainly counts only when META names it (decision
        225): `named`, the notes the caller's release named (`released`: that release's time,
        when the caller knows it), else META is read after the notes (a note it does not name then
        was never sent, and is published by its own release if that names it later)."""
        items = query_between(self.db, self.table, f"ORDER#{order_id}", note_messages.NOTE_PREFIX, "OUTBOX$")
        notes = [i for i in items if note_messages.is_carried(i) and i[note_messages.STATE] == PENDING]
        if any(plain_release.RELEASE_VERSION in note for note in notes) and named is None:
            meta = self._meta(order_id)
            named, order = list(meta.get(plain_release.NAMED) or ()), order or meta.get("order") or {}
            released = plain_release.release_time(meta)
        if named is not None:
            notes = [note for note in notes if plain_release.shown(note, {plain_release.NAMED: named})]
        messages = self._note_messages(order_id, notes, order, released)
        return messages + [OutboxMessage.model_validate(i) for i in items if i["sk"].startswith("OUTBOX#") and i.get("state") == PENDING]

    def pending_notes_named(
        self, order_id: str, note_ids: list[str], order: dict[str, Any] | None = None, released: plain_release.ReleaseTime | None = None
    ) -> list[OutboxMessage]:
        """The unpublished messages of the order's notes that `note_ids` (META's
        `outbound_note_ids` at the release) names, in one consistent Query of its `NOTE#…` items;
        `released`: the release's time (the stream record's), bounding a plain note's first send."""
        items = query_between(self.db, self.table, f"ORDER#{order_id}", note_messages.NOTE_PREFIX, note_messages.NOTE_PREFIX[:-1] + "$")
        return self._note_messages(order_id, [i for i in items if i.get("note_id") in note_ids], order, released)

    def _note_messages(
        self, order_id: str, items: list[dict[str, Any]], order: dict[str, Any] | None, released: plain_release.ReleaseTime | None = None
    ) -> list[OutboxMessage]:
        notes = [i for i in items if note_messages.is_carried(i) and i[note_messages.STATE] == PENDING]
        if notes and order is None:
            order = self._order_content(order_id)
        return [note_messages.message_of(note, order, released) for note in notes]

    def _order_content(self, order_id: str) -> dict[str, Any]:
        """The order's content (`order` of the stored order), which a note's message is built with."""
        return self._meta(order_id).get("order") or {}

    def _meta(self, order_id: str) -> dict[str, Any]:
        """The order's META with its content, read consistently ({} for an order not stored)."""
        meta, _ = order_items.read_order(self.db, self.table, order_id)
        return meta or {}

    def all_of(self, order_id: str) -> list[dict[str, Any]]:
        return query_prefix(self.db, self.table, f"ORDER#{order_id}", "OUTBOX#")

    def pending_before(self, before: str, limit: int = 200) -> list[OutboxMessage]:
        """Unpublished messages created before `before`, oldest first (the publisher's sweep)."""
        found: list[dict[str, Any]] = []
        for partition in _pending_partitions():
            try:
                page = self.db.query(
                    TableName=self.table,
                    IndexName=INDEX,
                    KeyConditionExpression="outbox_key = :pending AND created_at < :before",
                    ExpressionAttributeValues={":pending": to_value(partition), ":before": to_value(before)},
                    Limit=limit,
                )
            except ClientError as error:
                raise_if_transient(error)
                raise
            found.extend(from_item(i) for i in page["Items"])
        found.sort(key=lambda item: (item["created_at"], item.get("message_id") or item["note_id"]))
        return self._messages(found[:limit])

    def _messages(self, items: list[dict[str, Any]]) -> list[OutboxMessage]:
        """Index items as messages; a note's with its order's content, read per order."""
        orders: dict[str, dict[str, Any]] = {}
        messages = []
        for item in items:
            if not note_messages.is_carried(item):
                messages.append(OutboxMessage.model_validate(item))
                continue
            order_id = item["order_id"]
            if order_id not in orders:
                orders[order_id] = self._order_content(order_id)
            messages.append(note_messages.message_of(item, orders[order_id]))
        return messages

    def note_attempt(self, message: OutboxMessage, at: str) -> OutboxMessage:
        """Records the first send attempt (kept on later ones); returns the message as stored."""
        answer = self._update(message, "SET first_attempt_at = if_not_exists(first_attempt_at, :at)", {":at": to_value(at)})
        if message.record:  # a note's message: only its first attempt changed
            return message.model_copy(update={"first_attempt_at": from_item(answer).get("first_attempt_at", at) if answer else at})
        return OutboxMessage.model_validate(from_item(answer)) if answer else message

    def mark_wms_sent(self, message: OutboxMessage, at: str) -> None:
        self._update(message, "SET wms_sent_at = if_not_exists(wms_sent_at, :at)", {":at": to_value(at)})

    def mark_published(self, message: OutboxMessage, at: str, wms_sent_at: str | None = None) -> None:
        """Published (it leaves the pending index); with the send's time when this attempt sent it."""
        sent = ", wms_sent_at = if_not_exists(wms_sent_at, :sent)" if wms_sent_at else ""
        values = {":done": to_value(PUBLISHED), ":at": to_value(at), **({":sent": to_value(wms_sent_at)} if wms_sent_at else {})}
        self._update(message, f"SET #state = :done, published_at = :at{sent} REMOVE outbox_key", values, names={"#state": "state"})

    def mark_unconfirmed(self, message: OutboxMessage, at: str) -> None:
        self._update(message, "SET #state = :state, unconfirmed_at = :at REMOVE outbox_key", {":state": to_value(UNCONFIRMED), ":at": to_value(at)}, names={"#state": "state"})

    def _update(self, message: OutboxMessage, expression: str, values: dict[str, Any], names: dict[str, str] | None = None) -> dict[str, Any] | None:
        if names and message.record:  # a note's message keeps its state apart from the parcel's
            names = {**names, "#state": note_messages.STATE}
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item(_record_key(message)),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": values,
            "ReturnValues": "ALL_NEW",
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            return self.db.update_item(**kwargs).get("Attributes")
        except ClientError as error:
            raise_if_transient(error)
            raise
