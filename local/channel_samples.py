"""The sample payloads of every channel and how a sender signs them, for the demo and the tests:
the platforms' published Shopify order (read from samples/real in the repository) and the
hand-built samples in events/channels/ (see events/channels/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.samples import real_samples_dir
from local.seed import CHANNEL_SECRETS
from shared import signatures
from shared.channels import WEBHOOK_CHANNELS

CHANNELS = Path(__file__).resolve().parent.parent / "events" / "channels"
SECRETS: dict[str, dict[str, str]] = json.loads(CHANNEL_SECRETS.read_text("utf-8"))["secrets"]
SIGNATURE_HEADER = {w.channel.value: w.signature_header for w in WEBHOOK_CHANNELS}
# The shop each sample is sent as; jsmith.myshopify.com is the shop of Shopify's published order.
SHOP = {"shopify": "jsmith.myshopify.com", "tmall": "oms-tea-flagship", "jd": "oms-tea-jd", "douyin": "oms-tea-douyin"}
DEMO_SHOPIFY_SHOP = "oms-demo-tea.myshopify.com"
HAND_BUILT = {
    "shopify": CHANNELS / "shopify" / "orders_create_shanghai.json",
    "tmall": CHANNELS / "tmall" / "trade_fullinfo_get_response.json",
    "jd": CHANNELS / "jd" / "pop_order_get.json",
    "douyin": CHANNELS / "douyin" / "order_detail.json",
}


def published_shopify_order() -> dict[str, Any] | None:
    """Shopify's published orders/create order as its webhook delivers it (the bare order), or
    None when the published samples are missing."""
    folder = real_samples_dir()
    if folder is None:
        return None
    return json.loads((folder / "shopify_orders_create.json").read_text("utf-8"))["order"]


def hand_built(channel: str) -> dict[str, Any]:
    return json.loads(HAND_BUILT[channel].read_text("utf-8"))


def webhook_path(channel: str, shop: str) -> str:
    return f"/channels/{channel}/{shop}/orders"


def signed_headers(channel: str, shop: str, body: bytes, secret: str | None = None) -> dict[str, str]:
    secret = secret if secret is not None else SECRETS[channel][shop]
    return {"Content-Type": "application/json", SIGNATURE_HEADER[channel]: signatures.sign(secret, body)}


def partner_event(payload: dict[str, Any] | None = None, topic: str = "orders/create") -> dict[str, Any]:
    """The hand-built partner envelope; with `payload`, carrying that Shopify order instead."""
    event = json.loads((CHANNELS / "partner" / "shopify_orders_create_event.json").read_text("utf-8"))
    if payload is not None:
        event["detail"]["payload"] = payload
    event["detail"]["metadata"]["X-Shopify-Topic"] = topic
    return event


def csv_sample(name: str = "batch_api.csv") -> bytes:
    return (CHANNELS / "erp" / name).read_bytes()
