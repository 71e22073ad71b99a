"""Operator recovery: retry an order out of EXCEPTION at the step that failed, and act on many
orders at once (bulk retry, bulk approval of held orders) with one result per order.

The step that failed is the status the order was in when its workflow gave up (recorded as
`failed_status` by shared/usecases/record_exception.py). A retry moves the order back to where
that step starts and starts a run there, named after the retrying version so a repeated request
cannot start a second run:

  failed in      the order goes back to   the run starts at
  RECEIVED       RECEIVED                 Review
  ON_HOLD        ON_HOLD                  (none: a person decides, in the review queue)
  APPROVED       APPROVED                 Route
  ROUTED         APPROVED                 Route (any stock a reservation left held is given back)
  BACKORDERED    APPROVED                 Route
  RESERVED       RESERVED                 ReleaseToWarehouse, when all its stock is still held;
                 APPROVED                 Route otherwise (what is left held is given back first)
  RELEASED       RELEASED                 ReleaseToWarehouse (announces its notes again; the WMS
                                          drops repeats by note id)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.errors import IllegalTransition, OmsError, OrderNotFound, VersionConflict
from shared.lifecycle import Actor, ActorKind, OrderStatus, transition_entry
from shared.problems import InputRejected, NonBlank
from shared.recovery.policy import Resume
from shared.usecases.retry import on_version_conflict
from shared.usecases.settle_reservations import release_reservation

StartRun = Callable[[str, str, str], object]  # (order id, resume_at, run name)
MAX_BULK = 100

S = OrderStatus


class RetryRequest(BaseModel):
    operator: NonBlank = Field(min_length=1, max_length=100)
    reason: NonBlank = Field(min_length=1, max_length=500)


class BulkRetryRequest(RetryRequest):
    order_ids: list[str] = Field(min_length=1, max_length=MAX_BULK)


class NotInException(OmsError):
    def __init__(self, order_id: str, status: str):
        super().__init__(f"order {order_id} is {status}, not EXCEPTION: there is nothing to retry")
        self.order_id, self.status = order_id, status


class Retried(BaseModel):
    order_id: str
    failed_status: OrderStatus
    status: OrderStatus
    resume_at: str | None = Field(description="Where the new run starts; none when a person decides next")
    run: str | None = None


class BulkResult(BaseModel):
    order_id: str
    outcome: Literal["done", "refused", "not_found", "busy"]
    status: str | None = None
    message: str = ""


def failed_status_of(order: StoredOrder, orders: OrderStore) -> OrderStatus:
    """The recorded failed step, or (orders that failed before it was recorded) the timeline's."""
    if order.failed_status is not None:
        return order.failed_status
    entries = [e for e in orders.details(order.order_id).timeline if e.kind == "transition" and e.to_status == S.EXCEPTION]
    return entries[-1].from_status if entries and entries[-1].from_status else S.RECEIVED


def retry_order(
    order_id: str, request: RetryRequest, orders: OrderStore, inventory: InventoryStore, start_run: StartRun
) -> Retried:
    retried = on_version_conflict(lambda: _retry(orders.load(order_id), request, orders, inventory))
    if retried.resume_at and retried.run:
        start_run(order_id, retried.resume_at, retried.run)
    return retried


def _retry(current: StoredOrder, request: RetryRequest, orders: OrderStore, inventory: InventoryStore) -> Retried:
    if current.status != S.EXCEPTION:
        raise NotInException(current.order_id, current.status)
    failed = failed_status_of(current, orders)
    to_status, resume = _resumption(current, failed, inventory)
    if to_status == S.APPROVED:  # routed again from scratch: nothing of the old attempt stays held
        release_reservation(current.order_id, f"retry after an exception in {failed.value}: routing again", inventory)
    actor = Actor(kind=ActorKind.OPERATOR, name=request.operator)
    moved = orders.transition(
        current,
        to_status,
        transition_entry(current.status, to_status, actor, reason=request.reason, failed_status=failed.value, resume_at=resume.value if resume else None),
    )
    run = f"{current.order_id}-retry-v{moved.version}" if resume else None
    return Retried(order_id=current.order_id, failed_status=failed, status=to_status, resume_at=resume.value if resume else None, run=run)


def _resumption(current: StoredOrder, failed: OrderStatus, inventory: InventoryStore) -> tuple[OrderStatus, Resume | None]:
    if failed == S.RECEIVED:
        return S.RECEIVED, Resume.REVIEW
    if failed == S.ON_HOLD:
        return S.ON_HOLD, None
    if failed == S.RELEASED:
        return S.RELEASED, Resume.RELEASE
    if failed == S.RESERVED and current.plan is not None and _plan_held(current, inventory):
        return S.RESERVED, Resume.RELEASE
    if failed in (S.APPROVED, S.ROUTED, S.RESERVED, S.BACKORDERED):
        return S.APPROVED, Resume.ROUTE
    raise IllegalTransition(current.order_id, current.status, failed)


def _plan_held(current: StoredOrder, inventory: InventoryStore) -> bool:
    """Every line of the order's plan is HELD, as planned, and nothing else is: the release can go
    on. Lines an earlier reservation released or committed (records of an older version, decision
    183) do not count against it."""
    planned: Counter[tuple[str, str]] = Counter()
    for shipment in current.plan.shipments:
        for line in shipment.lines:
            planned[(shipment.warehouse_id, line.sku)] += line.quantity
    held: Counter[tuple[str, str]] = Counter()
    for line in inventory.reservations(current.order_id):
        if line.state == "HELD":
            held[(line.warehouse_id, line.sku)] += line.quantity
    return bool(planned) and held == planned


def for_each(order_ids: Sequence[str], act: Callable[[str], StoredOrder | Retried]) -> list[BulkResult]:
    """Runs `act` on each order, alone: one order's refusal does not stop the others."""
    results = []
    for order_id in dict.fromkeys(order_ids):  # once each, in the order given
        try:
            done = act(order_id)
            results.append(BulkResult(order_id=order_id, outcome="done", status=done.status.value))
        except OrderNotFound as missing:
            results.append(BulkResult(order_id=order_id, outcome="not_found", message=str(missing)))
        except VersionConflict as busy:
            results.append(BulkResult(order_id=order_id, outcome="busy", message=f"{busy}; try again"))
        except InputRejected as refused:
            results.append(BulkResult(order_id=order_id, outcome="refused", message="; ".join(p.message for p in refused.problems)))
        except OmsError as refused:
            results.append(BulkResult(order_id=order_id, outcome="refused", message=str(refused)))
    return results
