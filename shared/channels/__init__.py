"""Channel adapters: each module turns one platform's payload into the canonical order (pure,
no AWS). The webhook channels below share one route shape: POST /channels/<channel>/{shop}/orders,
signed with the shop's secret in the channel's signature header."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.channels import douyin, jd, shopify, tmall
from shared.channels.common import ChannelOrder
from shared.orders import Channel


@dataclass(frozen=True)
class WebhookChannel:
    channel: Channel
    signature_header: str
    parse: Callable[[Any], ChannelOrder]


WEBHOOK_CHANNELS = tuple(
    WebhookChannel(adapter.CHANNEL, adapter.SIGNATURE_HEADER, adapter.parse) for adapter in (shopify, tmall, jd, douyin)
)
