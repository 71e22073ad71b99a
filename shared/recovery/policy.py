"""How long an order may stay in each status before it counts as stuck, and what is done then.

The limits come per environment from cdk.json (infra/topology.py: function_settings), as the
function setting STUCK_LIMITS_SECONDS. A status whose next step oms itself takes is re-driven
(RECEIVED: queued again; APPROVED, ROUTED, RESERVED: a new workflow run resumes at the step it
waits on); a status that waits on somebody else (a warehouse, a carrier, replenishment) is
escalated at once; EXCEPTION is a person's already and is only counted; ON_HOLD has its own
escalator (shared/usecases/escalate_holds.py), which reads the same limit."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import StrEnum

from shared.lifecycle import OrderStatus

LIMITS_ENV = "STUCK_LIMITS_SECONDS"
MAX_REDRIVES_ENV = "STUCK_MAX_REDRIVES"


class Resume(StrEnum):
    """Where a re-driven order starts again: the intake queue, or a state of the workflow's
    StartOrResume choice (statemachines/order_fulfilment.asl.json)."""

    INTAKE_QUEUE = "intake queue"
    REVIEW = "Review"
    ROUTE = "Route"  # APPROVED routes; ROUTED gets its stored plan back and reserves it
    RELEASE = "ReleaseToWarehouse"


REDRIVE: dict[OrderStatus, Resume] = {
    OrderStatus.RECEIVED: Resume.INTAKE_QUEUE,  # the first time; then a run at Review
    OrderStatus.APPROVED: Resume.ROUTE,
    OrderStatus.ROUTED: Resume.ROUTE,
    OrderStatus.RESERVED: Resume.RELEASE,
}
# RETURN_PENDING waits on the buyer sending the goods back and the warehouse receiving them (decision 124).
ESCALATE_ONLY = frozenset({OrderStatus.RELEASED, OrderStatus.SHIPPED, OrderStatus.DELIVERY_EXCEPTION, OrderStatus.BACKORDERED, OrderStatus.RETURN_PENDING})
COUNTED = frozenset({OrderStatus.EXCEPTION})
OWN_ESCALATOR = frozenset({OrderStatus.ON_HOLD})


@dataclass(frozen=True)
class StuckPolicy:
    limits: dict[OrderStatus, int]  # seconds
    max_redrives: int

    @classmethod
    def from_env(cls) -> StuckPolicy:
        raw = os.environ.get(LIMITS_ENV)
        if not raw:
            raise RuntimeError(f"{LIMITS_ENV} is not set: the stuck-order limits come from cdk.json through the topology")
        return cls.parse(json.loads(raw), int(os.environ.get(MAX_REDRIVES_ENV, "3")))

    @classmethod
    def parse(cls, limits: dict[str, int], max_redrives: int) -> StuckPolicy:
        parsed = {OrderStatus(status): int(seconds) for status, seconds in limits.items()}
        bad = [s for s, seconds in parsed.items() if seconds <= 0]
        if bad:
            raise ValueError(f"stuck-order limits must be positive: {bad}")
        if max_redrives < 0:
            raise ValueError("max_redrives must be 0 or more")
        return cls(limits=parsed, max_redrives=max_redrives)

    def scanned(self) -> list[tuple[OrderStatus, int]]:
        """The statuses the detector scans (with their limits), the ones it can act on first."""
        order = [*REDRIVE, *sorted(ESCALATE_ONLY)]
        return [(status, self.limits[status]) for status in order if status in self.limits]
