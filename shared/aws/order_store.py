"""The order store on DynamoDB. Key design (docs/data-model.md):

  pk = ORDER#<order_id>  sk = META             the order, its status and version
                         sk = TL#<version>     the timeline entry that produced that version
                         sk = TL#<version>#<h> a timeline note without a status change
                         sk = NOTE#<warehouse> an outbound note
  GSI by_channel:  channel_key = <channel>,   created_at   (META items only)
  GSI by_status:   status_key = <status>,     updated_at   (META items only: queues, stuck orders)
  GSI by_customer: customer_key = <buyer_id>, created_at   (META items only)
A channel order's id is computed from channel + external id (shared/ids.py): no index needed.
  GSI by_buyer / by_address / by_day: review's recent-order lookups (shared/recent_orders.py)

Every status change is one transaction: the META update conditioned on (version, status) plus the
timeline put, so history and state never disagree and a lost race is a VersionConflict.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from shared.aws.clients import client, resource_name
from shared.aws.dynamo import (
    TransactionCancelled,
    batch_get,
    from_item,
    query_partition,
    raise_if_transient,
    to_item,
    to_value,
    transact_write,
)
from shared.clock import now_iso
from shared.errors import OrderNotFound, VersionConflict
from shared.lifecycle import OrderStatus, TimelineEntry, check_transition
from shared.orders import OrderIn
from shared.recent_orders import DAY_SHARDS, day_key, index_attributes
from shared.routing import PlannedLine, RoutingPlan

TABLE_ENV = "ORDERS_TABLE"


class StoredOrder(BaseModel):
    order_id: str
    status: OrderStatus
    version: int
    created_at: str
    updated_at: str
    fingerprint: str
    order: OrderIn
    plan: RoutingPlan | None = None
    reservation_id: str | None = None
    escalated_at: str | None = None  # a held order nobody decided on in time


class NoteState(StrEnum):
    SENT = "SENT"  # with the warehouse
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    VOIDED = "VOIDED"  # the order was cancelled before the parcel left


class OutboundNote(BaseModel):
    note_id: str
    order_id: str
    warehouse_id: str
    lines: list[PlannedLine]
    created_at: str
    state: NoteState = NoteState.SENT
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: str | None = None
    delivered_at: str | None = None


class OrderQuery(BaseModel):
    status: str | None = None
    channel: str | None = None
    customer: str | None = None
    created_from: str | None = None  # ISO-8601, inclusive
    created_to: str | None = None
    limit: int = Field(default=50, ge=1, le=200)
    next_token: str | None = None


class OrderDetails(BaseModel):
    """Everything operations see about one order, read in one query."""

    order: StoredOrder
    timeline: list[TimelineEntry]
    outbound_notes: list[OutboundNote]


def _pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def _timeline_sk(version: int, entry: TimelineEntry | None = None) -> str:
    if entry is None:
        return f"TL#{version:06d}"
    # A note's key comes from its content: a retried step rewrites the same note, not a second one.
    digest = hashlib.sha256(entry.model_dump_json(exclude={"at"}).encode()).hexdigest()[:10]
    return f"TL#{version:06d}#{digest}"


class OrderStore:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self.table = table_name or resource_name(TABLE_ENV)
        self._client = dynamodb

    @property
    def db(self) -> Any:
        return self._client or client("dynamodb")

    # -- reads -------------------------------------------------------------------------------

    def load(self, order_id: str) -> StoredOrder:
        try:
            response = self.db.get_item(
                TableName=self.table, Key=to_item({"pk": _pk(order_id), "sk": "META"}), ConsistentRead=True
            )
        except ClientError as error:
            raise_if_transient(error)
            raise
        if "Item" not in response:
            raise OrderNotFound(order_id)
        return StoredOrder.model_validate(from_item(response["Item"]))

    def details(self, order_id: str) -> OrderDetails:
        items = query_partition(self.db, self.table, _pk(order_id), consistent=True)
        meta = next((i for i in items if i["sk"] == "META"), None)
        if meta is None:
            raise OrderNotFound(order_id)
        return OrderDetails(
            order=StoredOrder.model_validate(meta),
            timeline=[TimelineEntry.model_validate(i["entry"]) for i in items if i["sk"].startswith("TL#")],
            outbound_notes=[OutboundNote.model_validate(i) for i in items if i["sk"].startswith("NOTE#")],
        )

    # -- writes ------------------------------------------------------------------------------

    def create(self, order: OrderIn, entry: TimelineEntry) -> tuple[StoredOrder, bool]:
        """Stores a new order once. Returns (the stored order, whether this call created it)."""
        now = now_iso()
        stored = StoredOrder(
            order_id=order.order_id,
            status=OrderStatus.RECEIVED,
            version=1,
            created_at=now,
            updated_at=now,
            fingerprint=order.content_fingerprint(),
            order=order,
        )
        meta = {
            "pk": _pk(stored.order_id),
            "sk": "META",
            **stored.model_dump(mode="json", exclude_none=True),
            "channel_key": order.channel.value,
            "customer_key": order.buyer.buyer_id,
            "status_key": stored.status.value,
            **index_attributes(stored.order_id, order, now),  # review's recent-order indexes
        }
        try:
            transact_write(
                self.db,
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item(meta),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    self._timeline_put(stored.order_id, 1, entry, note=False),
                ],
            )
        except TransactionCancelled:
            return self.load(stored.order_id), False
        return stored, True

    def transition_items(
        self,
        current: StoredOrder,
        to_status: OrderStatus,
        entry: TimelineEntry,
        set_fields: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The two transaction items of a status change, for callers that add their own items."""
        check_transition(current.order_id, current.status, to_status)
        next_version = current.version + 1
        fields = {"status": to_status.value, "status_key": to_status.value, "updated_at": entry.at, **(set_fields or {})}
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":v{i}": to_value(value) for i, value in enumerate(fields.values())}
        assignments = ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
        update = {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(current.order_id), "sk": "META"}),
                "UpdateExpression": f"SET {assignments}, #version = :next",
                "ConditionExpression": "#version = :expected AND #status = :from",
                "ExpressionAttributeNames": {**names, "#version": "version", "#status": "status"},
                "ExpressionAttributeValues": {
                    **values,
                    ":next": to_value(next_version),
                    ":expected": to_value(current.version),
                    ":from": to_value(current.status.value),
                },
            }
        }
        return [update, self._timeline_put(current.order_id, next_version, entry, note=False)]

    def transition(
        self,
        current: StoredOrder,
        to_status: OrderStatus,
        entry: TimelineEntry,
        set_fields: dict[str, Any] | None = None,
        extra_items: list[dict[str, Any]] | None = None,
    ) -> StoredOrder:
        """Applies one status change; raises IllegalTransition or VersionConflict."""
        items = self.transition_items(current, to_status, entry, set_fields) + list(extra_items or [])
        try:
            transact_write(self.db, items)
        except TransactionCancelled as cancelled:
            if cancelled.failed(0) or cancelled.failed(1):
                raise VersionConflict(current.order_id, current.version) from cancelled
            raise
        return StoredOrder.model_validate(
            {
                **current.model_dump(mode="json"),
                **{k: v for k, v in (set_fields or {}).items() if k in StoredOrder.model_fields},
                "status": to_status,
                "version": current.version + 1,
                "updated_at": entry.at,
            }
        )

    def write_conditioned(self, current: StoredOrder, items: list[dict[str, Any]]) -> None:
        """Writes items that change no status; a failed condition means the order moved on."""
        try:
            transact_write(self.db, items)
        except TransactionCancelled as cancelled:
            raise VersionConflict(current.order_id, current.version) from cancelled

    def add_note(self, current: StoredOrder, entry: TimelineEntry) -> None:
        """A timeline entry without a status change (a shortage seen, an amendment received)."""
        entry = entry.model_copy(update={"kind": "note"})
        put = self._timeline_put(current.order_id, current.version, entry, note=True)["Put"]
        put.pop("ConditionExpression")
        self.db.put_item(**put)

    def list_orders(self, query: OrderQuery) -> tuple[list[StoredOrder], str | None]:
        """One page of orders, newest first, through the index that fits the most selective filter."""
        if query.customer:
            index, key, value, sort = "by_customer", "customer_key", query.customer, "created_at"
        elif query.channel:
            index, key, value, sort = "by_channel", "channel_key", query.channel, "created_at"
        elif query.status:
            index, key, value, sort = "by_status", "status_key", query.status, "updated_at"
        else:
            return self.newest(query)
        names, values = {"#k": key}, {":k": to_value(value)}
        condition = "#k = :k"
        filters = []
        if sort == "created_at" and (query.created_from or query.created_to):
            names["#sort"] = sort
            values[":from"], values[":to"] = to_value(query.created_from or ""), to_value(query.created_to or "~")
            condition += " AND #sort BETWEEN :from AND :to"
        elif query.created_from or query.created_to:
            names["#created"] = "created_at"
            values[":from"], values[":to"] = to_value(query.created_from or ""), to_value(query.created_to or "~")
            filters.append("#created BETWEEN :from AND :to")
        for attribute, wanted in (("status_key", query.status), ("channel_key", query.channel)):
            if wanted and attribute != key:
                names[f"#{attribute}"] = attribute
                values[f":{attribute}"] = to_value(wanted)
                filters.append(f"#{attribute} = :{attribute}")
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": query.limit,
        }
        if filters:
            kwargs["FilterExpression"] = " AND ".join(filters)
        if query.next_token:
            kwargs["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(query.next_token.encode()))
        page = self.db.query(**kwargs)
        token = base64.urlsafe_b64encode(json.dumps(page["LastEvaluatedKey"]).encode()).decode() if "LastEvaluatedKey" in page else None
        return [StoredOrder.model_validate(from_item(i)) for i in page["Items"]], token

    def newest(self, query: OrderQuery, max_days: int = 7) -> tuple[list[StoredOrder], str | None]:
        """The newest stored orders (no filter but dates), through the by_day index: each day's
        shards newest first, merged, walking back a day at a time, at most `max_days` per page.
        The token says where the next page starts: before an order's stored time, on a day."""
        cursor = json.loads(base64.urlsafe_b64decode(query.next_token.encode())) if query.next_token else {}
        before = cursor.get("before") or query.created_to or "~"
        day = datetime.fromisoformat(cursor.get("day") or min(now_iso()[:10], before[:10] if before != "~" else "9999"))
        floor = query.created_from or "0"
        found: list[tuple[str, str]] = []
        for _ in range(max_days):
            name = day.strftime("%Y-%m-%d")
            if name < floor[:10]:
                break
            for shard in range(DAY_SHARDS):
                page = self.db.query(
                    TableName=self.table,
                    IndexName="by_day",
                    KeyConditionExpression="day_key = :d AND created_at BETWEEN :from AND :before",
                    ExpressionAttributeValues={":d": to_value(day_key(name, shard)), ":from": to_value(floor), ":before": to_value(before)},
                    ScanIndexForward=False,
                    Limit=query.limit + 1,
                )
                found += [(i["created_at"]["S"], i["pk"]["S"]) for i in page["Items"] if i["created_at"]["S"] != before]
            if len(found) >= query.limit:
                break
            day -= timedelta(days=1)
        found.sort(reverse=True)
        chosen = found[: query.limit]
        items = {i["order_id"]: i for i in batch_get(self.db, self.table, [{"pk": pk, "sk": "META"} for _, pk in chosen])} if chosen else {}
        orders = [StoredOrder.model_validate(items[pk.removeprefix("ORDER#")]) for _, pk in chosen if pk.removeprefix("ORDER#") in items]
        if len(chosen) == query.limit:  # the page is full: go on before its last order
            cursor = {"before": chosen[-1][0], "day": chosen[-1][0][:10]}
        elif day.strftime("%Y-%m-%d") >= floor[:10]:  # older days not read yet
            cursor = {"before": before, "day": day.strftime("%Y-%m-%d")}
        else:
            return orders, None
        return orders, base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()

    def waiting_since(self, status: OrderStatus, before: str, limit: int = 100) -> list[StoredOrder]:
        """Orders in `status` whose last change is older than `before` (oldest first): stuck orders."""
        page = self.db.query(
            TableName=self.table,
            IndexName="by_status",
            KeyConditionExpression="status_key = :s AND updated_at < :before",
            ExpressionAttributeValues={":s": to_value(status.value), ":before": to_value(before)},
            Limit=limit,
        )
        return [StoredOrder.model_validate(from_item(i)) for i in page["Items"]]

    def mark_escalated(self, current: StoredOrder, at: str) -> bool:
        """Flags a held order as escalated once; False when it was flagged or moved on meanwhile."""
        try:
            self.db.update_item(
                TableName=self.table,
                Key=to_item({"pk": _pk(current.order_id), "sk": "META"}),
                UpdateExpression="SET escalated_at = :at",
                ConditionExpression="attribute_not_exists(escalated_at) AND #version = :v",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={":at": to_value(at), ":v": to_value(current.version)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def note_update_item(self, note: OutboundNote, expected_state: NoteState) -> dict[str, Any]:
        """The transaction item that moves a note on, only from the state the caller saw."""
        fields = note.model_dump(mode="json", include={"state", "carrier", "tracking_number", "shipped_at", "delivered_at"}, exclude_none=True)
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":v{i}": to_value(value) for i, value in enumerate(fields.values())}
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(note.order_id), "sk": f"NOTE#{note.warehouse_id}"}),
                "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
                "ConditionExpression": "#state = :expected",
                "ExpressionAttributeNames": {**names, "#state": "state"},
                "ExpressionAttributeValues": {**values, ":expected": to_value(expected_state.value)},
            }
        }

    def outbound_note_put(self, note: OutboundNote) -> dict[str, Any]:
        item = {"pk": _pk(note.order_id), "sk": f"NOTE#{note.warehouse_id}", **note.model_dump(mode="json")}
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _timeline_put(self, order_id: str, version: int, entry: TimelineEntry, *, note: bool) -> dict[str, Any]:
        sk = _timeline_sk(version, entry if note else None)
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item({"pk": _pk(order_id), "sk": sk, "entry": entry.model_dump(mode="json")}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def amend(self, current: StoredOrder, order: OrderIn, entry: TimelineEntry) -> StoredOrder:
        """Replaces the order's content with a channel's correction: a new version without a status
        change, plus its timeline note, in one transaction conditioned on (version, status). A
        workflow step that read the old content then loses its race and reads the new one.
        Raises VersionConflict."""
        next_version = current.version + 1
        fingerprint = order.content_fingerprint()
        update = {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(current.order_id), "sk": "META"}),
                "UpdateExpression": "SET #order = :order, #fingerprint = :fingerprint, #version = :next",
                "ConditionExpression": "#version = :expected AND #status = :status",
                "ExpressionAttributeNames": {"#order": "order", "#fingerprint": "fingerprint", "#version": "version", "#status": "status"},
                "ExpressionAttributeValues": {
                    ":order": to_value(order.model_dump(mode="json", exclude_none=True)),
                    ":fingerprint": to_value(fingerprint),
                    ":next": to_value(next_version),
                    ":expected": to_value(current.version),
                    ":status": to_value(current.status.value),
                },
            }
        }
        note = self._timeline_put(current.order_id, next_version, entry.model_copy(update={"kind": "note"}), note=True)
        try:
            transact_write(self.db, [update, note])
        except TransactionCancelled as cancelled:
            raise VersionConflict(current.order_id, current.version) from cancelled
        return current.model_copy(update={"order": order, "fingerprint": fingerprint, "version": next_version})
