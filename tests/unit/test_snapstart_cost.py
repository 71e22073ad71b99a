"""SnapStart's price in the footprint model (benchmarks/footprint/snapstart.py, decision 200)."""

import pytest

from benchmarks.footprint.model import load_prices
from benchmarks.footprint.snapstart import SECONDS_PER_MONTH, snapstart_cost
from infra import topology


def test_the_cache_is_a_monthly_charge_per_gb_of_each_snapstart_functions_memory():
    prices = load_prices()
    memory = {f.key: 1024 for f in topology.FUNCTIONS}  # 1 GB each
    cost = snapstart_cost(prices, memory, {})
    assert cost["functions"] == len(topology.SNAPSTART_FUNCTIONS)
    # 730 h × 3,600 s × $0.0000015046 per GB-second = $3.95 a GB-month
    assert cost["cache_usd_per_month"] == pytest.approx(len(topology.SNAPSTART_FUNCTIONS) * 3.954, rel=1e-3)
    assert cost["deploy_usd_at_most"] == pytest.approx(len(topology.SNAPSTART_FUNCTIONS) * 10800 * 0.0000015046)
    assert SECONDS_PER_MONTH == 2_628_000


def test_a_promotion_restores_one_environment_per_concurrent_execution_at_the_peak():
    prices = load_prices()
    memory = {f.key: f.memory_mb for f in topology.FUNCTIONS} | {"routing": 2048}
    lambdas = {"routing": {"concurrency": 99.2}, "parcel_updates": {"concurrency": 50.0}}  # the latter has no snapshot
    cost = snapstart_cost(prices, memory, lambdas)
    assert cost["cold_starts_per_promotion"] == {"routing": 100}
    assert cost["restore_usd_per_cold_start"]["routing"] == pytest.approx(2 * 0.0001397998)
    assert cost["restore_usd_per_promotion"] == pytest.approx(100 * 2 * 0.0001397998)
