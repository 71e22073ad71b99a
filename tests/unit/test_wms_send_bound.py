"""A note's send to the WMS FIFO queue lands inside SQS's deduplication window however long the
call takes (decision 232): the publisher starts a send at most SAFE_RESEND_SECONDS after the note's
first attempt, and the SQS client gives up within its worst case, retries included."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

from shared.aws import clients
from shared.outbox.publish import SAFE_RESEND_SECONDS

SQS_DEDUPLICATION_WINDOW_SECONDS = 300


@pytest.fixture
def sqs_client(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "cn-north-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients.reset()
    yield clients.client("sqs")
    clients.reset()


def test_the_sqs_client_the_functions_build_is_bounded_inside_the_window(sqs_client):
    config = sqs_client.meta.config
    assert (config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]) == (1, 2, 3)
    assert SAFE_RESEND_SECONDS + clients.worst_case_seconds(config) < SQS_DEDUPLICATION_WINDOW_SECONDS


def test_other_services_keep_the_longer_default(sqs_client):
    assert clients.client("dynamodb").meta.config.read_timeout == 30


class _Silent:
    """A TCP server that accepts and never answers: every attempt reads to its timeout."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def test_the_worst_case_holds_against_botocore_s_own_retries(monkeypatch):
    """The bound's formula checked against the real client: a server that never answers, the SQS
    config's shape with short timeouts; every attempt is made and the call ends within the bound."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = _Silent()
    try:
        import botocore.session

        config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=0.2, read_timeout=0.3)
        port = server.sock.getsockname()[1]
        sqs = botocore.session.get_session().create_client("sqs", region_name="cn-north-1", endpoint_url=f"http://127.0.0.1:{port}", config=config)
        started = time.monotonic()
        with pytest.raises((ReadTimeoutError, ConnectTimeoutError)):
            sqs.send_message(QueueUrl=f"http://127.0.0.1:{port}/123456789012/wms.fifo", MessageBody="{}", MessageDeduplicationId="n", MessageGroupId="o")
        took = time.monotonic() - started
    finally:
        server.close()
    assert len(server.accepted) == 3  # every attempt the config allows was made
    assert 3 * 0.3 <= took <= clients.worst_case_seconds(config)
