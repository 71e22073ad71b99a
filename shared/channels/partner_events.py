"""Partner SaaS: order events an EventBridge partner event source delivers (source
`aws.partner/<partner>/...`). Shopify's source wraps each webhook as `detail.payload` (the body)
and `detail.metadata` (its headers: X-Shopify-Topic, X-Shopify-Shop-Domain, ...). Only the partner
can put events on its source, so there is no signature to check; the webhook's own HMAC is over the
original body, which EventBridge does not keep byte for byte."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.channels import shopify
from shared.channels.common import ChannelOrder, PlatformModel, Text, read_platform
from shared.problems import InputRejected, Problem

PARTNER_SOURCE_PREFIX = "aws.partner/"
SHOPIFY_PARTNER = "shopify.com"
SHOPIFY_ORDER_TOPICS = ("orders/create", "orders/updated")


class Detail(PlatformModel):
    payload: dict[str, Any]
    metadata: dict[str, Text] = Field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.metadata.items() if k.lower() == name.lower()), None)


class PartnerEvent(PlatformModel):
    id: Text
    source: Text = Field(pattern=r"^aws\.partner/[^/]+/")
    detail_type: Text = Field(alias="detail-type")
    detail: Detail

    @property
    def partner(self) -> str:
        return self.source.split("/")[1]


def parse(document: Any) -> ChannelOrder:
    event = read_platform(PartnerEvent, document)
    if event.partner != SHOPIFY_PARTNER:
        raise InputRejected.one(422, "source", "unknown_partner", f"oms reads no orders from partner '{event.partner}'")
    topic = event.detail.header("X-Shopify-Topic")
    if topic not in SHOPIFY_ORDER_TOPICS:
        raise InputRejected.one(
            422, "detail.metadata.X-Shopify-Topic", "not_an_order_topic", f"topic {topic!r} is not one of {', '.join(SHOPIFY_ORDER_TOPICS)}"
        )
    try:
        channel_order = shopify.parse(event.detail.payload)
    except InputRejected as refused:  # name the fields where they sit in the event
        raise InputRejected(refused.status, [_inside_payload(p) for p in refused.problems]) from None
    return channel_order.model_copy(
        update={
            "sku_fields": [f"detail.payload.{f}" for f in channel_order.sku_fields],
            "received_via": {
                **channel_order.received_via,
                "route": "eventbridge partner event",
                "source": event.source,
                "event_id": event.id,
                "shop": event.detail.header("X-Shopify-Shop-Domain") or "",
            },
        }
    )


def _inside_payload(problem: Problem) -> Problem:
    field = problem.field if problem.field.startswith("canonical") else f"detail.payload.{problem.field}"
    return problem.model_copy(update={"field": field})
