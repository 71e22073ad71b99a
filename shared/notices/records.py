"""The sent-notices record (AWS adapter): one item per (order, notice) in the orders table,
`pk = ORDER#<order id>`, `sk = CUSTOMER_NOTICE#<kind>[#<reference>]`, beside the order's timeline.

Putting it is the claim: a conditional put, so of two deliveries of one event only one sends.
It then records what was sent (the text, the language, where to, the SNS message id) and is what
tests, operators and the order's page read."""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel

from shared.aws.dynamo import from_item, query_partition, raise_if_transient, to_item, to_value
from shared.aws.order_store import NOTE_ATTRIBUTE, OrderStore, note_attribute
from shared.lifecycle import TimelineEntry

PREFIX = "CUSTOMER_NOTICE#"
State = Literal["CLAIMED", "SENT", "NOT_SENT"]


class NoticeRecord(BaseModel, defer_build=True):
    order_id: str
    notice_id: str  # <kind>[#<reference>]
    kind: str
    language: str
    text: str
    channel: Literal["sms", "email"] = "sms"
    to: str | None = None  # masked
    state: State = "CLAIMED"
    claimed_at: str
    sent_at: str | None = None
    message_id: str | None = None
    why_not_sent: str | None = None


class NoticeRecords:
    def __init__(self, orders: OrderStore):
        self.orders = orders

    def claim(self, record: NoticeRecord) -> NoticeRecord | None:
        """Stores the claim; returns None when this call made it, else the record found."""
        item = {"pk": f"ORDER#{record.order_id}", "sk": PREFIX + record.notice_id, **record.model_dump(mode="json", exclude_none=True)}
        try:
            self.orders.db.put_item(TableName=self.orders.table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")
            return None
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise_if_transient(error)
                raise
        found = self.orders.db.get_item(TableName=self.orders.table, Key=to_item({"pk": item["pk"], "sk": item["sk"]}), ConsistentRead=True)
        return NoticeRecord.model_validate(from_item(found["Item"]))

    def finish(
        self,
        record: NoticeRecord,
        state: State,
        at: str,
        message_id: str | None = None,
        why_not_sent: str | None = None,
        note: TimelineEntry | None = None,
        note_from_record: tuple[str, ...] = (),
    ) -> NoticeRecord:
        """Records the outcome; with `note`, the order's timeline note of it (OrderStore.details
        reads it from here, the details named in `note_from_record` from the record's own
        attributes, so the text is stored once)."""
        fields: dict[str, Any] = {"state": state, "sent_at": at if state == "SENT" else None, "message_id": message_id, "why_not_sent": why_not_sent}
        fields = {k: v for k, v in fields.items() if v is not None}
        if note is not None:
            fields[NOTE_ATTRIBUTE] = note_attribute(note, note_from_record)
        names = {f"#f{i}": k for i, k in enumerate(fields)}
        values = {f":v{i}": to_value(v) for i, v in enumerate(fields.values())}
        self.orders.db.update_item(
            TableName=self.orders.table,
            Key=to_item({"pk": f"ORDER#{record.order_id}", "sk": PREFIX + record.notice_id}),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
            ConditionExpression="#state = :claimed",
            ExpressionAttributeNames={**names, "#state": "state"},
            ExpressionAttributeValues={**values, ":claimed": to_value("CLAIMED")},
        )
        return record.model_copy(update={k: v for k, v in fields.items() if k in NoticeRecord.model_fields})

    def of_order(self, order_id: str) -> list[NoticeRecord]:
        items = query_partition(self.orders.db, self.orders.table, f"ORDER#{order_id}", consistent=True)
        return [NoticeRecord.model_validate(i) for i in items if i["sk"].startswith(PREFIX)]
