"""The fault-injection suite runs on its own embedded runtime: its stock and queues are its own."""

from __future__ import annotations

import pytest

from local.fault_scenarios import stock_up
from local.faults import FaultInjector
from local.runtime import LocalRuntime
from local.seed import load_seed


@pytest.fixture(scope="package")
def faulty_runtime() -> tuple[LocalRuntime, FaultInjector]:
    with LocalRuntime(log_level="ERROR") as started:
        load_seed()
        stock_up(500)
        injector = FaultInjector().install(started)
        yield started, injector
        injector.uninstall()
