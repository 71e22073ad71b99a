"""Sample payloads of every channel and how to send them: the platforms' published payloads
(read from shared/samples/real beside the clone) and the hand-built ones in events/channels/."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from local.api_gateway import LocalRoute, proxy_event
from local.samples import ENV_VAR, real_samples_dir
from local.seed import CHANNEL_SECRETS
from shared import signatures
from shared.channels import WEBHOOK_CHANNELS
from tests.conftest import EVENTS

CHANNELS = EVENTS / "channels"
SECRETS: dict[str, dict[str, str]] = json.loads(CHANNEL_SECRETS.read_text("utf-8"))["secrets"]
SIGNATURE_HEADER = {w.channel.value: w.signature_header for w in WEBHOOK_CHANNELS}
# The shop each sample is sent as; jsmith.myshopify.com is the shop of Shopify's published order.
SHOP = {"shopify": "jsmith.myshopify.com", "tmall": "oms-tea-flagship", "jd": "oms-tea-jd", "douyin": "oms-tea-douyin"}
DEMO_SHOPIFY_SHOP = "oms-demo-tea.myshopify.com"
WEBHOOK_SAMPLES = {
    "tmall": CHANNELS / "tmall" / "trade_fullinfo_get_response.json",
    "jd": CHANNELS / "jd" / "pop_order_get.json",
    "douyin": CHANNELS / "douyin" / "order_detail.json",
}


def real_sample_path(name: str) -> Path:
    folder = real_samples_dir()
    assert folder is not None, f"the platforms' published samples (shared/samples/real) are not beside the clone; set {ENV_VAR}"
    return folder / name


def real_sample(name: str) -> Any:
    return json.loads(real_sample_path(name).read_text("utf-8"))


def shopify_webhook_body() -> dict[str, Any]:
    """Shopify's published orders/create order, as its webhook delivers it: the bare order."""
    return real_sample("shopify_orders_create.json")["order"]


def webhook_sample(channel: str) -> dict[str, Any]:
    if channel == "shopify":
        return shopify_webhook_body()
    return json.loads(WEBHOOK_SAMPLES[channel].read_text("utf-8"))


def webhook_path(channel: str, shop: str) -> str:
    return f"/channels/{channel}/{shop}/orders"


def signed_headers(channel: str, shop: str, body: bytes, secret: str | None = None) -> dict[str, str]:
    secret = secret if secret is not None else SECRETS[channel][shop]
    return {"Content-Type": "application/json", SIGNATURE_HEADER[channel]: signatures.sign(secret, body)}


def webhook_event(handler: Any, channel: str, shop: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    resource = "/channels/" + channel + "/{shop}/orders"
    return proxy_event("POST", LocalRoute("POST", resource, "intake", handler), webhook_path(channel, shop), {"shop": shop}, headers, "", body)


def partner_event(payload: dict[str, Any] | None = None, topic: str = "orders/create") -> dict[str, Any]:
    """The hand-built partner envelope; with `payload`, carrying that Shopify order instead."""
    event = json.loads((CHANNELS / "partner" / "shopify_orders_create_event.json").read_text("utf-8"))
    if payload is not None:
        event["detail"]["payload"] = payload
    event["detail"]["metadata"]["X-Shopify-Topic"] = topic
    return event


def csv_sample(name: str = "batch_api.csv") -> bytes:
    return (CHANNELS / "erp" / name).read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
