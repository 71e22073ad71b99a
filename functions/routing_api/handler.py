"""Routing what-if API (IAM-authorised): replay a candidate routing policy (rate cards, strategy,
split limit, carrier rules) on the last N stored orders, against the policy in force, priced in
yuan, with the exact cost optimum as the reference. Reads only.

GET  /routing/policy   the policy in force: strategies, the one per channel, each warehouse's carriers
POST /routing/whatif   {"candidate": {...}, "last": 500}
"""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from shared.aws.stores import inventory_store, order_history
from shared.http_api import build_resolver, json_response
from shared.observability import logger
from shared.openapi_contract import iam_http_function
from shared.routing import RoutingConfigError
from shared.routing_whatif.candidate import CandidatePolicy
from shared.routing_whatif.in_force import RoutingPolicyInForce, policy_in_force
from shared.routing_whatif.report import RoutingWhatIfReport
from shared.routing_whatif.usecase import MAX_REPLAY_ORDERS, routing_what_if

app = build_resolver()


class RoutingWhatIf(BaseModel):
    candidate: CandidatePolicy = Field(description="What changes against the configuration in force")
    last: int = Field(default=500, ge=1, le=MAX_REPLAY_ORDERS, description="How many of the most recently stored orders")


@app.exception_handler(RoutingConfigError)
def _refused(error: RoutingConfigError):
    problems = [{"field": "candidate", "rule": "routing_configuration", "message": p} for p in error.problems]
    return json_response(400, {"message": "the candidate routing policy is refused", "errors": problems})


@app.get("/routing/policy", summary="The routing policy in force: its strategies, the strategy per channel, the carriers each warehouse may use")
def get_policy() -> RoutingPolicyInForce:
    return policy_in_force(inventory_store().warehouses())


@app.post("/routing/whatif", summary="Replay a candidate routing policy on the last N stored orders, against the policy in force")
def post_what_if(request: Annotated[RoutingWhatIf, Body()]) -> RoutingWhatIfReport:
    report = routing_what_if(request.last, request.candidate, order_history(), inventory_store())
    logger.info("routing what-if", extra={"orders": report.orders, "changed": report.changed_count, "cost_delta": str(report.cost_delta_total)})
    return report


ANSWERS = {
    "POST /routing/whatif": {400: "the candidate policy is refused (each problem named), or a parameter breaks a rule"},
}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
