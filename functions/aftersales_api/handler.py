"""After-sales for operations, IAM-authorised and in the console's areas: the returns (退货)
across orders (decision 124), and the failed write-backs to the channels (发货回传, decision 123):
what `python -m local.writebacks failed|redrive` does.

GET  /returns?status=expected&limit=&next_token=             returns in that state across orders, oldest first, paged

GET  /operations/writebacks?channel=&limit=                 the FAILED write-backs, newest first, with the reason and attempts
POST /operations/writebacks/{writeback_id}/redrive {"reason"}       queue one again after fixing its cause
POST /operations/writebacks/redrive {"channel", "limit", "reason"}  queue every failed one (of a channel) again

GET  /operations/orders/{order_id}/aftersales               the order page's after-sales: refunds, intercepts,
                                                             returns, its parcels' write-backs, customer notices
"""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import binascii
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from shared.aftersales.records import Rma, RmaState
from shared.aftersales.store import AfterSalesStore
from shared.aws.stores import order_store
from shared.http_api import build_resolver, error_response, json_response
from shared.observability import logger
from shared.openapi_contract import iam_http_function
from shared.operations.access import caller_of
from shared.operations.order_aftersales import OrderAfterSales, order_after_sales
from shared.writeback.aws import queues
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.domain import WriteBackRecord
from shared.writeback.usecases.operations import failed_writebacks, redrive_failed, redrive_writeback

app = build_resolver()
Platform = Literal["shopify", "tmall", "jd", "douyin", "erp", "partner"]


class Returns(BaseModel, defer_build=True):
    returns: list[Rma]
    next_token: str | None = Field(default=None, description="Present when there are more: pass it back for the next page")


@app.get("/returns", summary="Returns (RMAs) in one state across orders, oldest first: the open ones are expected or partly_received")
def get_returns(
    status: Annotated[RmaState, Query()] = RmaState.EXPECTED,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    next_token: Annotated[str | None, Query(max_length=2000)] = None,
) -> Returns:
    try:
        found, token = AfterSalesStore(order_store()).returns(status, limit, next_token)
    except (ValueError, binascii.Error, TypeError, AttributeError, ClientError) as error:  # a token not ours
        raise BadToken from error
    return Returns(returns=found, next_token=token)


class BadToken(Exception):
    pass


@app.exception_handler(BadToken)
def _bad_token(error: BadToken):
    return error_response(400, "next_token is not one this API gave", "next_token", "invalid_token")


class FailedWriteBacks(BaseModel):
    writebacks: list[WriteBackRecord]


class Redrive(BaseModel):
    reason: str = Field(default="", max_length=500, description="What was fixed (kept in the log and in the order's timeline note)")


class RedriveAll(Redrive):
    channel: Platform | None = Field(default=None, description="Only this channel's failed write-backs")
    limit: int = Field(default=100, ge=1, le=500)


class Redriven(BaseModel):
    redriven: list[str]
    skipped: list[str] = Field(description="Redriven meanwhile by someone else")


def _operator() -> str:
    return caller_of(app.current_event.raw_event).name


@app.get("/operations/writebacks", summary="Write-backs given up (refused, or failing through every retry), newest first, with the reason and attempts")
def get_failed(channel: Annotated[Platform | None, Query()] = None, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> FailedWriteBacks:
    found = failed_writebacks(channel_sync_store(), 1000 if channel else limit)
    return FailedWriteBacks(writebacks=[r for r in found if channel is None or r.channel == channel][:limit])


@app.post("/operations/writebacks/<writeback_id>/redrive", summary="Queue a failed write-back again after fixing its cause (a carrier code, a shop's token)")
def post_redrive(writeback_id: str, request: Annotated[Redrive, Body()]):
    record, redriven = redrive_writeback(writeback_id, _operator(), channel_sync_store(), order_store(), queues.send, request.reason)
    if record is None:
        raise NotFoundError(f"no write-back {writeback_id}")
    if not redriven:
        return error_response(409, f"write-back {writeback_id} is {record.state.value}, not FAILED (nor PENDING for over 5 minutes): nothing to redrive", "writeback_id", "not_failed")
    logger.info("write-back redriven", extra={"writeback_id": writeback_id, "reason": request.reason})
    return json_response(200, record.model_dump(mode="json"))


@app.post("/operations/writebacks/redrive", summary="Queue every failed write-back (of one channel) again, newest first")
def post_redrive_all(request: Annotated[RedriveAll, Body()]) -> Redriven:
    redriven, skipped = redrive_failed(_operator(), channel_sync_store(), order_store(), queues.send, request.channel, request.limit, request.reason)
    logger.info("failed write-backs redriven", extra={"channel": request.channel, "redriven": len(redriven), "reason": request.reason})
    return Redriven(redriven=redriven, skipped=skipped)


@app.get("/operations/orders/<order_id>/aftersales", summary="An order's after-sales for its page: refunds, intercepts, returns, its parcels' write-backs (failed ones with why), customer notices")
def get_order_aftersales(order_id: str) -> OrderAfterSales:
    return order_after_sales(order_id, order_store(), channel_sync_store())


ANSWERS = {
    "GET /operations/orders/{order_id}/aftersales": {404: "no such order"},
    "GET /returns": {400: "an unknown status, a limit out of range or a next_token this API did not give"},
    "GET /operations/writebacks": {},
    "POST /operations/writebacks/{writeback_id}/redrive": {404: "no such write-back", 409: "the write-back is not FAILED, nor PENDING for over 5 minutes (its message lost)"},
    "POST /operations/writebacks/redrive": {},
}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
