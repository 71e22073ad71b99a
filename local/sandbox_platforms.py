"""The platforms' sandbox for `oms serve` and `oms demo`: the fake of Shopify's, Taobao's, JD's and
Douyin's write-back, stock and order-list APIs (local/writeback_platforms.py) on 127.0.0.1, with
every shop of the seed's signing secrets (events/seed/channel_secrets.json) and the platform
credentials secret pointing at it. Without it the local runtime knows no platform, so every
shipment's write-back (发货回传) was refused at once ("no shop to write back to") and listed as failed.

A platform knows the orders it sent: each signed webhook the local API Gateway accepts as an order
(202; a refund or cancellation for after-sales is not one) is learnt by the sandbox as its platform's order — the write-back fake reads it
(Shopify's fulfillment orders, Taobao's sub-orders of a split send) and the order-list fake lists
it to the reconciler. An accepted shipping call marks the order shipped on its platform (Shopify
counts the units fulfilled; Taobao, JD and Douyin take their shipped status), as the platform would,
so reconciliation does not report it as waiting for shipment. An order that reached oms otherwise
(POST /orders naming a platform, an ERP file) is unknown to the sandbox, as it would be to a real
platform that never sold it: Shopify refuses its write-back (404), the others check only the call.

With a data folder the learnt orders are kept in `sandbox_platforms.jsonl` beside the snapshot, so a
restart's write-backs find them. Every call the platforms received is in `calls` (tests, the demo).
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from local import persistence
from local.channel_samples import SECRETS
from local.writeback_platforms import FakeChannelApis
from shared.aws import stores
from shared.channels import douyin, jd, tmall
from shared.reconciliation.credentials import PlatformCredentials

PLATFORMS = ("shopify", "tmall", "jd", "douyin")  # the channels oms writes back to (shared/writeback)
_WEBHOOK = re.compile(r"^/channels/(?P<channel>shopify|tmall|jd|douyin)/(?P<shop>[^/]+)/orders$")
_UNWRAP = {"tmall": tmall.unwrap, "jd": jd.unwrap, "douyin": douyin.unwrap}


class SandboxPlatforms:
    def __init__(self, credentials_secret_arn: str, secrets_client: Any, data_dir: Path | None = None):
        self.fake = FakeChannelApis()
        self.secret_arn, self.secrets = credentials_secret_arn, secrets_client
        self.learnt_file = data_dir / persistence.SANDBOX_FILE if data_dir is not None else None
        self._saved_env: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def start(self) -> SandboxPlatforms:
        self.fake.start()
        for channel in PLATFORMS:
            for shop in SECRETS.get(channel, {}):
                self.fake.add_shop(channel, shop)
        for name, value in self.fake.env().items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        self.secrets.put_secret_value(SecretId=self.secret_arn, SecretString=json.dumps(self.fake.credentials()))
        stores._stores.pop(PlatformCredentials, None)  # read the secret just written
        if self.learnt_file is not None and self.learnt_file.exists():
            for line in self.learnt_file.read_text("utf-8").splitlines():
                if line.strip():
                    kept = json.loads(line)
                    self.fake.know_order(kept["channel"], kept["shop"], kept["order"])
        return self

    def stop(self) -> None:
        self.fake.stop()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.fake.calls

    def webhook_answered(self, method: str, path: str, body: bytes, answer: dict[str, Any]) -> None:
        """The local API Gateway's report of every answer: a channel's webhook that oms took as an
        order is an order its platform knows (a refund or a cancellation queued for after-sales,
        `after_sales` in the answer, is not an order)."""
        matched = _WEBHOOK.match(path)
        if method != "POST" or matched is None or answer.get("statusCode") not in (200, 202):
            return
        try:
            taken = json.loads(answer.get("body") or "{}")
            if not isinstance(taken, dict) or "order_id" not in taken or taken.get("after_sales"):
                return
            document = json.loads(body)
            order = _UNWRAP[matched["channel"]](document) if matched["channel"] in _UNWRAP else document
        except (ValueError, KeyError, TypeError):
            return  # oms took it, so it parses; a stand-in that cannot read it learns nothing
        if not isinstance(order, dict):
            return
        self.learn(matched["channel"], unquote(matched["shop"]), order)

    def learn(self, channel: str, shop: str, order: dict[str, Any]) -> None:
        """An order the platform sent (a webhook, or the Shopify partner event source), kept."""
        self.fake.know_order(channel, shop, order)
        if self.learnt_file is not None:
            with self._lock, self.learnt_file.open("a", encoding="utf-8") as kept:
                kept.write(json.dumps({"channel": channel, "shop": shop, "order": order}, ensure_ascii=False) + "\n")
