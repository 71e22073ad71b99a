"""Double 11 (双十一) load profile for oms, with locust (pip install -e '.[load]').

The channels push orders as signed webhooks (Tmall 40%, JD 25%, Douyin 20%, Shopify 5%) and the
own shop posts through the API (10%); every order has a new external id. The rate follows the
night of a promotion, scaled to a peak of OMS_LOAD_PEAK orders/s (1,200 by default): warm-up
before midnight, the midnight spike to the peak, then the long tail. Each simulated user sends
one order per second, so users = orders/s.

Against a deployed stage (docs/runbook.md, "Load test"):

  OMS_LOAD_SECRETS=secrets.json OMS_LOAD_API_KEY=... \
  locust -f loadtest/double11.py --headless --host https://<api>/prod --processes -1

Against the local runtime, tiny and bounded (what tests/integration/test_load_profile.py runs):

  OMS_LOAD_SCALE=0.003 OMS_LOAD_SECONDS=20 OMS_LOAD_MAX_ORDERS=40 \
  locust -f loadtest/double11.py --headless --host http://127.0.0.1:<port>

Settings (environment): OMS_LOAD_PEAK (orders/s at the spike), OMS_LOAD_SCALE (multiplies the
rate; 0.003 is 3.6 orders/s at the peak), OMS_LOAD_SECONDS (the whole night compressed into this
many seconds; default 3,600), OMS_LOAD_MAX_ORDERS (stop after this many), OMS_LOAD_SECRETS (JSON
{"secrets": {channel: {shop: secret}}}; default: the local seed's), OMS_LOAD_SHOPS (JSON
{channel: shop}; default: the local seed's shops), OMS_LOAD_API_KEY (x-api-key for POST /orders).
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from pathlib import Path
from typing import Any

from locust import FastHttpUser, LoadTestShape, constant_throughput, events, task

from shared import signatures
from shared.channels import WEBHOOK_CHANNELS

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = ROOT / "events" / "channels"
SAMPLES = {
    "tmall": (CHANNELS / "tmall" / "trade_fullinfo_get_response.json", ("trade_fullinfo_get_response", "trade", "tid")),
    "jd": (CHANNELS / "jd" / "pop_order_get.json", ("orderId",)),
    "douyin": (CHANNELS / "douyin" / "order_detail.json", ("data", "shop_order_detail", "order_id")),
    "shopify": (CHANNELS / "shopify" / "orders_create_shanghai.json", ("id",)),
}
SIGNATURE_HEADERS = {w.channel.value: w.signature_header for w in WEBHOOK_CHANNELS}
MIX = {"tmall": 40, "jd": 25, "douyin": 20, "shopify": 5, "own_api": 10}  # % of orders at the peak

# (fraction of the night, fraction of the peak rate): linear between the points.
PROFILE = (
    (0.00, 0.05),
    (0.40, 0.35),  # evening warm-up, carts filling
    (0.49, 0.40),
    (0.50, 1.00),  # midnight: the spike
    (0.55, 0.80),
    (0.65, 0.45),
    (1.00, 0.15),  # the long tail
)

PEAK = float(os.environ.get("OMS_LOAD_PEAK", "1200"))
SCALE = float(os.environ.get("OMS_LOAD_SCALE", "1"))
SECONDS = float(os.environ.get("OMS_LOAD_SECONDS", "3600"))
MAX_ORDERS = int(os.environ.get("OMS_LOAD_MAX_ORDERS", "0"))
RUN = uuid.uuid4().hex[:6]
_sent = itertools.count(1)


def rate_at(second: float) -> float:
    """Orders per second at this second of the (compressed) night."""
    at = min(1.0, max(0.0, second / SECONDS))
    for (x0, y0), (x1, y1) in itertools.pairwise(PROFILE):
        if x0 <= at <= x1:
            share = y0 + (y1 - y0) * ((at - x0) / (x1 - x0) if x1 > x0 else 0)
            return PEAK * SCALE * share
    return 0.0


def _local_defaults() -> tuple[dict[str, Any], dict[str, str]]:
    from local.channel_samples import SHOP
    from local.seed import CHANNEL_SECRETS

    return json.loads(CHANNEL_SECRETS.read_text("utf-8"))["secrets"], dict(SHOP)


def _settings() -> tuple[dict[str, Any], dict[str, str]]:
    secrets_file, shops = os.environ.get("OMS_LOAD_SECRETS"), os.environ.get("OMS_LOAD_SHOPS")
    local_secrets, local_shops = _local_defaults() if not (secrets_file and shops) else ({}, {})
    secrets = json.loads(Path(secrets_file).read_text("utf-8"))["secrets"] if secrets_file else local_secrets
    return secrets, json.loads(shops) if shops else local_shops


SECRETS, SHOPS = _settings()
DOCUMENTS = {channel: json.loads(path.read_text("utf-8")) for channel, (path, _) in SAMPLES.items()}


def channel_order(channel: str, number: int) -> bytes:
    """The channel's sample with a new external id (same type as the sample's)."""
    document = json.loads(json.dumps(DOCUMENTS[channel]))
    *parents, leaf = SAMPLES[channel][1]
    holder = document
    for name in parents:
        holder = holder[name]
    original = holder[leaf]
    fresh = f"{900000 + number}{int(RUN, 16) % 1000:03d}"
    holder[leaf] = int(fresh) if isinstance(original, int) else fresh
    return json.dumps(document, ensure_ascii=False).encode()


def own_order(number: int) -> bytes:
    return json.dumps(
        {
            "channel": "own_shop",
            "external_id": f"D11-{RUN}-{number}",
            "buyer": {"buyer_id": f"D11-{RUN}-{number % 5000}"},
            "receiver": {"name": "测试", "phone": "13800138000", "province": "上海", "city": "上海市", "district": "浦东新区", "detail": f"路{number}号"},
            "lines": [{"sku": "TEA-LONGJING-250G", "quantity": 1, "unit_price": "88.00"}],
            "placed_at": "2026-11-11T00:00:00+08:00",
        },
        ensure_ascii=False,
    ).encode()


class ChannelOrders(FastHttpUser):
    """One order per second, the channel drawn by the peak's mix."""

    wait_time = constant_throughput(1)

    def _next(self) -> int | None:
        number = next(_sent)
        if MAX_ORDERS and number > MAX_ORDERS:
            self.environment.runner.quit()
            return None
        return number

    def _webhook(self, channel: str) -> None:
        number = self._next()
        if number is None:
            return
        shop = SHOPS[channel]
        body = channel_order(channel, number)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADERS[channel]: signatures.sign(SECRETS[channel][shop], body)}
        self.client.post(f"/channels/{channel}/{shop}/orders", data=body, headers=headers, name=f"webhook {channel}")

    @task(MIX["tmall"])
    def tmall(self) -> None:
        self._webhook("tmall")

    @task(MIX["jd"])
    def jd(self) -> None:
        self._webhook("jd")

    @task(MIX["douyin"])
    def douyin(self) -> None:
        self._webhook("douyin")

    @task(MIX["shopify"])
    def shopify(self) -> None:
        self._webhook("shopify")

    @task(MIX["own_api"])
    def own_api(self) -> None:
        number = self._next()
        if number is None:
            return
        headers = {"Content-Type": "application/json"}
        if os.environ.get("OMS_LOAD_API_KEY"):
            headers["x-api-key"] = os.environ["OMS_LOAD_API_KEY"]
        self.client.post("/orders", data=own_order(number), headers=headers, name="POST /orders")


class Double11(LoadTestShape):
    """Users (= orders/s) through the night; stops at its end."""

    def tick(self) -> tuple[int, float] | None:
        second = self.get_run_time()
        if second > SECONDS:
            return None
        users = max(1, round(rate_at(second)))
        return users, max(1.0, users)  # spawn fast enough to follow the spike


@events.quitting.add_listener
def _fail_on_errors(environment: Any, **_: Any) -> None:
    """A non-zero exit when any order was refused or failed: the run is a check, not a show."""
    if environment.stats.total.fail_ratio > 0:
        environment.process_exit_code = 1
