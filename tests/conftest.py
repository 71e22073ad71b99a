"""Settings every test shares: no real AWS is ever reachable, Powertools stays quiet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from local.samples import load_event  # noqa: F401  (shared with the benchmarks; the tests' name for it)

os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "oms")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "oms")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
# The local runtime's schedules at the scaled pace the tests wait for (sweeps within seconds), not
# at their AWS rates, the runtime's default (local/scheduler.py, decision 219).
os.environ.setdefault("OMS_LOCAL_SCHEDULES", "scaled")

# Which tests share a worker under pytest-xdist, and the order the groups are handed out in.
pytest_plugins = ["tests.scheduling"]

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


@pytest.fixture
def shanghai_order() -> dict:
    return load_event("orders/01_own_shop_shanghai.json")
