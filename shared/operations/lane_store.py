"""The operations aggregates' lanes on DynamoDB (shared/operations/lanes.py says why):

  pk = L#<lane>   sk = RUN                     the lane's run mark {first, last} (padded numbers)
  pk, sk = <counter item's>#L#<lane>           a counter item's lane, with `w` and `t`

A run's updates are single conditional writes (1 write unit each, not a transaction's 2): each
`ADD … SET w = :last, t = :now` applies only while `w` is absent or before the run's last record.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from shared.aws.dynamo import TransactionCancelled, from_item, raise_if_transient, to_item, to_value, transact_write
from shared.operations.domain import DIMS_KEY, Deltas
from shared.operations.lanes import LANE_END, MAXIMA, TOUCHED, WATERMARK, base_sort_key, fold, laned
from shared.operations.parallel import in_parallel
from shared.operations.store import DAY, OperationsStore

RUN_SORT_KEY = "RUN"
RUN_TTL_SECONDS = 2 * DAY  # a stream keeps a shard's records 24 h: its lane's mark is not needed after that
# A lane not moved for this long can never be moved again (its shard's records are gone from the
# stream): compaction folds it into the item without a lane.
IDLE_SECONDS = 2 * DAY
MAX_FOLDED_PER_TRANSACTION = 99  # with the item without a lane: DynamoDB's 100


class RunTaken(Exception):
    """Another delivery marked a run of this lane meanwhile: this batch is retried and reads it."""


def run_key(lane: str) -> dict[str, str]:
    return {"pk": f"L#{lane}", "sk": RUN_SORT_KEY}


class LaneStore:
    def __init__(self, store: OperationsStore):
        self.store = store

    def run_mark(self, lane: str) -> tuple[str, str] | None:
        """The lane's last marked run (strongly consistent: a mark just put must be seen)."""
        found = self.store.db.get_item(TableName=self.store.table, Key=to_item(run_key(lane)), ConsistentRead=True).get("Item")
        if not found:
            return None
        mark = from_item(found)
        return str(mark["first"]), str(mark["last"])

    def mark_run(self, lane: str, first: str, last: str) -> None:
        """Puts the run's mark, only after the lane's last run: raises RunTaken otherwise."""
        item = {**run_key(lane), "first": first, "last": last, "expires_at_epoch": int(time.time()) + RUN_TTL_SECONDS}
        try:
            self.store.db.put_item(
                TableName=self.store.table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(pk) OR #last < :first",
                ExpressionAttributeNames={"#last": "last"},
                ExpressionAttributeValues={":first": to_value(first)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise RunTaken(f"lane {lane}: a run at or after {first} is marked") from error
            raise_if_transient(error)
            raise

    def apply(self, lane: str, last: str, deltas: Deltas) -> int:
        """Each item's lane moved by the run's deltas unless it already counted the run (its `w`
        is `last`). The dimensions' set has no lane: adding members again changes nothing.
        Returns how many items moved; raises the first error (the run is replayed)."""
        now = int(time.time())
        updates = {}
        for key, (numbers, sets) in deltas.updates().items():
            if key == DIMS_KEY:
                updates[key] = self.store.counter_update(key, numbers, sets, now)
            else:
                updates[key] = self.store.counter_update((key[0], laned(key[1], lane)), numbers, sets, now, watermark=(last, now))
        results = in_parallel({key: (lambda u=update: self._update(u)) for key, update in updates.items()})
        return sum(results.values())

    def _update(self, update: dict[str, Any]) -> bool:
        try:
            self.store.db.update_item(**update["Update"])
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False  # this item's lane counted the run already
            raise_if_transient(error)
            raise

    def compact(self, pk: str, sort_key: str, now_epoch: int) -> int:
        """Folds the lanes of one item not moved for IDLE_SECONDS into the item without a lane,
        in one transaction (each lane deleted only while its watermark is the one read). Returns
        how many lanes were folded; 0 when another writer moved one meanwhile (the next pass
        folds it)."""
        found = self.store.db.query(
            TableName=self.store.table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues={":pk": to_value(pk), ":a": to_value(sort_key + "#"), ":b": to_value(sort_key + LANE_END)},
            ConsistentRead=True,
        )["Items"]
        idle = [
            item for item in map(from_item, found)
            if base_sort_key(item["sk"]) == sort_key and WATERMARK in item and int(item.get(TOUCHED, now_epoch)) < now_epoch - IDLE_SECONDS
        ][:MAX_FOLDED_PER_TRANSACTION]
        if not idle:
            return 0
        [total] = fold(idle)  # the lanes' numbers summed as readers sum them
        moved = {
            name: Decimal(value) for name, value in total.items()
            if name not in MAXIMA and isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value
        }
        items = [
            {"Delete": {
                "TableName": self.store.table,
                "Key": to_item({"pk": pk, "sk": item["sk"]}),
                "ConditionExpression": "#w = :w",
                "ExpressionAttributeNames": {"#w": WATERMARK},
                "ExpressionAttributeValues": {":w": to_value(item[WATERMARK])},
            }}
            for item in idle
        ]
        if moved:
            items.insert(0, self.store.counter_update((pk, sort_key), moved, {}, now_epoch))
        try:
            transact_write(self.store.db, items)
        except TransactionCancelled:
            return 0
        return len(idle)
