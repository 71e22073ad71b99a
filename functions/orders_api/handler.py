"""Operations API (IAM-authorised): find orders, see one with its timeline and its after-sales
(refunds, returns), cancel, decide on held orders (the manual review queue, one by one or in bulk), retry orders out of EXCEPTION."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, Field

from shared.aftersales.store import AfterSalesStore
from shared.aftersales.view import AfterSalesView, after_sales_of
from shared.aws.messaging import publish, start_fulfilment
from shared.aws.order_store import OrderDetails, OrderQuery, StoredOrder
from shared.aws.stores import inventory_store, order_store, outbox_publisher
from shared.http_api import build_resolver, error_response, json_response, query_time
from shared.lifecycle import Actor, ActorKind, OrderStatus
from shared.observability import logger
from shared.openapi_contract import iam_http_function
from shared.problems import NonBlank
from shared.recovery.operator import MAX_BULK, BulkResult, BulkRetryRequest, NotInException, Retried, RetryRequest, for_each, retry_order
from shared.operations.access import caller_of
from shared.usecases.cancel_order import CancelRefused, cancel_order
from shared.notices.announce import announce_accepted
from shared.usecases.decide_held_order import HeldOrder, NotOnHold, ReviewDecision, decide_held_order, held_order_view

app = build_resolver()


class OrderPage(BaseModel, defer_build=True):
    orders: list[StoredOrder]
    next_token: str | None


class CancelRequest(BaseModel):
    reason: NonBlank = Field(min_length=1, max_length=500)
    operator: NonBlank = Field(min_length=1, max_length=100)


class BulkApproval(BaseModel):
    order_ids: list[str] = Field(min_length=1, max_length=MAX_BULK)
    operator: NonBlank = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=1000)


class BulkResults(BaseModel):
    results: list[BulkResult]


class ReviewQueue(BaseModel):
    held: list[HeldOrder]
    next_token: str | None


@app.exception_handler([CancelRefused, NotOnHold, NotInException])
def _conflict(error: Exception):
    return error_response(409, str(error), "order_id", "status_conflict")


@app.exception_handler(ValueError)
def _bad_query(error: ValueError):
    return error_response(400, str(error), "query", "query_invalid")


TIME_BOUND = "ISO-8601, inclusive: a time (an offset converted; none: UTC) or a date (that day's first or last millisecond in China, UTC+8)"


@app.get("/orders", summary="Orders by status, channel or customer (without a filter: the newest), newest first, paginated")
def list_orders(
    status: Annotated[OrderStatus | None, Query()] = None,
    channel: Annotated[str | None, Query()] = None,
    customer: Annotated[str | None, Query()] = None,
    created_from: Annotated[str | None, Query(description=TIME_BOUND)] = None,
    created_to: Annotated[str | None, Query(description=TIME_BOUND)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    next_token: Annotated[str | None, Query()] = None,
) -> OrderPage:
    since, until = query_time(created_from, "created_from"), query_time(created_to, "created_to", end=True)
    query = OrderQuery(status=status, channel=channel, customer=customer, created_from=since, created_to=until, limit=limit, next_token=next_token)
    orders, token = order_store().list_orders(query)
    return OrderPage(orders=orders, next_token=token)


@app.get("/orders/<order_id>", summary="One order with its lines, outbound notes and timeline")
def get_order(order_id: str) -> OrderDetails:
    logger.append_keys(order_id=order_id)
    return order_store().details(order_id)


@app.get("/orders/<order_id>/aftersales", summary="The order's refunds (what oms did about each) and returns (RMAs: expected, received)")
def get_after_sales(order_id: str) -> AfterSalesView:
    logger.append_keys(order_id=order_id)
    return after_sales_of(order_id, order_store(), AfterSalesStore(order_store()))


@app.post("/orders/<order_id>/cancel", summary="Cancel up to shipment: notes voided, stock released")
def post_cancel(order_id: str, request: Annotated[CancelRequest, Body()]):
    logger.append_keys(order_id=order_id)
    caller = caller_of(app.current_event.raw_event)
    actor = Actor(kind=ActorKind.OPERATOR, name=caller.name if caller.console else request.operator)
    cancellation = cancel_order(order_id, request.reason, actor, order_store(), inventory_store(), publish, outbox_publisher())
    return json_response(200, cancellation.model_dump(mode="json"))


@app.get("/review-queue", summary="Held orders waiting for a person, oldest first, with the reasons")
def get_review_queue(limit: Annotated[int, Query(ge=1, le=200)] = 50, next_token: Annotated[str | None, Query()] = None) -> ReviewQueue:
    store = order_store()
    # Oldest hold first across pages, not only within one: the longest waiting come first.
    held, token = store.list_orders(OrderQuery(status=OrderStatus.ON_HOLD, limit=limit, next_token=next_token, oldest_first=True))
    views = []
    for order in held:
        hold = None
        if order.hold is None:  # held before the order item kept its hold: read it from the timeline
            timeline = store.details(order.order_id).timeline
            hold = next((e for e in reversed(timeline) if e.to_status == OrderStatus.ON_HOLD and e.kind == "transition"), None)
        views.append(held_order_view(order, hold))
    return ReviewQueue(held=sorted(views, key=lambda v: v.held_since), next_token=token)


@app.post("/orders/<order_id>/review", summary="Approve (optionally correcting address/invoice) or reject a held order")
def post_review(order_id: str, decision: Annotated[ReviewDecision, Body()]):
    logger.append_keys(order_id=order_id)
    caller = caller_of(app.current_event.raw_event)
    if caller.console:  # a console user is who the token says, whatever the body claims
        decision = decision.model_copy(update={"operator": caller.name})
    decided = decide_held_order(order_id, decision, order_store(), _resume_at_route)
    return json_response(200, {"order_id": order_id, "status": decided.status.value, "version": decided.version})


@app.post("/review-queue/approve", summary="Approve many held orders as they are (no corrections), a result per order")
def post_bulk_approve(request: Annotated[BulkApproval, Body()]) -> BulkResults:
    decision = ReviewDecision(decision="approve", operator=request.operator, note=request.note)
    return BulkResults(results=for_each(request.order_ids, lambda oid: decide_held_order(oid, decision, order_store(), _resume_at_route)))


@app.post("/orders/<order_id>/retry", summary="Resume an EXCEPTION order at the step that failed")
def post_retry(order_id: str, request: Annotated[RetryRequest, Body()]) -> Retried:
    logger.append_keys(order_id=order_id)
    return retry_order(order_id, request, order_store(), inventory_store(), _start_run)


@app.post("/orders/retry", summary="Retry many EXCEPTION orders, a result per order")
def post_bulk_retry(request: Annotated[BulkRetryRequest, Body()]) -> BulkResults:
    return BulkResults(results=for_each(request.order_ids, lambda oid: retry_order(oid, request, order_store(), inventory_store(), _start_run)))


def _resume_at_route(order_id: str, run: str) -> None:
    start_fulfilment(order_id, resume_at="Route", run_name=run)
    announce_accepted(order_id, "operator")  # an approved held order: the customer's "accepted" notice


def _start_run(order_id: str, resume_at: str, run: str) -> None:
    start_fulfilment(order_id, resume_at=resume_at, run_name=run)


NO_ORDER = "no order has this id"
ANSWERS = {
    "GET /orders": {400: "a parameter breaks a rule"},
    "GET /orders/{order_id}": {404: NO_ORDER},
    "GET /orders/{order_id}/aftersales": {404: NO_ORDER},
    "POST /orders/{order_id}/cancel": {404: NO_ORDER, 409: "the order can no longer be cancelled (shipped, delivered or rejected); cancelling a cancelled order again answers 200 with what its cancellation did"},
    "POST /orders/{order_id}/review": {404: NO_ORDER, 409: "the order is not on hold (decided already, or never held)"},
    "POST /orders/{order_id}/retry": {404: NO_ORDER, 409: "the order is not in EXCEPTION (retried already, or never failed)"},
    "POST /orders/retry": {400: "a parameter breaks a rule (no ids, over 100 ids, a blank operator or reason)"},
    "POST /review-queue/approve": {400: "a parameter breaks a rule (no ids, over 100 ids, a blank operator)"},
}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
