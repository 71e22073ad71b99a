"""The platforms' API credentials per shop, from one Secrets Manager secret whose value is JSON
{"<channel>": {"<shop>": {"access_token": "…", "app_key": "…", "app_secret": "…"}}}
(docs/runbook.md). Read once per container and again after five minutes (a rotated token works
without a deploy). The shops in it are the shops the schedules reconcile."""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import TypeAdapter

from shared.aws.clients import client, resource_name
from shared.reconciliation.pull.base import ShopCredentials

SECRET_ENV = "PLATFORM_CREDENTIALS_ARN"
CACHE_SECONDS = 300.0
_SHAPE = TypeAdapter(dict[str, dict[str, ShopCredentials]])


class UnknownShop(Exception):
    def __init__(self, channel: str, shop: str):
        super().__init__(f"no API credentials for {channel} shop {shop!r} (see the runbook: reconciliation)")
        self.channel, self.shop = channel, shop


class PlatformCredentials:
    def __init__(self, secret_id: str | None = None, secretsmanager: Any = None):
        self.secret_id = secret_id or resource_name(SECRET_ENV)
        self._client = secretsmanager
        self._value: dict[str, dict[str, ShopCredentials]] = {}
        self._read_at: float | None = None

    def for_shop(self, channel: str, shop: str) -> ShopCredentials:
        found = self._all().get(channel, {}).get(shop)
        if found is None:
            raise UnknownShop(channel, shop)
        return found

    def shops(self) -> list[tuple[str, str]]:
        return sorted((channel, shop) for channel, shops in self._all().items() for shop in shops)

    def _all(self) -> dict[str, dict[str, ShopCredentials]]:
        if self._read_at is None or time.monotonic() - self._read_at > CACHE_SECONDS:
            sm = self._client or client("secretsmanager")
            # A secret in the wrong shape is an operator's mistake: fail loudly (alarm), not quietly.
            self._value = _SHAPE.validate_python(json.loads(sm.get_secret_value(SecretId=self.secret_id)["SecretString"]))
            self._read_at = time.monotonic()
        return self._value
