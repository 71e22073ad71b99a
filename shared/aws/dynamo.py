"""DynamoDB plumbing shared by the stores: (de)serialisation and transactions with their reasons."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from shared.aws.attribute_values import deserialize, serialize
from shared.aws.clients import client, resource_name
from shared.aws.transient import TRANSIENT_CANCELLATION_REASONS, is_transient_answer
from shared.errors import StoreUnavailable


def _dynamo_safe(value: Any) -> Any:
    # DynamoDB numbers are decimals; floats (distances, coordinates) go through str to stay exact.
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dynamo_safe(v) for v in value]
    return value


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: serialize(_dynamo_safe(v)) for k, v in values.items()}


def to_value(value: Any) -> dict[str, Any]:
    return serialize(_dynamo_safe(value))


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    """Integral decimals back to int so that pydantic and JSON see whole numbers as whole."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class TransactionCancelled(Exception):
    """A transaction failed a condition; `reasons[i]` is the code for item i ('None' when it passed)."""

    def __init__(self, reasons: list[str]):
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        return self.reasons[index] == "ConditionalCheckFailed"


def transact_write(client: Any, items: list[dict[str, Any]]) -> None:
    try:
        client.transact_write_items(TransactItems=items)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "TransactionCanceledException":
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            # A failed condition decides, whatever else was throttled beside it: a retry would meet
            # it again, and the caller's answer to a lost race is to read again, not to wait.
            if "ConditionalCheckFailed" not in reasons and any(r in TRANSIENT_CANCELLATION_REASONS for r in reasons):
                raise StoreUnavailable(f"transaction conflicted or throttled: {reasons}") from error
            raise TransactionCancelled(reasons) from error
        raise_if_transient(error)
        raise


def raise_if_transient(error: ClientError) -> None:
    """A throttle or a server-side failure (shared/aws/transient.py's one list, decision 188) is
    StoreUnavailable: 503 with Retry-After on the API, retried with backoff in the workflow."""
    if is_transient_answer(error):
        raise StoreUnavailable(str(error)) from error


def query_partition(db: Any, table: str, pk: str, *, consistent: bool = False) -> list[dict[str, Any]]:
    """Every item under one partition key, across pages, in sort-key order."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": to_value(pk)},
        "ConsistentRead": consistent,
    }
    return _query_up_to(db, kwargs, limit=sys.maxsize)


def batch_get(
    db: Any, table: str, keys: list[dict[str, Any]], *, attempts: int = 5, projection: str | None = None, names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The items with these keys (plain dicts), 100 keys per request, retrying unprocessed keys;
    only the `projection`'s attributes when given (with `names` for reserved words)."""
    found: list[dict[str, Any]] = []
    unique = list({(k["pk"], k["sk"]): k for k in keys}.values())
    for start in range(0, len(unique), 100):
        wanted: dict[str, Any] = {"Keys": [to_item(k) for k in unique[start : start + 100]]}
        if projection:
            wanted["ProjectionExpression"] = projection
        if names:
            wanted["ExpressionAttributeNames"] = names
        request = {table: wanted}
        for _ in range(attempts):
            try:
                answer = db.batch_get_item(RequestItems=request)
            except ClientError as error:
                raise_if_transient(error)
                raise
            found.extend(from_item(i) for i in answer["Responses"].get(table, []))
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise StoreUnavailable(f"{table}: keys still unprocessed after {attempts} batch reads")
    return found


def query_index(db: Any, table: str, index: str, key: str, value: str, sort_key: str, low: str, high: str, *, newest_first: bool = False, limit: int = 500) -> list[dict[str, Any]]:
    """Items of one index partition with `low <= sort key <= high`, at most `limit` of them."""
    return _query_up_to(
        db,
        {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": "#k = :k AND #s BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#k": key, "#s": sort_key},
            "ExpressionAttributeValues": {":k": to_value(value), ":low": to_value(low), ":high": to_value(high)},
            "ScanIndexForward": not newest_first,
            "Limit": limit,
        },
        limit,
    )


def query_prefix(db: Any, table: str, pk: str, prefix: str, *, newest_first: bool = False, limit: int = 1000) -> list[dict[str, Any]]:
    """Items of one partition whose sort key begins with `prefix`, at most `limit` of them."""
    return _query_up_to(
        db,
        {
            "TableName": table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": to_value(pk), ":prefix": to_value(prefix)},
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
        },
        limit,
    )


def query_between(db: Any, table: str, pk: str, low: str, high: str) -> list[dict[str, Any]]:
    """Every item of one partition with `low <= sort key <= high`, read consistently."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {":pk": to_value(pk), ":low": to_value(low), ":high": to_value(high)},
        "ConsistentRead": True,
    }
    return _query_up_to(db, kwargs, limit=sys.maxsize)


def _query_up_to(db: Any, kwargs: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while len(items) < limit:
        try:
            page = db.query(**kwargs)
        except ClientError as error:
            raise_if_transient(error)
            raise
        items.extend(from_item(i) for i in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return items[:limit]


class TableAdapter:
    """A store over one table: its name from the function's environment, the process's client."""

    TABLE_ENV = ""

    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self.table = table_name or resource_name(self.TABLE_ENV)
        self._client = dynamodb

    @property
    def db(self) -> Any:
        return self._client or client("dynamodb")
