"""The shops' signing secrets, from one Secrets Manager secret whose value is JSON
{"<channel>": {"<shop>": "<secret>", ...}, ...} (docs/runbook.md: onboarding a shop).

Read once and kept for a few minutes per container. When a signature does not match (or a shop is
unknown) and the copy is older than a minute, it is read again once: a rotated secret or a shop
onboarded a moment ago works without a deploy, and a flood of forged requests costs at most one
read a minute."""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import TypeAdapter

from shared import signatures
from shared.aws.clients import client, resource_name
from shared.problems import InputRejected

SECRET_ENV = "CHANNEL_SECRETS_ARN"
CACHE_SECONDS = 300.0
REFRESH_AFTER_SECONDS = 60.0
_SHAPE = TypeAdapter(dict[str, dict[str, str]])


class ChannelSecrets:
    def __init__(self, secret_id: str | None = None, secretsmanager: Any = None):
        self.secret_id = secret_id or resource_name(SECRET_ENV)
        self._client = secretsmanager
        self._secrets: dict[str, dict[str, str]] = {}
        self._read_at: float | None = None

    def verify(self, channel: str, shop: str, body: bytes, header_name: str, header_value: str | None) -> None:
        """Raises InputRejected (401) unless the body carries the shop's signature."""
        try:
            signatures.verify(self._secret(channel, shop), body, header_name, header_value, shop=shop, channel=channel)
        except InputRejected:
            if self._read_at is not None and time.monotonic() - self._read_at < REFRESH_AFTER_SECONDS:
                raise
            self._read()
            signatures.verify(self._secret(channel, shop), body, header_name, header_value, shop=shop, channel=channel)

    def _secret(self, channel: str, shop: str) -> str | None:
        if self._read_at is None or time.monotonic() - self._read_at > CACHE_SECONDS:
            self._read()
        return self._secrets.get(channel, {}).get(shop)

    def _read(self) -> None:
        sm = self._client or client("secretsmanager")
        value = sm.get_secret_value(SecretId=self.secret_id)["SecretString"]
        # A secret in the wrong shape is an operator's mistake: fail loudly (5xx, alarm), not 401s.
        self._secrets = _SHAPE.validate_python(json.loads(value))
        self._read_at = time.monotonic()
