"""Handlers against moto in process (mock_aws): the resources come from infra/topology.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto import mock_aws

from local.api_gateway import LocalRoute, proxy_event
from local import moto_patches
from local.moto_patches import LocalLambdaContext
from local.provision import LocalResources, provision
from local.seed import load_catalog, load_seed
from shared.aws import stores

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture
def aws(monkeypatch) -> LocalResources:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    moto_patches.install_dynamodb_fidelity()
    with mock_aws():
        stores.reset()
        resources = provision("oms-test")
        for name, value in resources.env.items():
            monkeypatch.setenv(name, value)
        load_catalog()  # intake refuses SKUs oms does not know
        yield resources
    stores.reset()


@pytest.fixture
def seeded(aws) -> LocalResources:
    load_seed()
    return aws


def context(name: str = "test") -> LocalLambdaContext:
    return LocalLambdaContext(name)


def api_request(handler: Any, method: str, resource: str, path: str, body: bytes | str | None = None, **params: str) -> tuple[int, dict]:
    raw = body.encode() if isinstance(body, str) else (body or b"")
    event = proxy_event(method, LocalRoute(method, resource, "test", handler), path, params, {"Content-Type": "application/json"}, "", raw)
    answer = handler(event, context())
    return answer["statusCode"], json.loads(answer["body"] or "{}")


def drain(sqs: Any, queue_url: str, attributes: bool = False) -> list[dict]:
    messages = []
    names = {"MessageAttributeNames": ["All"]} if attributes else {}
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, **names).get("Messages", []):
        messages.extend(batch)
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return messages
