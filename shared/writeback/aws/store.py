"""The channel sync table (docs/data-model.md): write-back records, the channels' listings of
each SKU, the stock-change marks that coalesce pushes, and the last quantity pushed.

  pk = WB#<writeback id>       sk = RECORD           one package's write-back; failed_key = FAILED
                                                     while it waits for a person (index by_failed)
  pk = LISTING#<sku>           sk = <channel>#<shop> the platform's ids of the item the SKU is sold as
  pk = CHANGED#<0..31>         sk = <sku>            the SKU's stock changed since its last push
  pk = PUSHED#<sku>            sk = <channel>#<shop> the quantity last pushed there
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError

from shared.aws.dynamo import TableAdapter, batch_get, from_item, query_index, query_partition, to_item, to_value
from shared.clock import now_iso
from shared.writeback.domain import WriteBackRecord, WriteBackState

TABLE_ENV = "CHANNEL_SYNC_TABLE"
FAILED = "FAILED"
# Stock-change marks spread over this many partitions (every reservation may mark; decision 141).
# Raised from 8: a mark left under the old shard is read (0..7 are still read) and cleared where it is.
CHANGE_SHARDS = 32
LEASE_SECONDS = 60  # one delivery works a write-back at a time; a crashed one's lease runs out


def _record_key(writeback_id: str) -> dict[str, Any]:
    return to_item({"pk": f"WB#{writeback_id}", "sk": "RECORD"})


def change_shard(sku: str) -> int:
    return int(hashlib.sha256(sku.encode()).hexdigest(), 16) % CHANGE_SHARDS


class ChannelSyncStore(TableAdapter):
    TABLE_ENV = TABLE_ENV

    # -- write-backs ---------------------------------------------------------------------------

    def create(self, record: WriteBackRecord) -> tuple[WriteBackRecord, bool]:
        item = {"pk": f"WB#{record.writeback_id}", "sk": "RECORD", **record.model_dump(mode="json", exclude_none=True)}
        try:
            self.db.put_item(TableName=self.table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return self.get(record.writeback_id), False
        return record, True

    def get(self, writeback_id: str) -> WriteBackRecord:
        item = self.db.get_item(TableName=self.table, Key=_record_key(writeback_id), ConsistentRead=True).get("Item")
        if item is None:
            raise KeyError(writeback_id)
        return WriteBackRecord.model_validate(from_item(item))

    def claim(self, writeback_id: str, now_epoch: int) -> bool:
        """Takes the write-back for one delivery: False when it is done, failed, or another
        delivery holds it (its own message comes back if it crashes)."""
        return self._update(
            writeback_id,
            "SET lease_until = :until",
            "#state = :pending AND (attribute_not_exists(lease_until) OR lease_until < :now)",
            {":until": now_epoch + LEASE_SECONDS, ":now": now_epoch, ":pending": WriteBackState.PENDING.value},
        )

    def finish(self, writeback_id: str, state: WriteBackState, attempts: int, *, reference: str | None = None, error: str | None = None) -> None:
        """Records an attempt's outcome and lets the lease go. FAILED puts it in the failed list."""
        sets = ["#state = :state", "attempts = :attempts", "updated_at = :now"]
        values: dict[str, Any] = {":state": state.value, ":attempts": attempts, ":now": now_iso()}
        if reference is not None:
            sets.append("platform_reference = :reference")
            values[":reference"] = reference
        if error is not None:
            sets.append("last_error = :error")
            values[":error"] = error[:1000]
        if state == WriteBackState.FAILED:
            sets.append("failed_key = :failed")
            values[":failed"] = FAILED
        self._update(writeback_id, "SET " + ", ".join(sets) + " REMOVE lease_until" + ("" if state == WriteBackState.FAILED else ", failed_key"), None, values)

    def reopen(self, writeback_id: str) -> bool:
        """A redrive: a FAILED write-back becomes PENDING with a fresh count of attempts."""
        return self._update(
            writeback_id,
            "SET #state = :pending, attempts = :zero, updated_at = :now REMOVE failed_key, lease_until",
            "#state = :failed",
            {":pending": WriteBackState.PENDING.value, ":zero": 0, ":now": now_iso(), ":failed": WriteBackState.FAILED.value},
        )

    def records(self, writeback_ids: list[str]) -> list[WriteBackRecord]:
        """The write-backs with these ids that exist (an order's parcels), in one batch read."""
        items = batch_get(self.db, self.table, [{"pk": f"WB#{w}", "sk": "RECORD"} for w in writeback_ids])
        return sorted((WriteBackRecord.model_validate(i) for i in items), key=lambda r: r.created_at)

    def failed(self, limit: int = 100) -> list[WriteBackRecord]:
        items = query_index(self.db, self.table, "by_failed", "failed_key", FAILED, "updated_at", "0", "9999", newest_first=True, limit=limit)
        return [WriteBackRecord.model_validate(i) for i in items]

    def _update(self, writeback_id: str, expression: str, condition: str | None, values: dict[str, Any]) -> bool:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "Key": _record_key(writeback_id),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {k: to_value(v) for k, v in values.items()},
        }
        if "#state" in expression or (condition and "#state" in condition):
            kwargs["ExpressionAttributeNames"] = {"#state": "state"}
        if condition:
            kwargs["ConditionExpression"] = condition
        try:
            self.db.update_item(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # -- stock push ----------------------------------------------------------------------------

    def put_listing(self, sku: str, channel: str, shop: str, listing: dict[str, str]) -> None:
        item = {"pk": f"LISTING#{sku}", "sk": f"{channel}#{shop}", "channel": channel, "shop": shop, "listing": listing, "updated_at": now_iso()}
        self.db.put_item(TableName=self.table, Item=to_item(item))

    def listings(self, sku: str) -> list[dict[str, Any]]:
        return query_partition(self.db, self.table, f"LISTING#{sku}")

    def mark_changed(self, sku: str, changed_at: str) -> None:
        """The first change since the SKU's last push opens its window; later ones only count."""
        self.db.update_item(
            TableName=self.table,
            Key=to_item({"pk": f"CHANGED#{change_shard(sku)}", "sk": sku}),
            UpdateExpression="SET first_changed_at = if_not_exists(first_changed_at, :at), changes = if_not_exists(changes, :zero) + :one",
            ExpressionAttributeValues={":at": to_value(changed_at), ":zero": to_value(0), ":one": to_value(1)},
        )

    def changed(self) -> list[dict[str, Any]]:
        return [i for shard in range(CHANGE_SHARDS) for i in query_partition(self.db, self.table, f"CHANGED#{shard}", consistent=True)]

    def clear_changed(self, sku: str, changes: int, partition: str | None = None) -> bool:
        """Removes the mark only if no change came after it was read (else the next window pushes).
        `partition`: the mark's pk as read (a mark written under an older shard count)."""
        try:
            self.db.delete_item(
                TableName=self.table,
                Key=to_item({"pk": partition or f"CHANGED#{change_shard(sku)}", "sk": sku}),
                ConditionExpression="changes = :seen",
                ExpressionAttributeValues={":seen": to_value(changes)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def last_pushed(self, sku: str) -> dict[str, int]:
        return {i["sk"]: int(i["quantity"]) for i in query_partition(self.db, self.table, f"PUSHED#{sku}")}

    def remember_pushed(self, sku: str, channel: str, shop: str, quantity: int) -> None:
        item = {"pk": f"PUSHED#{sku}", "sk": f"{channel}#{shop}", "quantity": quantity, "pushed_at": now_iso()}
        self.db.put_item(TableName=self.table, Item=to_item(item))


def channel_sync_store() -> ChannelSyncStore:
    """The process's one store (a Lambda container keeps it warm), forgotten with the others."""
    from shared.aws.stores import _one

    return _one(ChannelSyncStore)
