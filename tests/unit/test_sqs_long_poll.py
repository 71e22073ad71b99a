"""local/sqs_long_poll.py: a long poll is served inside moto, returns a message as soon as one is
sent, waits out its time when none is, and ends within a second once its thread is told to stop."""

from __future__ import annotations

import inspect
import threading
import time

import boto3
import pytest
from moto import mock_aws

from local import sqs_long_poll


@pytest.fixture
def sqs(fake_aws):
    sqs_long_poll.install()
    with mock_aws():
        client = boto3.client("sqs")
        yield client, client.create_queue(QueueName="q")["QueueUrl"]
    sqs_long_poll.stop_waiting_when(None)


def test_a_long_poll_returns_a_message_sent_while_it_waits(sqs):
    client, url = sqs
    threading.Timer(1.5, lambda: client.send_message(QueueUrl=url, MessageBody="late")).start()
    started = time.monotonic()
    answer = client.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    assert [m["Body"] for m in answer["Messages"]] == ["late"]
    assert 1.4 < time.monotonic() - started < 4


def test_an_empty_long_poll_waits_out_its_time(sqs):
    client, url = sqs
    started = time.monotonic()
    assert "Messages" not in client.receive_message(QueueUrl=url, WaitTimeSeconds=3)
    assert 2.9 < time.monotonic() - started < 6


def test_a_long_poll_ends_within_a_second_once_its_thread_stops_waiting(sqs):
    client, url = sqs
    stop = threading.Event()
    sqs_long_poll.stop_waiting_when(stop.is_set)
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    assert "Messages" not in client.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    assert time.monotonic() - started < 3  # moto alone waits the whole 20 s


def test_a_short_poll_and_the_message_state_stay_motos(sqs):
    client, url = sqs
    client.send_message(QueueUrl=url, MessageBody="one")
    first = client.receive_message(QueueUrl=url, WaitTimeSeconds=5, VisibilityTimeout=30, AttributeNames=["All"])["Messages"]
    assert first[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    started = time.monotonic()  # in flight: invisible to the next poll, which waits its time out
    assert "Messages" not in client.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert "Messages" not in client.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert time.monotonic() - started >= 1.9


def test_moto_still_serves_a_receive_with_this_signature():
    params = list(inspect.signature(sqs_long_poll._original_receive_message).parameters)
    assert params[:4] == ["self", "queue_name", "count", "wait_seconds_timeout"]
    assert "queue.wait_for_messages(1)" in inspect.getsource(sqs_long_poll._original_receive_message)
