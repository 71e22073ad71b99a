"""Channel adapters: each module turns one platform's payload into the canonical order (pure,
no AWS). The webhook channels below share one route shape: POST /channels/<channel>/{shop}/orders,
signed with the shop's secret in the channel's signature header.

An adapter's module is imported when it first reads an order (`WebhookChannel.parse`): listing
the channels (intake's routes, the reconciler's parsers) loads none of them, and a container
that only ever takes Shopify webhooks never loads Tmall's models (cold import, decisions 93, 158).
Each adapter's CHANNEL and SIGNATURE_HEADER must agree with its entry here
(tests/unit/test_channel_adapters.py)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from shared.orders import Channel

if TYPE_CHECKING:
    from shared.channels.common import ChannelOrder

CONNECTOR_SIGNATURE_HEADER = "X-Oms-Hmac-Sha256"  # oms's connectors for the Chinese platforms


@dataclass(frozen=True)
class WebhookChannel:
    channel: Channel
    signature_header: str
    module: str  # shared.channels.<module>: the adapter

    def parse(self, document: Any) -> ChannelOrder:
        return import_module(f"{__name__}.{self.module}").parse(document)


WEBHOOK_CHANNELS = (
    WebhookChannel(Channel.SHOPIFY, "X-Shopify-Hmac-Sha256", "shopify"),
    WebhookChannel(Channel.TMALL, CONNECTOR_SIGNATURE_HEADER, "tmall"),
    WebhookChannel(Channel.JD, CONNECTOR_SIGNATURE_HEADER, "jd"),
    WebhookChannel(Channel.DOUYIN, CONNECTOR_SIGNATURE_HEADER, "douyin"),
)
