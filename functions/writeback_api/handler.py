"""Write-back operations API (IAM-authorised): the write-backs that failed (the platform refused
them, or they kept failing through every retry) with their reasons, a redrive after the cause is
fixed, and the channel listings the stock push needs (which platform item a SKU is sold as)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from shared.aws.stores import order_store
from shared.http_api import build_resolver, operator_of, serve
from shared.observability import logger
from shared.openapi_contract import document
from shared.problems import InputRejected
from shared.writeback.aws import queues
from shared.writeback.aws.stores import channel_sync_store
from shared.writeback.channels import PLATFORMS
from shared.writeback.domain import WriteBackRecord
from shared.writeback.usecases.operations import failed_writebacks, redrive_writeback

app = build_resolver()
SHOP = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
# The platform's ids of the item a SKU is sold as, per channel (shared/writeback/channels/).
LISTING_KEYS = {"shopify": {"inventory_item_id", "location_id"}, "tmall": {"num_iid"}, "jd": {"sku_id"}, "douyin": {"product_id", "sku_id"}}


class FailedWriteBacks(BaseModel):
    writebacks: list[WriteBackRecord]


class Listing(BaseModel):
    channel: str = Field(pattern="^(" + "|".join(PLATFORMS) + ")$")
    shop: str = Field(pattern=SHOP)
    listing: dict[str, str] = Field(description="shopify: inventory_item_id, location_id; tmall: num_iid (sku_id); jd: sku_id; douyin: product_id, sku_id")


@app.get("/writebacks/failed", summary="Write-backs given up, newest first, with the reason and attempts")
def get_failed(limit: Annotated[int, Query(ge=1, le=500)] = 100) -> FailedWriteBacks:
    return FailedWriteBacks(writebacks=failed_writebacks(channel_sync_store(), limit))


@app.post("/writebacks/<writeback_id>/redrive", summary="Queue a failed write-back again, with a fresh count of attempts")
def post_redrive(writeback_id: str) -> WriteBackRecord:
    record, redriven = redrive_writeback(writeback_id, operator_of(app), channel_sync_store(), order_store(), queues.send)
    if record is None:
        raise NotFoundError(f"no write-back {writeback_id}")
    if not redriven:
        raise InputRejected.one(409, "writeback_id", "not_failed", f"write-back {writeback_id} is {record.state.value}, not FAILED")
    logger.info("write-back redriven", extra={"writeback_id": writeback_id})
    return record


@app.put("/channel-listings/<sku>", summary="Record which platform item a SKU is sold as on a channel's shop (for the stock push)")
def put_listing(sku: str, listing: Annotated[Listing, Body()]) -> Listing:
    missing = sorted(LISTING_KEYS[listing.channel] - set(listing.listing))
    if missing:
        raise InputRejected.one(400, "listing", "required", f"a {listing.channel} listing needs {', '.join(missing)}")
    channel_sync_store().put_listing(sku, listing.channel, listing.shop, listing.listing)
    return listing


ANSWERS = {
    "POST /writebacks/{writeback_id}/redrive": {404: "no such write-back", 409: "the write-back is not FAILED"},
    "PUT /channel-listings/{sku}": {400: "the listing lacks an id the channel's stock call needs"},
}


def openapi_document(title: str, description: str) -> dict[str, Any]:
    return document(app, title=title, description=description, answers=ANSWERS, iam=True)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
