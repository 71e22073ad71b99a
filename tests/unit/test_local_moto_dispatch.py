"""local/transport.py dispatches a request for one of moto's service views to the view itself, as
moto's in-process mock does (decision 206): the answers botocore reads (results, errors with their
codes, messages, cancellation reasons and HTTP statuses) are the ones the server's Flask
application gives, Flask itself is not entered, and moto's own API still goes through it."""

from __future__ import annotations

import uuid

import boto3
import flask
import pytest
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from local import transport

ENDPOINT = "http://127.0.0.1:9"  # the discard port: only the in-process transport can answer


@pytest.fixture
def moto_app(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    app = DomainDispatcherApplication(create_backend_app)
    transport.install(app, ENDPOINT)
    yield app
    transport.uninstall(ENDPOINT)


def _outcome(call, *args, **kwargs):
    try:
        answer = call(*args, **kwargs)
    except ClientError as error:
        answer = dict(error.response)
        answer.pop("Message", None)
    meta = answer.pop("ResponseMetadata", {})
    # Every header but the per-answer ones (request id, the body's checksum) and flask-cors's
    # Access-Control-Allow-Origin, which moto's Flask application adds to every answer.
    headers = {k: v for k, v in meta.get("HTTPHeaders", {}).items() if k not in ("x-amzn-requestid", "x-amz-crc32", "date", "access-control-allow-origin")}
    return answer, meta.get("HTTPStatusCode"), headers


def _scenario(run: str) -> list:
    """Each answer of a few DynamoDB and SQS calls, successes and errors, with `run`'s names."""
    ddb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=ENDPOINT)
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=ENDPOINT)
    table = f"dispatch-{run}"
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    item = {"pk": {"S": "ORDER#1"}, "city": {"S": "上海市"}, "n": {"N": "2"}}
    put_new = {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
    queue = sqs.create_queue(QueueName=f"dispatch-{run}")["QueueUrl"]
    outcomes = [
        _outcome(ddb.put_item, **put_new),
        _outcome(ddb.get_item, TableName=table, Key={"pk": {"S": "ORDER#1"}}),
        _outcome(ddb.put_item, **put_new),  # ConditionalCheckFailedException
        _outcome(ddb.transact_write_items, TransactItems=[{"Put": put_new}]),  # TransactionCanceledException
        _outcome(ddb.get_item, TableName=f"missing-{run}", Key={"pk": {"S": "x"}}),  # ResourceNotFoundException
        _outcome(sqs.send_message, QueueUrl=queue, MessageBody="上海"),
        _outcome(sqs.receive_message, QueueUrl=queue, WaitTimeSeconds=0),
        _outcome(sqs.get_queue_url, QueueName=f"missing-{run}"),  # QueueDoesNotExist
        _outcome(sqs.delete_message, QueueUrl=queue, ReceiptHandle="not-a-handle"),  # ReceiptHandleIsInvalid
    ]
    ddb.delete_table(TableName=table)
    sqs.delete_queue(QueueUrl=queue)
    return outcomes


def _comparable(value, run: str):
    """`value` with `run`'s names made common and each message's own id, handle and times left out."""
    if isinstance(value, dict):
        return {k: _comparable(v, run) for k, v in value.items() if k not in ("MessageId", "ReceiptHandle") and not k.endswith("Timestamp")}
    if isinstance(value, (list, tuple)):
        return [_comparable(v, run) for v in value]
    return value.replace(run, "RUN") if isinstance(value, str) else value


def test_service_requests_get_the_answers_flask_gives_without_entering_flask(moto_app, monkeypatch):
    entered = []
    real_wsgi_app = flask.Flask.wsgi_app
    monkeypatch.setattr(flask.Flask, "wsgi_app", lambda self, *a: entered.append(self) or real_wsgi_app(self, *a))
    direct_run = uuid.uuid4().hex[:8]
    direct = _scenario(direct_run)
    assert entered == []

    monkeypatch.setattr(transport, "_moto_view", lambda app, environ: None)  # every request through Flask
    flask_run = uuid.uuid4().hex[:8]
    through_flask = _scenario(flask_run)
    assert entered

    assert _comparable(direct, direct_run) == _comparable(through_flask, flask_run)
    statuses = [status for _, status, _ in direct]
    assert statuses == [200, 200, 400, 400, 400, 200, 200, 400, 400]


def test_motos_own_api_and_unknown_paths_go_through_its_application(moto_app):
    reset = transport.wsgi_environ("http", "127.0.0.1:9", "/moto-api/reset", "", "POST", [], b"")
    assert transport._moto_view(moto_app, reset) is None
    service = transport.wsgi_environ("http", "127.0.0.1:9", "/", "", "POST", [("X-Amz-Target", "DynamoDB_20120810.ListTables"), ("Authorization", "AWS4-HMAC-SHA256 Credential=t/20261202/us-east-1/dynamodb/aws4_request")], b"{}")
    assert transport._moto_view(moto_app, service) is not None
    assert transport._moto_view(lambda environ, start_response: [], service) is None  # not moto's dispatcher
