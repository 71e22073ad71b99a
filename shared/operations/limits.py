"""How long an order may stay in each open status before it counts as stuck: ONE table for the
stuck-order detector and the console's figures (health index, stuck orders by status).

The table is cdk.json's `oms:stuckOrders` of the environment; infra/topology.py hands it to the
functions that need it as the setting STUCK_LIMITS_SECONDS (JSON {status: seconds}), exactly as
the detector gets it (shared/recovery/policy.py). A process without the setting (a test, a
benchmark, a script on a checkout) reads the "local" entry of cdk.json itself."""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from shared.lifecycle import OrderStatus

LIMITS_ENV = "STUCK_LIMITS_SECONDS"
S = OrderStatus
# The statuses an order waits in (not final): each needs a limit in every environment.
OPEN_STATUSES = (S.RECEIVED, S.APPROVED, S.ROUTED, S.RESERVED, S.EXCEPTION, S.ON_HOLD, S.RELEASED, S.DELIVERY_EXCEPTION, S.BACKORDERED, S.SHIPPED)
# Statuses with a limit that the aggregates do not count (decision 124): the stuck-order detector
# escalates an order past it all the same, so the console's stuck list shows it too.
UNCOUNTED_STATUSES = (S.RETURN_PENDING,)


def stage_limit_minutes() -> Mapping[OrderStatus, int]:
    """{open status: limit in minutes} of this environment."""
    return MappingProxyType(_limits())


def stuck_list_limit_minutes() -> Mapping[OrderStatus, int]:
    """{status: limit in minutes} of every status the stuck-order detector watches here: the open
    statuses and those of UNCOUNTED_STATUSES the environment gives a limit."""
    raw = os.environ.get(LIMITS_ENV) or _local_limits()
    return MappingProxyType({**_parse(raw), **_uncounted(raw)})


@lru_cache(maxsize=8)
def _uncounted(raw: str) -> dict[OrderStatus, int]:
    seconds = json.loads(raw)
    return {s: max(1, math.ceil(int(seconds[s.value]) / 60)) for s in UNCOUNTED_STATUSES if s.value in seconds}


def limit_minutes(status: OrderStatus) -> int:
    return _limits()[status]


def _limits() -> dict[OrderStatus, int]:
    raw = os.environ.get(LIMITS_ENV) or _local_limits()
    return _parse(raw)


def longest_limit_hours(statuses: tuple[OrderStatus, ...]) -> int:
    limits = stage_limit_minutes()
    return max((math.ceil(limits[s] / 60) for s in statuses), default=1)


@lru_cache(maxsize=8)
def _parse(raw: str) -> dict[OrderStatus, int]:  # cached: callers must not change it
    seconds = {OrderStatus(status): int(value) for status, value in json.loads(raw).items()}
    missing = [s.value for s in OPEN_STATUSES if s not in seconds]
    if missing:
        raise ValueError(f"{LIMITS_ENV} has no limit for {missing} (cdk.json oms:stuckOrders)")
    return {s: max(1, math.ceil(seconds[s] / 60)) for s in OPEN_STATUSES}


@lru_cache(maxsize=1)
def _local_limits() -> str:
    from infra.topology import stuck_order_limits  # a checkout's cdk.json; never reached on Lambda

    limits, _ = stuck_order_limits("local")
    return json.dumps(limits, sort_keys=True)
