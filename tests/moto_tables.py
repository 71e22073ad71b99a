"""One table on moto with the local runtime's DynamoDB fidelity patches (local/moto_patches.py), for
the tests of those patches: pk/sk string keys, on-demand, and what each test adds (an index, a
stream, more attribute definitions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
from moto import mock_aws

from local import moto_patches


def patched_table(monkeypatch: Any, name: str, attributes: tuple[str, ...] = ("pk", "sk"), **table: Any) -> Iterator[Any]:
    """Yields a DynamoDB client whose table `name` exists (a fixture body: `yield from`)."""
    for variable, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    moto_patches.install_dynamodb_fidelity()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in attributes],
            BillingMode="PAY_PER_REQUEST",
            **table,
        )
        yield client
