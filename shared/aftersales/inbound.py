"""Where after-sales messages come from and how each is read: the signed refund route per channel
(POST /channels/<channel>/{shop}/refunds), an order webhook whose order is cancelled (the intake
route hands it here instead of refusing it), oms's own POST /refunds (own shop, ERP), the Shopify
partner event source (refunds/create, orders/cancelled), and the WMS (InterceptResult,
ReturnReceipt). All of them become one message on the after-sales queue."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

from shared.aftersales.domain import AfterSalesRequest
from shared.aftersales.messages import QUEUE_ENV, RefundMessage
from shared.orders import Channel
from shared.problems import InputRejected

# Each channel's refund reader: a module of shared/channels with parse_refund, is_cancellation and
# parse_cancellation, imported when a webhook of that channel first needs it (decision 158).
REFUND_CHANNELS = {Channel.SHOPIFY: "shopify_refunds", Channel.TMALL: "tmall_refunds", Channel.JD: "jd_refunds", Channel.DOUYIN: "douyin_refunds"}


def _refunds(channel: Channel) -> ModuleType:
    return import_module(f"shared.channels.{REFUND_CHANNELS[channel]}")


def partner_after_sales(document: Any) -> AfterSalesRequest | None:
    """A Shopify partner event that is a refund (refunds/create) or the order's cancellation
    (orders/cancelled, or an orders/updated whose order is cancelled); None: an order event.
    Fields are named where they sit in the event."""
    if not isinstance(document, dict) or not isinstance(document.get("detail"), dict):
        return None
    detail = document["detail"]
    metadata = detail.get("metadata") if isinstance(detail.get("metadata"), dict) else {}
    topic = next((v for k, v in metadata.items() if k.lower() == "x-shopify-topic"), None)
    payload = detail.get("payload")
    shopify_refunds = _refunds(Channel.SHOPIFY)
    try:
        if topic == shopify_refunds.TOPIC_REFUND:
            return shopify_refunds.parse_refund(payload)
        if topic == shopify_refunds.TOPIC_CANCELLED or shopify_refunds.is_cancellation(payload):
            return shopify_refunds.parse_cancellation(payload)
    except InputRejected as refused:
        raise InputRejected(refused.status, [p.model_copy(update={"field": f"detail.payload.{p.field}"}) for p in refused.problems]) from None
    return None




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
REFUND_TOPIC = "refund"  # the connectors' topic header value for a refund


def after_sales_request(channel: Channel, topic: str | None, document: Any) -> AfterSalesRequest | None:
    """What an order webhook is when it is not an order to fulfil: a refund (by its topic) or the
    platform's cancellation of the order (by its status). None: an order."""
    if channel not in REFUND_CHANNELS:
        return None
    reader = _refunds(channel)
    if topic and topic.lower() == getattr(reader, "TOPIC_REFUND", REFUND_TOPIC):  # Shopify's own topic names
        return reader.parse_refund(document)
    if reader.is_cancellation(document):
        return reader.parse_cancellation(document)
    return None
