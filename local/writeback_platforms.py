"""A fake of the four platforms' write-back and stock APIs on 127.0.0.1, for the local runtime and
the tests: Shopify's orders, fulfillment_orders, fulfillments and inventory_levels/set; TOP's
taobao.logistics.offline.send, taobao.trade.fullinfo.get and taobao.item.quantity.update; JOS's
jingdong.pop.order.shipment and jingdong.stock.write.updateSkuStock; Douyin's order/logisticsAdd
and sku/syncStock. It CHECKS each call's shape — the shop's token, the TOP/Douyin signature, the
required fields and their types, carrier codes the platform knows, quantities a fulfillment order
still holds — and answers a bad call as the platform would refuse it; it records every call, and
on demand fails the next calls (5xx) or throttles them (429 with Retry-After).

The reconciler's schedules list the same shops' orders meanwhile: those calls are answered by the
order-list fake (local/fake_platforms.py) with empty pages, as a platform with no new orders
answers, recorded apart in `listed`, so a refusal logged by the reconciler in a test is a fault."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from local.fake_http import LocalHttpFake
from local.fake_platforms import FakePlatforms, answer_listing
from local.platform_orders import SHIPPED, external_id, set_status, touch
from local.writeback_shapes import Refused, check_douyin, check_jd, check_shopify, check_top


class _Faulted(Exception):
    pass


_WRITEBACK_METHODS = {
    "taobao.logistics.offline.send", "taobao.trade.fullinfo.get", "taobao.item.quantity.update",
    "jingdong.pop.order.shipment", "jingdong.stock.write.updateSkuStock", "order.logisticsAdd", "order.logisticsAddMultiPack", "sku.syncStock",
}


def _is_writeback_call(channel: str, path: str, query: dict[str, str], raw: str) -> bool:
    if channel == "shopify":
        return "fulfillment" in path or "inventory_levels" in path or "/orders/" in path
    method = query.get("method") if channel == "douyin" else (parse_qs(raw).get("method") or [""])[-1]
    return method in _WRITEBACK_METHODS


class FakeChannelApis(LocalHttpFake):
    thread_name = "fake-channel-apis"

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []  # the write-back and stock calls
        self.listed: list[dict[str, Any]] = []  # the reconciler's order-list calls, answered with empty pages
        self._lists = FakePlatforms()  # its list handlers, with this fake's shops and no orders
        self.orders: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, external id) -> the platform's order
        self.fulfilled: dict[int, int] = defaultdict(int)  # Shopify line item id -> units fulfilled
        self.shops: dict[str, tuple[str, str]] = {}  # access token -> (channel, shop)
        self._lists.tokens = self.shops  # the list handlers know the same shops
        self._faults: dict[str, list[tuple[int, float | None]]] = defaultdict(list)
        self.lock = threading.Lock()

    # -- fixtures and faults -------------------------------------------------------------------

    def add_shop(self, channel: str, shop: str) -> None:
        self.shops[self.token(channel, shop)] = (channel, shop)

    @staticmethod
    def token(channel: str, shop: str) -> str:
        return f"wb-{channel}-token-{shop}"

    @staticmethod
    def secret(channel: str) -> str:
        return f"wb-{channel}-secret"

    def credentials(self) -> dict[str, dict[str, dict[str, str]]]:
        """The platform credentials secret's value for every shop added."""
        value: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
        for token, (channel, shop) in self.shops.items():
            value[channel][shop] = {"access_token": token, "app_key": f"wb-{channel}-app", "app_secret": self.secret(channel)}
        return dict(value)

    def add_order(self, channel: str, external_id: str, order: dict[str, Any]) -> None:
        """The platform's own order (Shopify: its line_items; Taobao: the trade with orders.order)."""
        self.orders[(channel, str(external_id))] = order

    def know_order(self, channel: str, shop: str, order: dict[str, Any]) -> None:
        """An order of one of its shops, as the platform holds it: what the write-back calls read
        (add_order) and what the order lists return to the reconciler."""
        self.add_order(channel, external_id(channel, order), order)
        self._lists.add_orders(channel, shop, [order])

    def fail(self, channel: str, times: int = 1, status: int = 500) -> None:
        self._faults[channel].extend([(status, None)] * times)

    def throttle(self, channel: str, times: int = 1, retry_after: float = 1) -> None:
        self._faults[channel].extend([(429, retry_after)] * times)

    def accepted(self, channel: str, api: str | None = None) -> list[dict[str, Any]]:
        """The calls the platform took (TOP, JOS and Douyin refuse with HTTP 200 and an error body)."""
        return [c for c in self.calls if c["channel"] == channel and c["status"] in (200, 201) and not c["problems"] and (api is None or c["api"] == api)]

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        channel = {"taobao": "tmall"}.get(parsed.path.split("/")[1], parsed.path.split("/")[1])
        headers: dict[str, str] = {}
        api, params = parsed.path, {}
        if not _is_writeback_call(channel, parsed.path, query, raw):
            # The reconciler's schedules list orders: an empty page; they do not eat the faults either.
            status, headers, body = answer_listing(self._lists, channel, parsed.path, query, raw, request.headers)
            self.listed.append({"channel": channel, "path": parsed.path, "status": status})
            self.answer(request, status, headers, body)
            return
        fault = self._fault(channel)  # a failing platform does nothing with the call
        try:
            if fault:
                status, headers, body = fault
                problems: list[str] = []
                raise _Faulted
            if channel == "shopify":
                api, params, status, body = check_shopify(self, request.command, parsed.path, query, raw, request.headers)
            elif channel == "tmall":
                api, params, status, body = check_top(self, {k: v[-1] for k, v in parse_qs(raw).items()})
            elif channel == "jd":
                api, params, status, body = check_jd(self, {k: v[-1] for k, v in parse_qs(raw).items()})
            elif channel == "douyin":
                api, params, status, body = check_douyin(self, parsed.path, query, raw)
            else:
                raise Refused(404, {"errors": "Not Found"}, [f"no platform at {parsed.path}"])
            problems = []
        except _Faulted:
            pass
        except Refused as refused:
            status, body, problems = refused.status, refused.body, refused.problems
        self.calls.append({"channel": channel, "api": api, "params": params, "status": status, "problems": problems})
        if status in (200, 201) and not problems:
            self._shipped(channel, api, params)
        self.answer(request, status, headers, body)

    def _shipped(self, channel: str, api: str, params: dict[str, Any]) -> None:
        """A shipping call the platform took: the order it names takes the platform's shipped
        status and a new modified time, as the platform's order list then shows it (Shopify:
        fulfilled once every unit is; Taobao: SELLER_CONSIGNED_PART after a split send)."""
        if api == "POST fulfillments":
            groups = (params.get("fulfillment") or {}).get("line_items_by_fulfillment_order") or []
            order_ids = {str(int(g["fulfillment_order_id"]) - 1) for g in groups if isinstance(g, dict)}
        else:
            key = {"taobao.logistics.offline.send": "tid", "jingdong.pop.order.shipment": "orderId", "order.logisticsAdd": "order_id", "order.logisticsAddMultiPack": "order_id"}.get(api)
            order_ids = {str(params[key])} if key and params.get(key) else set()
        for order_id in order_ids:
            order = self.orders.get((channel, order_id))
            if order is None:
                continue
            with self.lock:
                if channel == "shopify":
                    whole = all(self.fulfilled[int(li["id"])] >= li["quantity"] for li in order["line_items"])
                    order["fulfillment_status"] = "fulfilled" if whole else "partial"
                elif channel == "tmall" and params.get("is_split") == "1":
                    set_status(channel, order, "SELLER_CONSIGNED_PART")
                else:
                    set_status(channel, order, SHIPPED[channel])
                touch(channel, order, datetime.now(UTC))

    def _fault(self, channel: str) -> tuple[int, dict[str, str], Any] | None:
        with self.lock:
            if not self._faults[channel]:
                return None
            status, retry_after = self._faults[channel].pop(0)
        if status == 429:
            return 429, {"Retry-After": f"{retry_after:g}"}, {"errors": "Exceeded the rate limit (injected)"}
        return status, {}, {"errors": "Internal Server Error (injected)"}
