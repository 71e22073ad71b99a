"""SQS long polls as Lambda's pollers make them, without a request a second (decision 221;
installed from local/moto_speed.py, guarded by the same pinned-version test).

Lambda's event source mapping long-polls a queue for up to 20 s. The local pollers asked for 1 s,
so that a stopping runtime's poller came back within a second (decision 111), and paid for it with
a ReceiveMessage every second per queue, through botocore, the transport and moto's request
handling: about 18 requests a second from an idle runtime, half of its idle CPU. moto itself
serves a long poll as passes over the queue with a one-second wait between them, woken early when
a message arrives. Here a long poll of more than a second is served as consecutive one-second
receives inside moto (no new request), which end as soon as one returns messages, when the poll's
time is up, or when the thread that asked has been told to stop waiting (`stop_waiting_when`, a
predicate the local pollers set for their own thread: they are stopping or paused). Each pass is
moto's own receive, so visibility, receive counts, dead-lettering and FIFO groups are moto's; a
FIFO group that another consumer frees during the poll can be delivered within it (moto took the
groups in flight once per request; AWS delivers them as they free).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from moto.sqs.models import SQSBackend

_lock = threading.Lock()
_original_receive_message = SQSBackend.receive_message
_waiting = threading.local()
PASS_SECONDS = 1


def stop_waiting_when(stopped: Callable[[], bool] | None) -> None:
    """For this thread's long polls: end one (empty) once `stopped()` is true."""
    _waiting.stopped = stopped


def _receive_message(self: SQSBackend, queue_name: str, count: int, wait_seconds_timeout: int, *args: Any, **kwargs: Any) -> Any:
    if not wait_seconds_timeout or wait_seconds_timeout <= PASS_SECONDS:
        return _original_receive_message(self, queue_name, count, wait_seconds_timeout, *args, **kwargs)
    deadline = time.monotonic() + wait_seconds_timeout
    stopped = getattr(_waiting, "stopped", None)
    while True:
        messages = _original_receive_message(self, queue_name, count, PASS_SECONDS, *args, **kwargs)
        if messages or time.monotonic() >= deadline or (stopped is not None and stopped()):
            return messages


def install() -> None:
    with _lock:
        SQSBackend.receive_message = _receive_message
