"""Order intake over HTTP: oms's own REST API (POST /orders, the canonical schema) and one signed
webhook route per channel (POST /channels/<channel>/{shop}/orders). Each validates, stores the
order once, queues it and answers 202 with its id. A webhook that is a refund (its topic header)
or a platform's cancellation of the order, and oms's own POST /refunds, go to the after-sales
queue instead (shared/aftersales/inbound.py) and answer 202 with the refund's order id."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aftersales.domain import AfterSalesRequest
from shared.aftersales.inbound import CONNECTOR_TOPIC_HEADER, TOPIC_HEADERS, after_sales_request, queue_refund
from shared.aftersales.waiting import send_again
from shared.aws.messaging import enqueue_for_fulfilment
from shared.aws.stores import catalog_store, channel_secrets, order_store
from shared.channels import WEBHOOK_CHANNELS, WebhookChannel
from shared.channels.common import ChannelOrder
from shared.http_api import build_resolver, json_response, raw_body, serve
from shared.observability import logger, metrics
from shared.openapi_contract import document
from shared.orders import OrderIn
from shared.payloads import load_json
from shared.problems import InputRejected
from shared.usecases.intake_order import intake_order

CANONICAL_ROUTE = "/orders"
SHOP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a shop's handle or domain

app = build_resolver()


@app.post(CANONICAL_ROUTE, summary="Accept an order in oms's canonical schema", responses={202: {"description": "accepted"}})
def post_order(order: Annotated[OrderIn, Body()]):
    sku_fields = [f"lines.{i}.sku" for i in range(len(order.lines))]
    channel_order = ChannelOrder(order=order, sku_fields=sku_fields, internal_skus=True, received_via={"route": "POST /orders"})
    return _take(channel_order)


@app.post("/refunds", summary="Accept a refund or cancellation in oms's canonical after-sales schema (own shop, ERP)", responses={202: {"description": "queued"}})
def post_refund(request: Annotated[AfterSalesRequest, Body()]):
    return json_response(202, queue_refund(request, {"route": "POST /refunds"}))


def _webhook_route(webhook: WebhookChannel):
    def post_channel_order(shop: Annotated[str, Path(pattern=SHOP.pattern, description="The shop's handle or domain, as registered with its signing secret")]):
        if not SHOP.fullmatch(shop):
            raise InputRejected.one(400, "shop", "shop_name", "the shop in the path must be 1-100 letters, digits, '.', '_' or '-'")
        body = raw_body(app.current_event.raw_event)
        header = app.current_event.get_header_value(webhook.signature_header, case_sensitive=False)
        channel_secrets().verify(webhook.channel.value, shop, body, webhook.signature_header, header)
        document = load_json(body)
        topic = app.current_event.get_header_value(TOPIC_HEADERS.get(webhook.channel, CONNECTOR_TOPIC_HEADER), case_sensitive=False)
        after_sales = after_sales_request(webhook.channel, topic, document)
        if after_sales is not None:  # a refund or a cancellation: not an order to fulfil
            return json_response(202, queue_refund(after_sales, {"route": "webhook", "shop": shop, "topic": topic or "order status"}))
        channel_order = webhook.parse(document)
        return _take(channel_order.model_copy(update={"received_via": {**channel_order.received_via, "route": "webhook", "shop": shop}}))

    post_channel_order.__name__ = f"post_{webhook.channel.value}_order"
    return post_channel_order


for _webhook in WEBHOOK_CHANNELS:
    app.post(
        f"/channels/{_webhook.channel.value}/<shop>/orders",
        summary=f"Accept a {_webhook.channel.value} order, signed with the shop's secret in {_webhook.signature_header}",
        responses={202: {"description": "accepted"}, 401: {"description": "signature missing or wrong"}},
    )(_webhook_route(_webhook))


def _take(channel_order: ChannelOrder):
    acceptance = intake_order(channel_order, catalog_store(), order_store(), enqueue_for_fulfilment, send_waiting=send_again)
    logger.append_keys(order_id=acceptance.order_id)
    logger.info("order accepted", extra={"duplicate": acceptance.duplicate, "amendment": acceptance.amendment, "channel": channel_order.order.channel.value})
    metrics.add_metric(name="OrdersDuplicate" if acceptance.duplicate else "OrdersAccepted", unit="Count", value=1)
    return json_response(202, acceptance.model_dump(mode="json"))


ACCEPTED = "accepted: the order's oms id (the same order sent again answers the same id, duplicate: true)"
UNKNOWN_SKU = "well-formed but unusable: a SKU oms does not know, or an order not waiting to be shipped"
ACCEPTED_OR_AFTER_SALES = ACCEPTED + "; or a refund / cancellation queued for after-sales (after_sales: true)"
ANSWERS = {f"POST {CANONICAL_ROUTE}": {202: ACCEPTED, 422: UNKNOWN_SKU}, "POST /refunds": {202: "queued for after-sales: the order's id and the refund's"}} | {
    f"POST /channels/{w.channel.value}/{{shop}}/orders": {202: ACCEPTED_OR_AFTER_SALES, 401: "the signature is missing or wrong, or the shop has no secret", 422: UNKNOWN_SKU}
    for w in WEBHOOK_CHANNELS
}


def openapi_document(title: str, description: str) -> dict[str, Any]:
    webhooks = {f"POST /channels/{w.channel.value}/{{shop}}/orders": w.signature_header for w in WEBHOOK_CHANNELS}
    platform_payload = {"application/json": {"schema": {"type": "object", "description": "The platform's order, byte for byte as it sent it (the signature covers these bytes)"}}}
    return document(app, title=title, description=description, answers=ANSWERS, raw_bodies=dict.fromkeys(webhooks, platform_payload), signed=webhooks)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
