"""Each channel's call shapes, and which queue carries its write-backs and stock pushes."""

from __future__ import annotations

from shared.writeback.channels.base import PlatformChannel
from shared.writeback.channels.douyin import DouyinChannel
from shared.writeback.channels.jd import JdChannel
from shared.writeback.channels.partner import PartnerChannel
from shared.writeback.channels.shopify import ShopifyChannel
from shared.writeback.channels.tmall import TmallChannel

PLATFORMS = ("shopify", "tmall", "jd", "douyin")  # an API to call, credentials per shop
EVENT_CHANNELS = ("erp", "partner")  # told through the event bus
NO_WRITEBACK = ("own_shop",)  # oms is the shop: nobody to tell


def platform(channel: str) -> PlatformChannel:
    adapters: dict[str, PlatformChannel] = {
        "shopify": ShopifyChannel(),
        "tmall": TmallChannel(),
        "jd": JdChannel(),
        "douyin": DouyinChannel(),
    }
    if channel in adapters:
        return adapters[channel]
    if channel in EVENT_CHANNELS:
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
