"""Recovery on the embedded runtime: short stuck-order limits and a fast detector, so the tests
see in seconds what takes minutes with an environment's limits (cdk.json)."""

from __future__ import annotations

import json
import time
from typing import Any

from local.demo import http

LIMIT_SECONDS = 2
DETECTOR_PERIOD = 0.5
FAST_RECOVERY = {
    "settings": {
        "STUCK_LIMITS_SECONDS": json.dumps({"RECEIVED": LIMIT_SECONDS, "APPROVED": LIMIT_SECONDS, "ROUTED": LIMIT_SECONDS, "RESERVED": LIMIT_SECONDS, "BACKORDERED": 3600, "RELEASED": 3600}),
        "STUCK_MAX_REDRIVES": "2",
    },
    "schedule_seconds": {"detect_stuck_orders": DETECTOR_PERIOD},
}


def wait_for_status(api: str, order_id: str, wanted: str, timeout: float = 25.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    details: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, details = http("GET", f"{api}/orders/{order_id}")
        if status == 200 and details["order"]["status"] == wanted:
            return details
        time.sleep(0.1)
    raise AssertionError(f"order {order_id} did not reach {wanted}: {details.get('order', {}).get('status')}")


def detector_notes(details: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in details["timeline"] if e["actor"]["name"] == "stuck-order-detector"]
