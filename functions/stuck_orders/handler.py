"""Scheduled every minute: orders past their status's time limit are re-driven or escalated
(shared/recovery/detect_stuck.py); the figures go out as metrics the stuck-order alarms watch."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.messaging import enqueue_for_fulfilment, publish, start_fulfilment
from shared.aws.stores import order_store
from shared.observability import logger, metrics
from shared.recovery.detect_stuck import detect_stuck_orders
from shared.recovery.policy import StuckPolicy


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = detect_stuck_orders(
        order_store(),
        StuckPolicy.from_env(),
        enqueue_for_fulfilment,
        lambda order_id, resume_at, run: start_fulfilment(order_id, resume_at=resume_at, run_name=run),
        publish,
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    metrics.add_metric(name="OrdersStuck", unit="Count", value=sum(report.stuck.values()))
    metrics.add_metric(name="OrdersRedriven", unit="Count", value=len(report.redriven))
    metrics.add_metric(name="StuckOrdersEscalated", unit="Count", value=len(report.escalated))
    metrics.add_metric(name="OrdersInException", unit="Count", value=report.counted.get("EXCEPTION", 0))
    if report.detection_delays:
        metrics.add_metric(name="StuckOrderDetectionDelay", unit="Seconds", value=max(report.detection_delays))
    if report.redriven or report.escalated:
        logger.warning("stuck orders", extra={"stuck": report.stuck, "redriven": report.redriven, "escalated": report.escalated})
    return {"stuck": report.stuck, "redriven": report.redriven, "escalated": report.escalated, "counted": report.counted}
