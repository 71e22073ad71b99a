"""Each channel's call shapes, and which queue carries its write-backs and stock pushes."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an adapter is imported by platform() when a channel is called (cold import, decision 158)
    from shared.writeback.channels.base import PlatformChannel

PLATFORMS = ("shopify", "tmall", "jd", "douyin")  # an API to call, credentials per shop
EVENT_CHANNELS = ("erp", "partner")  # told through the event bus
NO_WRITEBACK = ("own_shop",)  # oms is the shop: nobody to tell


# The platform's adapter: its module under shared/writeback/channels and its class.
_ADAPTERS = {"shopify": "ShopifyChannel", "tmall": "TmallChannel", "jd": "JdChannel", "douyin": "DouyinChannel"}


def platform(channel: str) -> PlatformChannel:
    if channel in _ADAPTERS:
        return getattr(import_module(f"{__name__}.{channel}"), _ADAPTERS[channel])()
    if channel in EVENT_CHANNELS:
        from shared.writeback.channels.partner import PartnerChannel

        return PartnerChannel(channel)
    raise KeyError(f"channel {channel!r} has no write-back")


def queue_key(channel: str) -> str:
    """The topology key of the queue carrying the channel's write-backs and stock pushes: one per
    platform (decision 123), so that a platform down or throttling delays only its own calls, with
    its own DLQ and alarm; the event channels (ERP, partner: a bus publish) share
    `channel_writeback`."""
    return f"writeback_{channel}" if channel in PLATFORMS else "channel_writeback"


def queue_keys() -> tuple[str, ...]:
    """Every write-back queue (infra/topology.py declares each)."""
    return (*(queue_key(channel) for channel in PLATFORMS), "channel_writeback")


def queue_env(channel: str) -> str:
    return f"{queue_key(channel).upper()}_QUEUE_URL"
