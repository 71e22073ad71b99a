"""Workflow task: automatic review. Returns {"decision": APPROVED | ON_HOLD | REJECTED}."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import order_history, order_store, reference_store, rule_set_store
from shared.aws.transient import transient_errors_named
from shared.observability import logger
from shared.notices.announce import announce_accepted
from shared.usecases.review_order import review_order
from shared.workflow_io import OrderRef



@transient_errors_named
@logger.inject_lambda_context(correlation_id_path="order_id", clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = OrderRef.model_validate(event)
    decision = review_order(request.order_id, order_store(), rule_set_store(), reference_store(), order_history())
    logger.info("reviewed", extra={"decision": decision})
    if decision.value == "APPROVED":  # the customer's "accepted" notice (shared/notices/); a replay publishes the same event id
        announce_accepted(request.order_id, "review")
    return {"order_id": request.order_id, "decision": decision.value}
