"""What the tests add to local/channel_samples.py: the published samples must be there, and
webhook requests as API Gateway proxy events."""

from __future__ import annotations

import json
from typing import Any

from local.api_gateway import LocalRoute, proxy_event
from local.channel_samples import (  # noqa: F401  (re-exported for the tests)
    CHANNELS,
    DEMO_SHOPIFY_SHOP,
    SECRETS,
    SHOP,
    SIGNATURE_HEADER,
    csv_sample,
    hand_built,
    partner_event,
    signed_headers,
    webhook_path,
)
from local.samples import ENV_VAR, real_samples_dir


def real_sample(name: str) -> Any:
    folder = real_samples_dir()
    assert folder is not None, f"the platforms' published samples (samples/real) are missing; restore them or set {ENV_VAR}"
    return json.loads((folder / name).read_text("utf-8"))


def webhook_sample(channel: str) -> dict[str, Any]:
    """Shopify: its published orders/create order as the webhook delivers it (the bare order);
    the other channels: their hand-built samples."""
    if channel == "shopify":
        return real_sample("shopify_orders_create.json")["order"]
    return hand_built(channel)


def webhook_event(handler: Any, channel: str, shop: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    resource = "/channels/" + channel + "/{shop}/orders"
    return proxy_event("POST", LocalRoute("POST", resource, "intake", handler), webhook_path(channel, shop), {"shop": shop}, headers, "", body)
