"""Channel adapters: each module turns one platform's payload into the canonical order (pure,
no AWS). The webhook channels below share one route shape: POST /channels/<channel>/{shop}/orders,
signed with the shop's secret in the channel's signature header.

WEBHOOK_CHANNELS is built on first use (PEP 562): importing one adapter (the ERP file's, the
partner events') does not load the four webhook adapters (cold import, decision 93)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.channels.common import ChannelOrder
from shared.orders import Channel


@dataclass(frozen=True)
class WebhookChannel:
    channel: Channel
    signature_header: str
    parse: Callable[[Any], ChannelOrder]


def _webhook_channels() -> tuple[WebhookChannel, ...]:
    from shared.channels import douyin, jd, shopify, tmall

    return tuple(WebhookChannel(adapter.CHANNEL, adapter.SIGNATURE_HEADER, adapter.parse) for adapter in (shopify, tmall, jd, douyin))


def __getattr__(name: str) -> Any:
    if name == "WEBHOOK_CHANNELS":
        channels = _webhook_channels()
        globals()["WEBHOOK_CHANNELS"] = channels
        return channels
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
