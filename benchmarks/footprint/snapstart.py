"""What Lambda SnapStart costs a stage that has it on (decision 200): list prices from
benchmarks/data/aws_prices.json, functions and memory from topology.

For Python, Lambda charges for keeping each published version's snapshot cached (per GB of the
function's memory and second, at least 3 hours per version) and for each restore (per GB of memory,
each time a new environment resumes from the snapshot). Neither depends on orders: the cache is a
fixed monthly charge per SnapStart function, the restores follow cold starts. Assumed: one cached
version per function all month (the alias's; the replaced version is deleted when a deploy's stack
update succeeds, so a deploy adds at most the 3-hour minimum of the new one), and a promotion's
ramp-up restores one environment per concurrent execution the model gives the function at the peak
(each scale-out is a restore; scale-in and out again between peaks restores again, not counted).
"""

from __future__ import annotations

import math
from typing import Any

from infra import topology

SECONDS_PER_MONTH = 730 * 3600  # AWS's pricing month


def snapstart_cost(prices: dict[str, Any], memory_mb: dict[str, int], lambdas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    price = prices["prices"]
    gb = {key: memory_mb[key] / 1024 for key in topology.SNAPSTART_FUNCTIONS}
    cached_gb = sum(gb.values())
    restore = {key: size * price["lambda_snapstart_restore_per_gb"] for key, size in gb.items()}
    cold_starts = {key: math.ceil(lambdas[key]["concurrency"]) for key in gb if key in lambdas}
    return {
        "functions": len(gb),
        "cached_gb": cached_gb,
        "cache_usd_per_month": cached_gb * SECONDS_PER_MONTH * price["lambda_snapstart_cache_per_gb_second"],
        "deploy_usd_at_most": cached_gb * price["lambda_snapstart_cache_minimum_seconds"] * price["lambda_snapstart_cache_per_gb_second"],
        "restore_usd_per_cold_start": restore,
        "cold_starts_per_promotion": cold_starts,
        "restore_usd_per_promotion": sum(count * restore[key] for key, count in cold_starts.items()),
    }
