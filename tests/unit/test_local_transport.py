"""local/transport.py: a boto3 call to the local moto server's address reaches its WSGI
application in process (nothing listens there), and any other address still goes over the network."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from local import transport

ENDPOINT = "http://127.0.0.1:9"  # the discard port: nothing answers HTTP there


def queue_app(environ, start_response):
    assert environ["HTTP_HOST"] in ("127.0.0.1:9", "localhost:9")
    body = json.dumps({"QueueUrls": [f"{ENDPOINT}/123456789012/in-process"]}).encode()
    start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def sqs(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    transport.install(queue_app, ENDPOINT)
    yield
    transport.uninstall(ENDPOINT)


def test_calls_to_the_local_server_are_answered_in_process(sqs):
    for endpoint in (ENDPOINT, "http://localhost:9"):  # moto's workflow engine says localhost
        client = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
        assert client.list_queues()["QueueUrls"] == [f"{ENDPOINT}/123456789012/in-process"]


def test_other_addresses_and_an_uninstalled_server_go_over_the_network(sqs):
    other = boto3.client("sqs", region_name="us-east-1", endpoint_url="http://127.0.0.1:7", config=boto3.session.Config(retries={"max_attempts": 1}))
    with pytest.raises(EndpointConnectionError):
        other.list_queues()
    transport.uninstall(ENDPOINT)
    gone = boto3.client("sqs", region_name="us-east-1", endpoint_url=ENDPOINT, config=boto3.session.Config(retries={"max_attempts": 1}))
    with pytest.raises(EndpointConnectionError):
        gone.list_queues()
