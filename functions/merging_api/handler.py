"""Order merging API (合单, IAM-authorised): price a merge, merge on an operator's decision, read
a merge, take it apart before release.

POST /merges/preview            {"order_ids": [...]}                       the priced plan, explained
POST /merges                    {"order_ids", "operator", "reason"}        merge (201); 409 with the reason
GET  /merges/{merge_id}                                                      the merge record
POST /merges/{merge_id}/unmerge {"operator", "reason"}                     the members route alone again

GET  /operations/merges?limit=         the open merges (members waiting in MERGED), newest first: the console's page
"""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Annotated

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, Field

from shared.aws.messaging import publish, start_fulfilment
from shared.aws.stores import inventory_store, order_store, outbox_publisher
from shared.http_api import build_resolver, error_response, json_response
from shared.lifecycle import Actor, ActorKind
from shared.merging.aftermath import unmerge
from shared.merging.open_merges import OpenMerges, open_merges
from shared.merging.merge import MergeRefused, load_members, merge_orders, price
from shared.merging.plan import MergePlan
from shared.merging.rule import merge_rule
from shared.merging.store import MergeRecord, MergeStore
from shared.observability import logger
from shared.openapi_contract import iam_http_function
from shared.problems import NonBlank
from shared.usecases.cancel_order import cancel_order

app = build_resolver()


class MergePreview(BaseModel):
    order_ids: list[str] = Field(min_length=2, max_length=20, description="The orders to ship together; the one placed first is the host")


class MergeDecision(MergePreview):
    operator: NonBlank = Field(min_length=1, max_length=100)
    reason: NonBlank = Field(min_length=1, max_length=500)


class Unmerge(BaseModel):
    operator: NonBlank = Field(min_length=1, max_length=100)
    reason: NonBlank = Field(min_length=1, max_length=500)


@app.exception_handler(MergeRefused)
def _refused(error: MergeRefused):
    return error_response(error.status, str(error), "order_ids", error.rule)


def _start(order_id: str, resume_at: str, run: str) -> None:
    start_fulfilment(order_id, resume_at=resume_at, run_name=run)


@app.post("/merges/preview", summary="Price shipping these orders together against shipping them apart, explained")
def post_preview(request: Annotated[MergePreview, Body()]) -> MergePlan:
    return price(load_members(request.order_ids, order_store(), merge_rule()), inventory_store())


@app.post("/merges", summary="Merge these orders into one shipment (an operator's decision): each keeps its id and lines")
def post_merge(request: Annotated[MergeDecision, Body()]):
    actor = Actor(kind=ActorKind.OPERATOR, name=request.operator)
    # A person may merge below the automatic rule's minimum, never at a loss.
    record = merge_orders(request.order_ids, actor, request.reason, order_store(), inventory_store(), _start, publish, require_rule_saving=False)
    logger.info("orders merged", extra={"merge_id": record.merge_id, "members": record.members, "saving": str(record.plan.saving)})
    return json_response(201, record.model_dump(mode="json"))


@app.get("/merges/<merge_id>", summary="A merge: its shipment order, members with their own lines, the priced plan, its state")
def get_merge(merge_id: str) -> MergeRecord:
    record = MergeStore(order_store()).load(merge_id)
    if record is None:
        raise NotFoundError(f"no merge {merge_id}")
    return record


@app.post("/merges/<merge_id>/unmerge", summary="Take a merge apart before its shipment is released: the members route alone")
def post_unmerge(merge_id: str, request: Annotated[Unmerge, Body()]):
    record = get_merge(merge_id)
    actor = Actor(kind=ActorKind.OPERATOR, name=request.operator)

    def cancel(order_id: str, reason: str) -> None:
        cancel_order(order_id, reason, actor, order_store(), inventory_store(), publish, outbox_publisher())

    outcome = unmerge(record.shipment_order_id, request.reason, order_store(), _start, cancel, actor)
    if outcome == "too_late":
        return error_response(409, "the merged shipment is released already: intercept the parcel instead", "merge_id", "released")
    return json_response(200, {"merge_id": merge_id, "outcome": outcome})


@app.get("/operations/merges", summary="Open merges (members waiting in MERGED for their shipment), newest first, with members, saving and explanation")
def get_open_merges(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> OpenMerges:
    return open_merges(order_store(), limit)


ANSWERS = {
    "GET /operations/merges": {},
    "POST /merges/preview": {400: "fewer than two orders, or more than the rule allows", 404: "an order is unknown", 409: "the orders may not merge (status, address, person, window) or cannot be priced"},
    "POST /merges": {201: "merged", 400: "fewer than two orders, or more than the rule allows", 404: "an order is unknown", 409: "the orders may not merge, or merging saves nothing"},
    "GET /merges/{merge_id}": {404: "no such merge"},
    "POST /merges/{merge_id}/unmerge": {404: "no such merge", 409: "the merged shipment is released already"},
}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
