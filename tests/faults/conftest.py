"""The fault-injection suite runs on its own embedded runtime: its stock and queues are its own."""

from __future__ import annotations

import pytest

from local.fault_scenarios import stock_up
from local.faults import FaultInjector
from local.runtime import LocalRuntime
from local.seed import load_seed


@pytest.fixture(scope="package")
def faulty_runtime() -> tuple[LocalRuntime, FaultInjector]:
    # Its own resource names: moto keeps the state of an earlier runtime in this process (tests/e2e).
    with LocalRuntime(log_level="ERROR", prefix="oms-faults") as started:
        load_seed()
        stock_up(500)
        injector = FaultInjector().install(started)
        yield started, injector
        injector.uninstall()
