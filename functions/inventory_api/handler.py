"""Inventory operations API (IAM-authorised): see a SKU's stock in a warehouse, and split it into
buckets before a flash sale or merge the buckets back after it (docs/decisions.md, entry 11)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Annotated

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from shared.aws.stores import inventory_store
from shared.errors import StockLayoutRefused
from shared.http_api import build_resolver, error_response
from shared.observability import logger
from shared.orders import WholeNumber
from shared.openapi_contract import iam_http_function
from shared.stock_buckets import MAX_BUCKETS
from shared.usecases.bucket_stock import StockLayout, merge_stock_buckets, split_into_stock_buckets

app = build_resolver()


class StockView(BaseModel):
    sku: str
    warehouse_id: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    buckets: int  # 0: one stock item


class SplitRequest(BaseModel):
    buckets: WholeNumber = Field(ge=2, le=MAX_BUCKETS, description="8 lifts one SKU's DynamoDB ceiling about 8x")


@app.exception_handler(StockLayoutRefused)
def _refused(error: StockLayoutRefused):
    return error_response(409, str(error), "buckets", error.rule)


@app.get("/stock/<sku>/<warehouse_id>", summary="A SKU's stock in one warehouse, summed over its buckets")
def get_stock(sku: str, warehouse_id: str) -> StockView:
    stock = inventory_store().warehouse_stock(sku, warehouse_id)
    total = stock.total()
    if total is None:
        raise NotFoundError(f"no stock is recorded for {sku} in {warehouse_id}")
    return StockView(sku=sku, warehouse_id=warehouse_id, on_hand=total.on_hand, reserved=total.reserved, safety_stock=total.safety_stock, available=total.available, buckets=len(stock.buckets) if stock.bucketed else 0)


@app.post("/stock/<sku>/<warehouse_id>/buckets", summary="Split the stock into buckets (before a flash sale; refused while reservations are held)")
def post_split(sku: str, warehouse_id: str, request: Annotated[SplitRequest, Body()]) -> StockLayout:
    layout = split_into_stock_buckets(sku, warehouse_id, request.buckets, inventory_store())
    logger.info("stock split into buckets", extra=layout.model_dump())
    return layout


@app.delete("/stock/<sku>/<warehouse_id>/buckets", summary="Merge the buckets back into one item (after the sale; refused while reservations are held)")
def delete_buckets(sku: str, warehouse_id: str) -> StockLayout:
    layout = merge_stock_buckets(sku, warehouse_id, inventory_store())
    logger.info("stock buckets merged", extra=layout.model_dump())
    return layout


REFUSED = "refused now: reservations are held on it, there is no stock to lay out, or it is laid out so already"
ANSWERS = {
    "GET /stock/{sku}/{warehouse_id}": {404: "no stock is recorded for the SKU in the warehouse"},
    "POST /stock/{sku}/{warehouse_id}/buckets": {409: REFUSED},
    "DELETE /stock/{sku}/{warehouse_id}/buckets": {409: REFUSED},
}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
