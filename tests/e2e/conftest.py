"""Whole flows on the embedded runtime, over HTTP on 127.0.0.1, as a user of `make demo` sees them."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest

from local.demo import SETTLED, http
from local.runtime import LocalRuntime
from local.seed import load_seed

_serial = itertools.count(1)


@pytest.fixture(scope="package")  # stopped before other packages run: its threads use the process's stores
def runtime() -> LocalRuntime:
    with LocalRuntime() as started:
        load_seed()
        yield started


def unique(order: dict[str, Any]) -> dict[str, Any]:
    """The same sample with an external id, a buyer and a house number no other test uses (review
    holds the same buyer's same lines minutes apart as a duplicate, and many orders to one address)."""
    serial = f"e2e{next(_serial)}-{time.time_ns()}"
    receiver = {**order["receiver"], "detail": f"{order['receiver']['detail']} {serial}"} if order.get("receiver") else None
    return {**order, "external_id": f"{order['external_id']}-{serial}", "buyer": {**order["buyer"], "buyer_id": f"{order['buyer']['buyer_id']}-{serial}"}, "receiver": receiver}


def post_order(runtime: LocalRuntime, order: dict[str, Any]) -> str:
    status, answer = http("POST", f"{runtime.api_url}/orders", json.dumps(order).encode())
    assert status == 202, answer
    return answer["order_id"]


def settle(runtime: LocalRuntime, order_id: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, details = http("GET", f"{runtime.api_url}/orders/{order_id}")
        if status == 200 and details["order"]["status"] in SETTLED:
            return details
        time.sleep(0.05)
    raise AssertionError(f"order {order_id} did not settle: {details}")


def execution_status(runtime: LocalRuntime, order_id: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e["status"] for e in runtime.executions() if e["name"] == order_id]
        if found and found[0] != "RUNNING":
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"execution {order_id} still running")


def transitions(details: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["from_status"], e["to_status"]) for e in details["timeline"] if e["kind"] == "transition"]
