"""The local runtime's cheaper request path (decision 180) gives moto what the general one gave:
the same WSGI environ as werkzeug's builder, an Authorization header of SigV4's form and scope,
request ids of moto's form, the same parsed JSONPaths, and a bounded set of deleted messages'
receipt handles that still makes a recent repeated delete succeed."""

from __future__ import annotations

import re

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.sqs.models import Queue
from werkzeug.test import EnvironBuilder

from local import moto_memory, moto_speed, transport

REQUESTS = [
    ("http", "127.0.0.1:5000", "/", "", "POST", [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.Query"), ("Content-Length", "3")], b'{"a'),
    ("http", "localhost:5000", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Ax/invocations", "a=1&b=%2F", "GET", [("Host", "localhost:5000")], b""),
    ("http", "127.0.0.1:5000", "/queue/%E4%B8%AD", "", "POST", [("X-Twice", "1"), ("X-Twice", "2")], "上海".encode()),
]


@pytest.mark.parametrize(("scheme", "netloc", "path", "query", "method", "headers", "body"), REQUESTS)
def test_the_environ_is_the_one_werkzeugs_builder_gives(scheme, netloc, path, query, method, headers, body):
    built = EnvironBuilder(
        path=path, base_url=f"{scheme}://{netloc}", query_string=query, method=method, headers=headers, data=body
    ).get_environ()
    built["REMOTE_ADDR"] = "127.0.0.1"
    direct = transport.wsgi_environ(scheme, netloc, path, query, method, headers, body)
    assert built.pop("wsgi.input").read() == direct.pop("wsgi.input").read() == body
    built.pop("wsgi.errors"), direct.pop("wsgi.errors")
    assert direct == built


def _signed(url: str) -> AWSRequest:
    request = AWSRequest(method="POST", url=url, data=b"{}", headers={"Content-Type": "application/x-amz-json-1.0"})
    SigV4Auth(Credentials("AKIDLOCAL", "secret", "token"), "dynamodb", "us-east-1").add_auth(request)
    return request


def test_a_local_request_carries_sigv4s_scope_with_a_placeholder_signature_and_others_are_signed(monkeypatch):
    monkeypatch.setitem(transport._apps, "127.0.0.1:5999", object())
    monkeypatch.setattr(SigV4Auth, "add_auth", transport._add_auth)
    local = _signed("http://127.0.0.1:5999/")
    remote = _signed("https://dynamodb.us-east-1.amazonaws.com/")
    pattern = r"AWS4-HMAC-SHA256 Credential=AKIDLOCAL/\d{8}/us-east-1/dynamodb/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=([0-9a-f]{64})"
    assert re.fullmatch(pattern, local.headers["Authorization"]).group(1) == transport.PLACEHOLDER_SIGNATURE
    assert re.fullmatch(pattern, remote.headers["Authorization"]).group(1) != transport.PLACEHOLDER_SIGNATURE
    for request in (local, remote):
        assert re.fullmatch(r"\d{8}T\d{6}Z", request.headers["X-Amz-Date"]) and request.headers["X-Amz-Security-Token"] == "token"


def test_request_ids_have_motos_form():
    headers: dict[str, str] = {}
    first = moto_speed._request_id(headers)
    assert re.fullmatch(r"[A-Za-z0-9]{52}", first) and headers == {"x-amzn-requestid": first}
    assert moto_speed._request_id() != first


def test_each_jsonpath_text_is_parsed_once_and_finds_the_same():
    path = moto_speed._parsed_ext_path("$.Payload.order_id")
    assert moto_speed._parsed_ext_path("$.Payload.order_id") is path
    assert [m.value for m in path.find({"Payload": {"order_id": "O-1"}})] == ["O-1"]
    assert [m.value for m in moto_speed._original_ext_parse("$.Payload.order_id").find({"Payload": {"order_id": "O-1"}})] == ["O-1"]
    with pytest.raises(Exception):
        moto_speed._parsed_ext_path("$..[")


def test_a_queue_keeps_the_newest_deleted_handles_and_a_recent_repeated_delete_succeeds(monkeypatch):
    monkeypatch.setattr(moto_memory, "DELETED_HANDLES_KEPT", 20)
    monkeypatch.setattr(Queue, "delete_message", moto_memory._delete_keeping_recent_handles)
    queue = Queue("q", "us-east-1", "123456789012")
    handles = []
    for i in range(60):
        queue.add_message(_message(f"m{i}"))
        message = queue._messages[-1]
        message.mark_received(visibility_timeout=30)
        handles.append(message.receipt_handle)
        queue.delete_message(message.receipt_handle)
    assert isinstance(queue.deleted_messages, moto_memory.RecentHandles)
    assert len(queue.deleted_messages) <= 22 and not queue._messages
    queue.delete_message(handles[-1])  # deleted again: succeeds quietly, as on SQS
    assert handles[-1] in queue.deleted_messages and handles[0] not in queue.deleted_messages


def _message(body: str):
    from moto.sqs.models import Message

    return Message(body, body)
