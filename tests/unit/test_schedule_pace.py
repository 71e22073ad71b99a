"""The local schedules' pace (local/scheduler.py, decision 219): at their AWS rates by default,
at the scaled pace the tests rely on when chosen, one schedule's period over either."""

from __future__ import annotations

import time

import pytest

from infra import topology
from local.runtime import LocalRuntime
from local.scheduler import LOCAL_SCHEDULE_SECONDS, MIN_SCHEDULE_SECONDS, SCHEDULE_PACE_ENV, LocalSchedule, schedule_pace, schedule_period, schedule_phase

STUCK_DETECTION_BOUND_S = 120  # a stuck order is found within 2 minutes of its limit


def test_the_default_pace_is_each_schedules_aws_rate(monkeypatch):
    monkeypatch.delenv(SCHEDULE_PACE_ENV, raising=False)
    runtime = LocalRuntime()
    assert runtime.schedule_pace == "aws"
    for schedule in topology.SCHEDULES:
        assert runtime._period(schedule) == schedule.every_minutes * 60
    stuck = next(s for s in topology.SCHEDULES if s.key == "detect_stuck_orders")
    assert runtime._period(stuck) <= STUCK_DETECTION_BOUND_S


def test_the_scaled_pace_is_the_one_the_tests_wait_for(monkeypatch):
    monkeypatch.setenv(SCHEDULE_PACE_ENV, "scaled")
    runtime = LocalRuntime()
    periods = {s.key: runtime._period(s) for s in topology.SCHEDULES}
    assert periods["detect_stuck_orders"] == LOCAL_SCHEDULE_SECONDS["detect_stuck_orders"] == 15.0
    assert periods["publish_pending_outbox"] == MIN_SCHEDULE_SECONDS == 5.0  # 1 min × 0.01, floored
    assert periods["reconcile_yesterday"] == pytest.approx(1440 * 60 * 0.01)
    assert LocalRuntime(schedules="aws")._period(topology.SCHEDULES[0]) == topology.SCHEDULES[0].every_minutes * 60  # the argument over the variable


def test_a_schedules_own_period_wins_over_either_pace():
    stuck = next(s for s in topology.SCHEDULES if s.key == "detect_stuck_orders")
    for pace in ("aws", "scaled"):
        assert schedule_period(stuck, pace, 0.01, {"detect_stuck_orders": 0.5}) == 0.5
    assert LocalRuntime(schedules="aws", schedule_seconds={"detect_stuck_orders": 2.0})._period(stuck) == 2.0


def test_an_unknown_pace_is_refused(monkeypatch):
    monkeypatch.setenv(SCHEDULE_PACE_ENV, "fast")
    with pytest.raises(ValueError, match="aws, scaled"):
        schedule_pace()


def test_the_schedules_of_one_rate_run_at_their_own_points_of_it():
    """EventBridge runs a rate rule at a second of its own in each period (decision 248): started
    together, the local schedules do not all run at the same instant."""
    count = len(topology.SCHEDULES)
    phases = [schedule_phase(i, count, 60.0) for i in range(count)]
    assert phases == sorted(set(phases))  # all different, in the topology's order
    assert 0 < phases[0] and phases[-1] == 60.0  # the last one runs a full period after the start
    assert min(b - a for a, b in zip(phases, phases[1:])) == pytest.approx(60.0 / count)
    with pytest.raises(ValueError):
        schedule_phase(count, count, 60.0)


def test_a_schedule_runs_first_at_its_phase_then_once_a_period():
    ran: list[float] = []
    started = time.monotonic()
    timer = LocalSchedule("oms-test-phase", "fn", lambda event, context: ran.append(time.monotonic() - started), every_seconds=0.6, region="us-east-1", first_after=0.05)
    timer.start()
    try:
        deadline = time.monotonic() + 5
        while len(ran) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        timer.stop()
    assert len(ran) >= 2
    assert ran[0] < 0.45  # at its phase, not a period after the start
    assert ran[1] - ran[0] >= 0.59  # then a period apart
