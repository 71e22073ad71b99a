"""The local event source mappings read their stream's records from moto's models in process.

On AWS, the Lambda service reads a DynamoDB stream for its event source mappings (GetRecords
four times a second per shard): its own work, not the function's, and the records reach the
function in the event's JSON (Lambda's form: `ApproximateCreationDateTime` in whole seconds since
the epoch, a binary attribute as its base64 text). The local stream poller (local/stream_poller.py)
did it through the DynamoDB Streams API: every record serialised by moto to JSON and parsed back
by botocore, by each of the orders stream's two mappings, about 16% of the runtime's CPU per order
(`python -m benchmarks.runtime_profile`, decision 245). `BackendStreams` answers `get_records` from
moto's shard iterator directly, as moto's GetRecords does (the same iterator, the same records,
the same next iterator, moto's bound on the iterators it keeps), with each record copied out of
moto's store in Lambda's form; describing the stream and making iterators stay API calls (rare,
and what a restart's restore reads)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from typing import Any

from moto.dynamodbstreams.models import dynamodbstreams_backends

from local.moto_patches import dynamodb_request_lock


class BackendStreams:
    def __init__(self, client: Any) -> None:
        self._client = client  # describe_stream, get_shard_iterator

    def describe_stream(self, **kwargs: Any) -> Any:
        return self._client.describe_stream(**kwargs)

    def get_shard_iterator(self, **kwargs: Any) -> Any:
        return self._client.get_shard_iterator(**kwargs)

    def get_records(self, ShardIterator: str, Limit: int = 1000) -> dict[str, Any]:  # noqa: N803 (the API's names)
        region, account = _region_and_account(ShardIterator)
        with dynamodb_request_lock:  # not between a transaction's writes and a cancelled one's undo
            answer = dynamodbstreams_backends[account][region].get_records(ShardIterator, Limit)
        return {"NextShardIterator": answer["NextShardIterator"], "Records": [lambda_record(r) for r in answer["Records"]]}


def _region_and_account(iterator_arn: str) -> tuple[str, str]:
    # arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>|1|<id>
    parts = iterator_arn.split(":", 5)
    return parts[3], parts[4]


def _as_json(value: Any) -> str | float:
    """The two kinds moto keeps in a record that JSON has no form for, as Lambda's event writes them:
    binary (in sets, in maps) as base64 text, the creation time in whole seconds since the epoch."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return float(int((value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()))
    raise TypeError(f"{type(value).__name__} in a stream record")


def lambda_record(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of moto's stored record (nothing shared with moto's store) as Lambda's event carries
    it: the creation time in whole seconds since the epoch; keys and images as stored (DynamoDB
    JSON: numbers as text, binary as base64 text)."""
    return json.loads(json.dumps(record, default=_as_json))
