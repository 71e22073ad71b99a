"""Order fixtures for the fake platform server: each platform's published or hand-built sample
(events/channels/, samples/real) copied with new ids, buyers, modified times and statuses, in the
shape that platform's order-list call returns. Seeded: the same arguments give the same orders."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from local.channel_samples import hand_built, published_shopify_order
from shared.channels import douyin, jd, shopify, tmall
from shared.reconciliation.pull.base import CHINA_TIME

# The platform status each generated order gets, by the share of orders that have it.
AWAITING = {"shopify": ("paid", None, None), "tmall": "WAIT_SELLER_SEND_GOODS", "jd": "WAIT_SELLER_STOCK_OUT", "douyin": 2}
CANCELLED = {"shopify": ("refunded", None, "2026-11-11T08:00:00+08:00"), "tmall": "TRADE_CLOSED", "jd": "TRADE_CANCELED", "douyin": 4}
SHIPPED = {"shopify": ("paid", "fulfilled", None), "tmall": "WAIT_BUYER_CONFIRM_GOODS", "jd": "WAIT_GOODS_RECEIVE_CONFIRM", "douyin": 3}


def template(channel: str) -> dict[str, Any]:
    """The bare order of the channel's sample, as its list call returns it."""
    if channel == "shopify":
        return hand_built("shopify")
    return {"tmall": tmall.unwrap, "jd": jd.unwrap, "douyin": douyin.unwrap}[channel](hand_built(channel))


def set_status(channel: str, order: dict[str, Any], status: Any) -> dict[str, Any]:
    if channel == "shopify":
        order["financial_status"], order["fulfillment_status"], order["cancelled_at"] = status
    else:
        order[{"tmall": "status", "jd": "orderState", "douyin": "order_status"}[channel]] = status
    return order


def external_id(channel: str, order: dict[str, Any]) -> str:
    return str(order[{"shopify": "id", "tmall": "tid", "jd": "orderId", "douyin": "order_id"}[channel]])


def modified_at(channel: str, order: dict[str, Any]) -> datetime:
    """When the order last changed, in the platform's own field and format."""
    if channel == "shopify":
        return datetime.fromisoformat(order["updated_at"]).astimezone(UTC)
    if channel == "douyin":
        return datetime.fromtimestamp(int(order["update_time"]), UTC)
    return datetime.strptime(order["modified"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA_TIME).astimezone(UTC)


def touch(channel: str, order: dict[str, Any], at: datetime) -> None:
    """The order changed on its platform `at`: its modified time, in the platform's own field and format."""
    if channel == "shopify":
        order["updated_at"] = at.astimezone(CHINA_TIME).isoformat()
    elif channel == "douyin":
        order["update_time"] = int(at.timestamp())
    else:
        order["modified"] = at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")


def _stamp(channel: str, order: dict[str, Any], serial: int, at: datetime, prefix: int) -> None:
    local = at.astimezone(CHINA_TIME)
    if channel == "shopify":
        order["id"] = prefix * 10**9 + serial
        order["name"] = f"#{serial}"
        order["created_at"] = order["processed_at"] = (local - timedelta(minutes=3)).isoformat()
        order["updated_at"] = local.isoformat()
        order["email"] = f"buyer{serial}@example.com"
        if order.get("customer"):
            order["customer"] = {**order["customer"], "id": 8_000_000_000 + serial}
        if order.get("shipping_address"):
            order["shipping_address"] = {**order["shipping_address"], "address2": f"{serial}室"}
    elif channel == "tmall":
        order["tid"] = prefix * 10**12 + serial
        order["tid_str"] = str(order["tid"])
        order["created"] = (local - timedelta(minutes=3)).strftime("%Y-%m-%d %H:%M:%S")
        order["modified"] = local.strftime("%Y-%m-%d %H:%M:%S")
        order["buyer_open_uid"] = f"AAH-{serial}"
        order["receiver_address"] = f"{order.get('receiver_address', '')} {serial}号"
    elif channel == "jd":
        order["orderId"] = str(prefix * 10**9 + serial)
        order["orderStartTime"] = (local - timedelta(minutes=3)).strftime("%Y-%m-%d %H:%M:%S")
        order["modified"] = local.strftime("%Y-%m-%d %H:%M:%S")
        order["pin"] = f"jd_buyer_{serial}"
        order["consigneeInfo"] = {**order["consigneeInfo"], "fullAddress": f"{order['consigneeInfo'].get('fullAddress', '')} {serial}号"}
    else:
        order["order_id"] = str(prefix * 10**12 + serial)
        order["create_time"] = int(at.timestamp()) - 180
        order["update_time"] = int(at.timestamp())
        order["doudian_open_id"] = f"1@#buyer{serial}=="
        order["post_addr"] = {**order["post_addr"], "detail": f"{order['post_addr'].get('detail', '')} {serial}号"}


def generate(channel: str, count: int, since: datetime, until: datetime, *, seed: int = 14, prefix: int = 7, cancelled_share: float = 0.0) -> list[dict[str, Any]]:
    """`count` orders modified in [since, until), awaiting shipment unless cancelled by `cancelled_share`."""
    rng = random.Random(f"{seed}-{channel}")
    base = template(channel)
    span = (until - since).total_seconds()
    orders = []
    for serial in range(1, count + 1):
        order = copy.deepcopy(base)
        _stamp(channel, order, serial, since + timedelta(seconds=int(span * (serial - 0.5) / count)), prefix)
        set_status(channel, order, CANCELLED[channel] if rng.random() < cancelled_share else AWAITING[channel])
        orders.append(order)
    return orders


def published_shopify(at: datetime) -> dict[str, Any] | None:
    """Shopify's published order, as the list returns it, last changed at `at`."""
    order = published_shopify_order()
    if order is None:
        return None
    order = copy.deepcopy(order)
    order["updated_at"] = at.astimezone(CHINA_TIME).isoformat()
    return order


PARSERS = {"shopify": shopify.parse, "tmall": tmall.parse, "jd": jd.parse, "douyin": douyin.parse}
