"""EventBridge schedules, locally: a thread per schedule calls its handler with a Scheduled Event,
at the schedule's rate scaled by the runtime's time scale."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from local.moto_patches import LocalLambdaContext
from shared.clock import now_iso


def scheduled_event(rule_name: str, region: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    if payload is not None:  # a target with a constant input receives that input, not the envelope
        return dict(payload)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now_iso(),
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/{rule_name}"],
        "detail": {},
    }


class LocalSchedule:
    def __init__(
        self,
        rule_name: str,
        function_name: str,
        handler: Callable[[dict, Any], Any],
        every_seconds: float,
        region: str,
        payload: dict[str, Any] | None = None,
        timeout_seconds: int = 10,
    ):
        self.rule_name, self.function_name, self.handler, self.payload = rule_name, function_name, handler, payload
        self.every_seconds, self.region = every_seconds, region
        self.timeout_seconds = timeout_seconds  # the function's, as its context tells the handler
        self.runs = 0
        self.failures = 0
        self._stop = threading.Event()
        self.paused = threading.Event()  # set: the ticks pass without calling the handler (a disabled rule)
        self._thread = threading.Thread(target=self._run, name=f"schedule-{rule_name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.every_seconds):
            if self.paused.is_set():
                continue
            try:
                self.handler(scheduled_event(self.rule_name, self.region, self.payload), LocalLambdaContext(self.function_name, timeout_s=self.timeout_seconds))
            except Exception:  # EventBridge would retry; the next tick is our retry
                self.failures += 1
            self.runs += 1
