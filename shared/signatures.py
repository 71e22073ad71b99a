"""Webhook signatures: base64(HMAC-SHA256(shop secret, raw body bytes)) in a request header, the
scheme Shopify documents for X-Shopify-Hmac-Sha256 and the one oms's connectors for Tmall, JD and
Douyin use. Checked over the exact bytes received, before anything parses them."""

from __future__ import annotations

import base64
import hashlib
import hmac

from shared.problems import InputRejected


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def verify(secret: str | None, body: bytes, header_name: str, header_value: str | None, *, shop: str, channel: str) -> None:
    """Raises InputRejected (401) unless `header_value` is the body's signature with `secret`."""
    if secret is None:
        raise InputRejected.one(401, "shop", "unknown_shop", f"{channel} shop '{shop}' has no signing secret registered with oms")
    if not header_value:
        raise InputRejected.one(401, header_name, "missing", f"the {header_name} header is missing: the body must be signed")
    # compare_digest takes equal-length ASCII; anything else cannot be a valid signature anyway.
    expected = sign(secret, body)
    if not header_value.isascii() or not hmac.compare_digest(expected, header_value.strip()):
        raise InputRejected.one(401, header_name, "signature_mismatch", f"the {header_name} signature does not match the body and the shop's secret")
