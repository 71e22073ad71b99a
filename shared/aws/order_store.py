"""The order store on DynamoDB. Key design (docs/data-model.md):

  pk = ORDER#<order_id>  sk = META             the order, its status and version
                         sk = TL#<version>     the timeline entry that produced that version
                         sk = TL#<version>#<h> a timeline note without a status change
                         sk = NOTE#<warehouse> an outbound note
  GSI by_channel_order: channel_key = <channel>#<external_id>   (META items only)
  GSI by_status:        status_key = <status>, updated_at        (META items only: stuck orders)

Every status change is one transaction: the META update conditioned on (version, status) plus the
timeline put, so history and state never disagree and a lost race is a VersionConflict.
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from shared.aws.clients import client, resource_name
from shared.aws.dynamo import (
    TransactionCancelled,
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


class OutboundNote(BaseModel):
    note_id: str
    order_id: str
    warehouse_id: str
    lines: list[PlannedLine]
    created_at: str
    state: str = "SENT"


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
            "channel_key": f"{order.channel.value}#{order.external_id}",
            "status_key": stored.status.value,
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
        return current.model_copy(
            update={
                "status": to_status,
                "version": current.version + 1,
                "updated_at": entry.at,
                **{k: v for k, v in (set_fields or {}).items() if k in StoredOrder.model_fields},
            }
        )

    def add_note(self, current: StoredOrder, entry: TimelineEntry) -> None:
        """A timeline entry without a status change (a shortage seen, an amendment received)."""
        entry = entry.model_copy(update={"kind": "note"})
        put = self._timeline_put(current.order_id, current.version, entry, note=True)["Put"]
        put.pop("ConditionExpression")
        self.db.put_item(**put)

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
