"""botocore clients, created once per process and reused (creating one costs ~50 ms of model loading).

botocore, not boto3: the functions use clients only, and importing boto3 adds its session,
resources and s3transfer to every cold start (decision 158). The endpoint comes from botocore's
own AWS_ENDPOINT_URL, which the local runtime points at moto.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.loaders import create_loader

# One client per service is shared by every thread of the process, and botocore keeps at most
# max_pool_connections open connections per client (10 by default); a thread beyond that opens a
# connection and drops it after its call (urllib3 logs "Connection pool is full"), paying a new TLS
# handshake each time under load. So the pool covers the most threads any oms process runs against
# one client: the stuck-order detector's act threads (recovery/detect_stuck.ACT_WORKERS) and the
# console's stuck list (operations/stuck.PARALLEL_QUERIES), 16 each. A new thread pool that uses
# these clients keeps within it (tests/unit/test_client_pool.py, decision 187). Connections open
# only when used, so an idle slot costs nothing.
MAX_POOL_CONNECTIONS = 16
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=30, max_pool_connections=MAX_POOL_CONNECTIONS
)
# SQS answers in milliseconds and no function long-polls (ReceiveMessage with WaitTimeSeconds 0
# at most), so its calls get a bound on their whole time, retries included: a note's send to the
# WMS FIFO queue may start up to SAFE_RESEND_SECONDS (270 s) after its first attempt and must land
# inside SQS's 5-minute deduplication window, or a repeat would reach the WMS (decision 232). With
# the default config above one send could take 5 × 33 s plus about a minute of backoff.
SQS_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=2, max_pool_connections=MAX_POOL_CONNECTIONS
)
_CONFIGS = {"sqs": SQS_CONFIG}
# botocore's standard retry mode waits up to min(scale * 2 ** (n - 1), 20) s after attempt n (scale
# 1 s for throttling, less otherwise), raised by an x-amz-retry-after header by at most 5 s more.
_STANDARD_MAX_BACKOFF, _RETRY_AFTER_MAX_ADDITIONAL = 20, 5


def worst_case_seconds(config: Config) -> float:
    """The longest one call can take under `config` before botocore gives up: every attempt
    connecting and reading to its timeout, and the longest wait before each retry."""
    retries = config.retries or {}
    # botocore's `max_attempts` counts retries, `total_max_attempts` the first call as well
    attempts = retries.get("total_max_attempts", retries.get("max_attempts", 2) + 1)
    waits = sum(min(2 ** (n - 1), _STANDARD_MAX_BACKOFF) + _RETRY_AFTER_MAX_ADDITIONAL for n in range(1, attempts))
    return attempts * (config.connect_timeout + config.read_timeout) + waits


def config_of(service: str) -> Config:
    return _CONFIGS.get(service, _CONFIG)


_lock = threading.Lock()
_clients: dict[str, Any] = {}
# Decoded service models, kept for the process: a new session (after reset()) then builds its
# clients in milliseconds instead of decoding each model's JSON again.
_models = create_loader()


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:  # botocore's session is not safe to build clients from many threads at once
        if service not in _clients:
            _clients[service] = _new_client(service)
        return _clients[service]


def prime(services: list[str] | tuple[str, ...]) -> None:
    """Decodes the services' models into the process's loader, as building their clients would,
    through throwaway clients with placeholder credentials that are never used nor resolved: no
    credential, no connection is kept. Before a SnapStart snapshot (shared/snapstart.py): a restored
    environment then builds its real clients, with the credentials it has then, in milliseconds."""
    with _lock:
        for service in services:
            _new_client(service, aws_access_key_id="unused", aws_secret_access_key="unused")


def _new_client(service: str, **credentials: str) -> Any:
    """A client from a new session that decodes its model through the process's loader; the
    caller holds _lock. `credentials` only for prime()'s throwaway clients."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _models)
    return session.create_client(service, config=config_of(service), **credentials)


def drop_connections() -> int:
    """Closes the pooled connections of every client built so far, keeping the clients (they
    reconnect on their next call): after a SnapStart restore a connection opened before the
    snapshot is dead (shared/snapstart.py). Returns how many clients there were."""
    with _lock:
        for built in _clients.values():
            built._endpoint.http_session.close()  # botocore's URLLib3Session: clears its pool managers
        return len(_clients)


def reset() -> None:
    """Forget every client (tests switch endpoints and credentials between cases)."""
    with _lock:
        _clients.clear()


def resource_name(env_var: str) -> str:
    """The table name, queue URL, bus name or state-machine ARN a function was configured with."""
    try:
        return os.environ[env_var]
    except KeyError:
        raise RuntimeError(f"{env_var} is not set: the function's configuration is incomplete") from None
