"""Named domain errors. The class name is the error name Step Functions matches in Retry/Catch."""

from __future__ import annotations


class OmsError(Exception):
    """Base of every error oms raises on purpose."""


class OrderNotFound(OmsError):
    def __init__(self, order_id: str):
        super().__init__(f"order {order_id} does not exist")
        self.order_id = order_id


class IllegalTransition(OmsError):
    def __init__(self, order_id: str, from_status: str, to_status: str):
        super().__init__(f"order {order_id}: {from_status} -> {to_status} is not an allowed transition")
        self.from_status, self.to_status = from_status, to_status


class VersionConflict(OmsError):
    """Another writer changed the order first (optimistic lock lost): re-read and decide again."""

    def __init__(self, order_id: str, expected_version: int):
        super().__init__(f"order {order_id} changed since version {expected_version}")
        self.order_id, self.expected_version = order_id, expected_version


class StockShortage(OmsError):
    """Stock ran out for some lines of a plan; routing re-plans on fresh figures."""

    def __init__(self, order_id: str, short_lines: list[dict]):
        described = ", ".join(
            f"{s['sku']}@{s['warehouse_id']} needs {s['quantity']}" for s in short_lines
        )
        super().__init__(f"order {order_id}: stock short for {described}")
        self.order_id, self.short_lines = order_id, short_lines


class StoreUnavailable(OmsError):
    """The store throttled or failed after the SDK's own retries; the workflow retries the step."""


class DependencyUnavailable(OmsError):
    """An AWS service throttled, answered with a 5xx, timed out or could not be reached after the
    SDK's own retries: a transient failure. The workflow retries the step with backoff and jitter;
    an error that is not classified so fails the step for good (EXCEPTION)."""


class ReservationInProgress(OmsError):
    """Another delivery of the same order is reserving its stock in chunks right now (it holds the
    order's reservation claim). The workflow retries; if the claim outlives the retries the run
    ends quietly, as for OrderMovedOn, and the claimant (or stuck-order detection) carries on."""

    def __init__(self, order_id: str, claimed_by: str):
        super().__init__(f"order {order_id}: another delivery ({claimed_by}) is reserving its stock")
        self.order_id, self.claimed_by = order_id, claimed_by


class EventPublishFailed(OmsError):
    """EventBridge refused some entries; the step is retried (events carry stable ids)."""


class OrderMovedOn(OmsError):
    """A step found the order past the point it handles: another execution or a person owns it
    now. The workflow ends quietly instead of overwriting (a repeated delivery, a late duplicate)."""

    def __init__(self, order_id: str, status: str, step: str):
        super().__init__(f"order {order_id} is {status}; {step} has nothing to do")
        self.order_id, self.status, self.step = order_id, status, step


class RuleSetNotFound(OmsError):
    def __init__(self, version: int):
        super().__init__(f"rule set version {version} does not exist")
        self.version = version


class RuleSetConflict(OmsError):
    """Someone else changed the rule sets first (a version number or the active set): re-read, retry.
    `field`/`rule` name what is at fault in the answer (a rollback with nothing before it: `to`)."""

    def __init__(self, message: str, field: str = "expected_revision", rule: str = "revision_conflict"):
        super().__init__(message)
        self.field, self.rule = field, rule


class StockLayoutRefused(OmsError):
    """A split of a warehouse's stock into buckets, or a merge back, cannot be done now; the
    reason says what to do first (e.g. reservations still held on it)."""

    def __init__(self, sku: str, warehouse_id: str, reason: str, rule: str = "reservations_held"):
        super().__init__(f"{sku}@{warehouse_id}: {reason}")
        self.sku, self.warehouse_id, self.reason, self.rule = sku, warehouse_id, reason, rule  # rule: the error shape's


class MovementRefused(OmsError):
    """A WMS/ERP movement would take on hand below zero. Movements travel in any order, so a
    decrease may have run ahead of the receipt it takes from: the message is retried (SQS
    re-delivers it), and one that never fits goes to the stock queue's DLQ, where a person finds
    oms's books and the warehouse's disagreeing (decision 260). Never applied in part."""

    retry_later = True  # shared/sqs_batch.py: one INFO line with the reason, not an error with its stack

    def __init__(self, delta_id: str, sku: str, warehouse_id: str, change: int):
        super().__init__(f"movement {delta_id} ({change:+d} of {sku} in {warehouse_id}) would take on hand below zero: not applied; retried, then kept in the stock queue's DLQ (count the SKU, then redrive or discard)")
        self.delta_id, self.sku, self.warehouse_id, self.change = delta_id, sku, warehouse_id, change


class UnknownWarehouse(OmsError, ValueError):
    """A WMS/ERP count or movement names a warehouse oms does not have (a typo in its id, a
    warehouse not set up yet): booking it would create stock routing never looks at. Not applied;
    the message goes to the stock queue's DLQ once its retries are spent (decision 256)."""

    def __init__(self, warehouse_id: str, what: str):
        super().__init__(f"warehouse {warehouse_id!r} is not one of oms's warehouses: {what} not applied (set the warehouse up, or fix the id, then redrive)")
        self.warehouse_id = warehouse_id
