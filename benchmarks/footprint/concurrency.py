"""Lambda concurrency against an account quota (decision 205): what a deployment must have room
for at a rate of orders, per function.

A queue consumer takes at most its trigger's maximum concurrency (ScalingConfig, infra/topology.py
QUEUES): it is counted at that cap, the most a flood on its queue can hold, whatever the order
rate; when the model asks more of it than its cap, its queue backs up at that rate. A function
without a cap (the workflow's steps, the APIs, the stream consumer) is counted at its modelled
concurrency, scaled linearly from the model's rate. A scheduled function is counted once.

The modelled concurrency is the footprint model's (model.py): the CPU measured on the local
runtime stretched below a full vCPU, plus a typical latency per AWS request. It is a model, not a
measurement on Lambda, and moves about ±30% with the measuring machine's load; headroom below
about 1.5× is within that error."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from infra import topology


def caps() -> dict[str, int]:
    """Each queue consumer's cap: the sum of its queues' maximum concurrency."""
    found: dict[str, int] = defaultdict(int)
    for queue in topology.QUEUES:
        if queue.consumer and queue.max_concurrency:
            found[queue.consumer] += queue.max_concurrency
    return dict(found)


def need(lambdas: dict[str, dict[str, Any]], model_rate: float, rate: float) -> dict[str, Any]:
    """Per function at `rate` orders/s: the modelled concurrency, its cap and what it is counted
    at; and their sum, the concurrency the account must have room for."""
    capped = caps()
    scheduled = {s.function for s in topology.SCHEDULES} - set(capped)
    rows: dict[str, dict[str, Any]] = {}
    for function in sorted(set(lambdas) | set(capped) | scheduled):
        modelled = lambdas[function]["concurrency"] * rate / model_rate if function in lambdas else 0.0
        cap = capped.get(function)
        counted = float(cap) if cap is not None else (modelled if function not in scheduled else max(1.0, modelled))
        rows[function] = {"modelled": modelled, "cap": cap, "counted": counted, "backs_up": cap is not None and modelled > cap}
    return {"rate": rate, "functions": rows, "total": sum(r["counted"] for r in rows.values())}


def against(quota: int, planned: dict[str, Any], at_throttle: dict[str, Any]) -> dict[str, Any]:
    """A quota against the need at the planned rate and at the environment's API throttle (the
    most orders per second its API lets in)."""
    return {
        "quota": quota,
        "need": planned["total"],
        "headroom": quota / planned["total"] if planned["total"] else math.inf,
        "throttle_rate": at_throttle["rate"],
        "need_at_throttle": at_throttle["total"],
        "headroom_at_throttle": quota / at_throttle["total"] if at_throttle["total"] else math.inf,
    }
