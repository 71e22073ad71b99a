"""EventBridge schedules, locally: a thread per schedule calls its handler with a Scheduled Event.

How often (`schedule_period`, decision 219): by default ("aws") at the schedule's own rate, as
EventBridge runs it (every minute for the outbox, stuck-order, reservation, stock-push and health
schedules, every 5 minutes for holds, reconciliation and merging). "scaled" runs them at the rate
scaled by the runtime's time scale, at least every MIN_SCHEDULE_SECONDS (LOCAL_SCHEDULE_SECONDS
for the heaviest two): the pace the tests and scenarios that wait for a sweep rely on. Choose it
with `LocalRuntime(schedules=...)` or $OMS_LOCAL_SCHEDULES (aws | scaled); a runtime's
`schedule_seconds` still sets one schedule's period over either.

When in its period (`schedule_phase`, decision 248): EventBridge runs a rate rule once in each of
its periods, at a second of its own within the minute, not at the same instant as every other
rule. Started together, the local schedules would all run at once every minute, a burst that on
AWS never meets the orders (each rule's function runs in its own environment) but locally shares
the orders' one interpreter. Each schedule's first run therefore comes at its own fraction of its
period, in the topology's order, and every run after it one period later."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from typing import Any

from infra.topology import Schedule
from local.moto_patches import LocalLambdaContext
from shared.clock import now_iso


SCHEDULE_PACE_ENV = "OMS_LOCAL_SCHEDULES"
PACES = ("aws", "scaled")
# "scaled": a schedule runs every `every_minutes` scaled by the time scale, but not more often than
# this: each run of a scan (outbox, holds, reservations, reconciliation) is a few index queries, and
# moto reads a whole table for each, so at 2 s the four minute-rate scans took a fifth of the
# runtime's CPU under load (decision 94). 5 s keeps a crashed publish or an expired hold handled
# within seconds.
MIN_SCHEDULE_SECONDS = 5.0
# "scaled", unscaled periods: a stuck-order scan reads every shard of the status index for each status
# (dozens of queries, each O(table) on moto), and the local limits are minutes (cdk.json "local"),
# so every 15 s keeps detection within the limit + 15 s without loading the machine.
# The health snapshot reads every dimension's gauges and writes its history (about 75 requests):
# every 2 s it kept the serialised local DynamoDB busy enough to slow every page; every 10 s
# still gives each minute of the history its point.
LOCAL_SCHEDULE_SECONDS = {"detect_stuck_orders": 15.0, "snapshot_order_health": 10.0}


def schedule_pace(chosen: str | None = None) -> str:
    """The runtime's pace: the one chosen, else $OMS_LOCAL_SCHEDULES, else "aws"."""
    pace = chosen or os.environ.get(SCHEDULE_PACE_ENV) or "aws"
    if pace not in PACES:
        raise ValueError(f"schedule pace {pace!r}: one of {', '.join(PACES)} (${SCHEDULE_PACE_ENV})")
    return pace


def schedule_period(schedule: Schedule, pace: str, time_scale: float, overrides: dict[str, float] | None = None) -> float:
    """Seconds between two runs of `schedule` locally."""
    if overrides and schedule.key in overrides:
        return overrides[schedule.key]
    if pace == "aws":  # EventBridge's rate (a nightly cron runs once a day from the start)
        return schedule.every_minutes * 60.0
    return LOCAL_SCHEDULE_SECONDS.get(schedule.key, max(schedule.every_minutes * 60 * time_scale, MIN_SCHEDULE_SECONDS))


def schedule_phase(index: int, count: int, period: float) -> float:
    """Seconds before the first run of the `index`th of `count` schedules: (index + 1) / count of its
    period, so the schedules of one rate are spread evenly over it and the last runs a full period
    after the start, as every schedule did before decision 248."""
    if not 0 <= index < count:
        raise ValueError(f"schedule {index} of {count}")
    return period * (index + 1) / count


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
        first_after: float | None = None,
    ):
        self.rule_name, self.function_name, self.handler, self.payload = rule_name, function_name, handler, payload
        self.every_seconds, self.region = every_seconds, region
        # Seconds before the first run (its phase in the period): a period unless the runtime spreads them.
        self.first_after = every_seconds if first_after is None else first_after
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
        wait = self.first_after
        while not self._stop.wait(wait):
            wait = self.every_seconds
            if self.paused.is_set():
                continue
            try:
                self.handler(scheduled_event(self.rule_name, self.region, self.payload), LocalLambdaContext(self.function_name, timeout_s=self.timeout_seconds))
            except Exception:  # EventBridge would retry; the next tick is our retry
                self.failures += 1
            self.runs += 1
