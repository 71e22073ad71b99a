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

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=30)
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
            session = botocore.session.get_session()
            session.register_component("data_loader", _models)
            _clients[service] = session.create_client(service, config=_CONFIG)
        return _clients[service]


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
