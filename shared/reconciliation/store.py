"""Reconciliation's table on DynamoDB (docs/data-model.md):

  pk = RUN#<run_id>              sk = META              the run: window, state, checkpoint, counts
                                 sk = DIFF#<diff_id>    one difference and its resolution
  pk = SHOP#<channel>#<shop>     sk = CURSOR            where the shop's incremental runs got to
                                 sk = LEASE             the run that holds the shop (one at a time)
  GSI by_started: runs_key = "RUNS", started_at         (run META items: the runs, newest first)
  GSI by_open:    open_key = "OPEN", found_at           (sparse: differences waiting for a person)
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from shared.aws import page_tokens
from shared.aws.dynamo import TableAdapter, from_item, query_prefix, raise_if_transient, to_item, to_value
from shared.clock import now_iso
from shared.reconciliation.domain import Difference, Resolution, RunSummary

TABLE_ENV = "RECONCILIATION_TABLE"
RUNS = "RUNS"
OPEN = "OPEN"
KEEP_SECONDS = 90 * 24 * 3600  # reports are evidence for a quarter; what waits for a person stays


def _expiry() -> int:
    return int(time.time()) + KEEP_SECONDS


def _run_item(run: RunSummary) -> dict[str, Any]:
    item = {"pk": _run_pk(run.run_id), "sk": "META", "runs_key": RUNS, **run.model_dump(mode="json", exclude_none=True)}
    if not run.needs_person:
        item["expires_at_epoch"] = _expiry()
    return item


class RunNotFound(Exception):
    def __init__(self, run_id: str):
        super().__init__(f"reconciliation run {run_id} does not exist")
        self.run_id = run_id


class DifferenceNotFound(Exception):
    def __init__(self, run_id: str, difference_id: str):
        super().__init__(f"run {run_id} has no difference {difference_id}")


def _run_pk(run_id: str) -> str:
    return f"RUN#{run_id}"


def _shop_pk(channel: str, shop: str) -> str:
    return f"SHOP#{channel}#{shop}"


def _failed_condition(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


class ReconciliationStore(TableAdapter):
    TABLE_ENV = TABLE_ENV

    # -- runs ----------------------------------------------------------------------------------

    def start_run(self, run: RunSummary) -> tuple[RunSummary, bool]:
        """Stores a new run once; (the stored run, whether this call created it)."""
        try:
            self.db.put_item(TableName=self.table, Item=to_item(_run_item(run)), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if not _failed_condition(error):
                raise_if_transient(error)
                raise
            return self.run(run.run_id), False
        return run, True

    def run(self, run_id: str) -> RunSummary:
        answer = self.db.get_item(TableName=self.table, Key=to_item({"pk": _run_pk(run_id), "sk": "META"}), ConsistentRead=True)
        if "Item" not in answer:
            raise RunNotFound(run_id)
        return RunSummary.model_validate(from_item(answer["Item"]))

    def save_run(self, run: RunSummary) -> None:
        """The run's checkpoint and counts (written after each page: a crash resumes from here)."""
        self.db.put_item(TableName=self.table, Item=to_item(_run_item(run)))

    def list_runs(self, limit: int = 50, next_token: str | None = None) -> tuple[list[RunSummary], str | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "by_started",
            "KeyConditionExpression": "runs_key = :k",
            "ExpressionAttributeValues": {":k": to_value(RUNS)},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if next_token:
            kwargs["ExclusiveStartKey"] = page_tokens.start_key(next_token, {"pk", "sk", "runs_key", "started_at"})
        page = self.db.query(**kwargs)
        token = page_tokens.encode(page["LastEvaluatedKey"]) if "LastEvaluatedKey" in page else None
        return [RunSummary.model_validate(from_item(i)) for i in page["Items"]], token

    # -- differences ---------------------------------------------------------------------------

    def put_difference(self, difference: Difference) -> None:
        """Writes (or rewrites, on a resumed page) a difference; never undoes a person's resolution."""
        item: dict[str, Any] = {
            "pk": _run_pk(difference.run_id),
            "sk": f"DIFF#{difference.difference_id}",
            **difference.model_dump(mode="json", exclude_none=True),
        }
        if difference.resolution == Resolution.NEEDS_PERSON:
            item["open_key"] = OPEN
        else:
            item["expires_at_epoch"] = _expiry()
        try:
            self.db.put_item(
                TableName=self.table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(pk) OR resolution <> :person",
                ExpressionAttributeValues={":person": to_value(Resolution.RESOLVED_BY_PERSON.value)},
            )
        except ClientError as error:
            if not _failed_condition(error):
                raise

    def withdraw_difference(self, run_id: str, difference_id: str) -> None:
        """Removes a difference that turned out not to be one, while it still waits for a person
        (a difference already resolved, by reconciliation or by a person, stays)."""
        try:
            self.db.delete_item(
                TableName=self.table,
                Key=to_item({"pk": _run_pk(run_id), "sk": f"DIFF#{difference_id}"}),
                ConditionExpression="resolution = :waiting",
                ExpressionAttributeValues={":waiting": to_value(Resolution.NEEDS_PERSON.value)},
            )
        except ClientError as error:
            if not _failed_condition(error):
                raise_if_transient(error)
                raise

    def differences(self, run_id: str) -> list[Difference]:
        return [Difference.model_validate(i) for i in query_prefix(self.db, self.table, _run_pk(run_id), "DIFF#", limit=100_000)]

    def resolve(self, run_id: str, difference_id: str, by: str, note: str) -> Difference:
        try:
            answer = self.db.update_item(
                TableName=self.table,
                Key=to_item({"pk": _run_pk(run_id), "sk": f"DIFF#{difference_id}"}),
                UpdateExpression="SET resolution = :person, resolved_by = :by, resolved_at = :at, resolution_note = :note, expires_at_epoch = :expires REMOVE open_key",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={
                    ":person": to_value(Resolution.RESOLVED_BY_PERSON.value),
                    ":by": to_value(by),
                    ":at": to_value(now_iso()),
                    ":note": to_value(note),
                    ":expires": to_value(_expiry()),
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _failed_condition(error):
                raise DifferenceNotFound(run_id, difference_id) from None
            raise
        return Difference.model_validate(from_item(answer["Attributes"]))

    def open_differences_older_than(self, before: str, limit: int = 1000) -> int:
        """How many differences wait for a person since before `before` (the alarm's figure)."""
        count, kwargs = 0, {
            "TableName": self.table,
            "IndexName": "by_open",
            "KeyConditionExpression": "open_key = :k AND found_at < :before",
            "ExpressionAttributeValues": {":k": to_value(OPEN), ":before": to_value(before)},
            "Select": "COUNT",
        }
        while count < limit:
            page = self.db.query(**kwargs)
            count += page["Count"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return count

    # -- shops: cursor and lease ------------------------------------------------------------------

    def cursor(self, channel: str, shop: str) -> str | None:
        answer = self.db.get_item(TableName=self.table, Key=to_item({"pk": _shop_pk(channel, shop), "sk": "CURSOR"}), ConsistentRead=True)
        return from_item(answer["Item"])["until"] if "Item" in answer else None

    def advance_cursor(self, channel: str, shop: str, until: str) -> None:
        """Moves the shop's cursor forward only (a late run of an older window leaves it be)."""
        try:
            self.db.put_item(
                TableName=self.table,
                Item=to_item({"pk": _shop_pk(channel, shop), "sk": "CURSOR", "until": until, "updated_at": now_iso()}),
                ConditionExpression="attribute_not_exists(pk) OR #until < :until",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues={":until": to_value(until)},
            )
        except ClientError as error:
            if not _failed_condition(error):
                raise

    def acquire_lease(self, channel: str, shop: str, run_id: str, owner: str, seconds: float) -> bool:
        """True when `owner` (one invocation) now holds the shop: it was free or its lease lapsed.
        Two deliveries of the same run's message are two owners: only one pages at a time."""
        now = datetime.now(UTC)
        expires = (now + timedelta(seconds=seconds)).isoformat()
        try:
            self.db.put_item(
                TableName=self.table,
                Item=to_item({"pk": _shop_pk(channel, shop), "sk": "LEASE", "run_id": run_id, "owner": owner, "expires_at": expires}),
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": to_value(now.isoformat())},
            )
        except ClientError as error:
            if _failed_condition(error):
                return False
            raise
        return True

    def release_lease(self, channel: str, shop: str, owner: str) -> None:
        try:
            self.db.delete_item(
                TableName=self.table,
                Key=to_item({"pk": _shop_pk(channel, shop), "sk": "LEASE"}),
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": to_value(owner)},
            )
        except ClientError as error:
            if not _failed_condition(error):
                raise

