"""Where after-sales messages come from and how each is read: the signed refund route per channel
(POST /channels/<channel>/{shop}/refunds), an order webhook whose order is cancelled (the intake
route hands it here instead of refusing it), oms's own POST /refunds (own shop, ERP), the Shopify
partner event source (refunds/create, orders/cancelled), and the WMS (InterceptResult,
ReturnReceipt). All of them become one message on the after-sales queue."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.aftersales.domain import AfterSalesRequest
from shared.channels import douyin_refunds, jd_refunds, shopify_refunds, tmall_refunds
from shared.orders import Channel
from shared.problems import InputRejected

QUEUE_ENV = "AFTERSALES_QUEUE_URL"
DEAD_LETTER_QUEUE_ENV = "AFTERSALES_DEAD_LETTER_QUEUE_URL"
WMS_KINDS = ("InterceptResult", "ReturnReceipt")
PARTNER_TOPICS = (shopify_refunds.TOPIC_REFUND, shopify_refunds.TOPIC_CANCELLED)


@dataclass(frozen=True)
class RefundChannel:
    channel: Channel
    parse_refund: Callable[[Any], AfterSalesRequest]
    is_cancellation: Callable[[Any], bool]
    parse_cancellation: Callable[[Any], AfterSalesRequest]


REFUND_CHANNELS = {
    c.channel: c
    for c in (
        RefundChannel(Channel.SHOPIFY, shopify_refunds.parse_refund, shopify_refunds.is_cancellation, shopify_refunds.parse_cancellation),
        RefundChannel(Channel.TMALL, tmall_refunds.parse_refund, tmall_refunds.is_cancellation, tmall_refunds.parse_cancellation),
        RefundChannel(Channel.JD, jd_refunds.parse_refund, jd_refunds.is_cancellation, jd_refunds.parse_cancellation),
        RefundChannel(Channel.DOUYIN, douyin_refunds.parse_refund, douyin_refunds.is_cancellation, douyin_refunds.parse_cancellation),
    )
}


class RefundMessage(BaseModel, defer_build=True):
    """What the refund routes put on the after-sales queue: the request as read, and its way in."""

    kind: Literal["refund"] = "refund"
    request: AfterSalesRequest
    received_via: dict[str, str] = Field(default_factory=dict)

    def body(self) -> str:
        return self.model_dump_json()


def partner_refund(detail: dict[str, Any]) -> AfterSalesRequest:
    """A Shopify partner event's webhook (refunds/create, orders/cancelled), fields named where
    they sit in the event."""
    metadata = detail.get("metadata") if isinstance(detail.get("metadata"), dict) else {}
    topic = next((v for k, v in metadata.items() if k.lower() == "x-shopify-topic"), None)
    payload = detail.get("payload")
    try:
        if topic == shopify_refunds.TOPIC_REFUND:
            return shopify_refunds.parse_refund(payload)
        if topic == shopify_refunds.TOPIC_CANCELLED:
            return shopify_refunds.parse_cancellation(payload)
    except InputRejected as refused:
        raise InputRejected(refused.status, [p.model_copy(update={"field": f"detail.payload.{p.field}"}) for p in refused.problems]) from None
    raise InputRejected.one(422, "detail.metadata.X-Shopify-Topic", "not_an_after_sales_topic", f"topic {topic!r} is not one of {', '.join(PARTNER_TOPICS)}")


def envelope(body: str) -> dict[str, Any]:
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("an after-sales message is a JSON object")
    return document


def queue_refund(request: AfterSalesRequest, received_via: dict[str, str]) -> dict[str, Any]:
    """Puts a read request on the after-sales queue (AWS); the answer intake gives (202)."""
    from shared.aws.clients import client, resource_name

    message = RefundMessage(request=request, received_via=received_via)
    client("sqs").send_message(QueueUrl=resource_name(QUEUE_ENV), MessageBody=message.body())
    return {"after_sales": True, "order_id": request.order_id, "refund_id": request.refund_id, "kind": request.kind.value}


# The webhook header that says what a message is: Shopify sends its topic on every webhook; oms's
# connectors for Tmall, JD and Douyin say "refund" for a refund (an order is the default).
TOPIC_HEADERS = {Channel.SHOPIFY: "X-Shopify-Topic"}
CONNECTOR_TOPIC_HEADER = "X-Oms-Topic"
REFUND_TOPICS = {Channel.SHOPIFY: shopify_refunds.TOPIC_REFUND}


def after_sales_request(channel: Channel, topic: str | None, document: Any) -> AfterSalesRequest | None:
    """What an order webhook is when it is not an order to fulfil: a refund (by its topic) or the
    platform's cancellation of the order (by its status). None: an order."""
    reader = REFUND_CHANNELS.get(channel)
    if reader is None:
        return None
    if topic and topic.lower() == REFUND_TOPICS.get(channel, "refund"):
        return reader.parse_refund(document)
    if reader.is_cancellation(document):
        return reader.parse_cancellation(document)
    return None
