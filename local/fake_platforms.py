"""A fake of the four platforms' order-list APIs on 127.0.0.1, for the local runtime, the tests and
the benchmark: it serves each shop's fixture orders (local/platform_orders.py) with each platform's
own paging — Shopify's Link-header page_info cursor, Taobao's page_no + has_next, JD's
page + orderTotal, Douyin's page-from-0 + total — checks the calls carry the documented
parameters (a call without them is answered as the platform would refuse it), records every call,
and on demand answers 429 with Retry-After (Taobao: its own "App Call Limited" answer) or fails a
page in the middle. The reconciliation adapters reach it through their base-URL settings."""

from __future__ import annotations

import base64
import json
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from local.fake_http import LocalHttpFake
from local.platform_orders import external_id, modified_at
from shared.reconciliation.pull.base import CHINA_TIME


class FakePlatforms(LocalHttpFake):
    def __init__(self) -> None:
        self.orders: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)  # (channel, shop) -> id -> order
        self.tokens: dict[str, tuple[str, str]] = {}  # access token -> (channel, shop)
        self.calls: list[dict[str, Any]] = []
        self._throttles: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self._failures: dict[tuple[str, int], list[int]] = defaultdict(list)
        self._lock = threading.Lock()

    # -- fixtures and faults -------------------------------------------------------------------

    def add_orders(self, channel: str, shop: str, orders: list[dict[str, Any]]) -> None:
        with self._lock:
            for order in orders:
                self.orders[(channel, shop)][external_id(channel, order)] = order

    def credentials(self) -> dict[str, dict[str, dict[str, str]]]:
        """The platform credentials secret's value for every shop with orders here."""
        secret: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
        for channel, shop in self.orders:
            token = f"local-{channel}-token-{shop}"
            self.tokens[token] = (channel, shop)
            secret[channel][shop] = {"access_token": token, "app_key": f"local-{channel}-app", "app_secret": f"local-{channel}-secret"}
        return dict(secret)

    def throttle(self, channel: str, times: int = 1, retry_after: float = 1, style: str = "http") -> None:
        """The next `times` calls answer throttled: HTTP 429 with Retry-After, or (style
        "platform", Taobao) TOP's error_response code 7 with the ban's seconds."""
        self._throttles[channel].extend([(retry_after, style)] * times)

    def fail_page(self, channel: str, page: int, times: int = 1, status: int = 500) -> None:
        """Page `page` (1 = the first) of any listing answers `status` the next `times` times."""
        self._failures[(channel, page)].extend([status] * times)

    def pages_served(self, channel: str) -> list[int]:
        return [c["page"] for c in self.calls if c["channel"] == channel and c["status"] == 200]

    # -- one request ---------------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        channel = parsed.path.split("/")[1]
        channel = {"taobao": "tmall"}.get(channel, channel)
        try:
            status, headers, body, page = _ROUTES[channel](self, parsed.path, query, raw, request.headers)
        except _Refused as refused:
            status, headers, body, page = refused.status, {}, refused.body, 0
        if status == 200 and page:
            fault = self._fault(channel, page)
            if fault:
                status, headers, body = fault
        self.calls.append({"channel": channel, "path": parsed.path, "query": query, "body": raw, "page": page, "status": status})
        self.answer(request, status, headers, body)

    def _fault(self, channel: str, page: int) -> tuple[int, dict[str, str], Any] | None:
        with self._lock:
            if self._throttles[channel]:
                seconds, style = self._throttles[channel].pop(0)
                if style == "platform":
                    ban = {"code": 7, "msg": "App Call Limited", "sub_code": "accesscontrol.limited-by-app-access-count", "sub_msg": f"This ban will last for {int(seconds)} more seconds"}
                    return 200, {}, {"error_response": ban}
                return 429, {"Retry-After": str(int(seconds))}, {"errors": "Exceeded the rate limit for this shop."}
            if self._failures[(channel, page)]:
                return self._failures[(channel, page)].pop(0), {}, {"errors": "Internal Server Error (injected)"}
        return None

    def _window(self, channel: str, shop: str, since: datetime, until: datetime, newest_first: bool = False) -> list[dict[str, Any]]:
        if until - since > timedelta(days=1) and channel == "tmall":
            raise _Refused(200, {"error_response": {"code": 41, "msg": "Invalid arguments", "sub_msg": "end_modified - start_modified must be at most one day"}})
        found = [o for o in self.orders.get((channel, shop), {}).values() if since <= modified_at(channel, o) < until]
        return sorted(found, key=lambda o: (modified_at(channel, o), external_id(channel, o)), reverse=newest_first)

    def _shop(self, token: str | None, channel: str) -> str:
        owner = self.tokens.get(token or "")
        if owner is None or owner[0] != channel:
            raise _Refused(401 if channel in ("shopify",) else 200, _invalid_token(channel))
        return owner[1]


class _Refused(Exception):
    def __init__(self, status: int, body: Any):
        self.status, self.body = status, body


def _invalid_token(channel: str) -> Any:
    return {
        "shopify": {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
        "tmall": {"error_response": {"code": 27, "msg": "Invalid session"}},
        "jd": {"error_response": {"code": "19", "zh_desc": "token已过期或者不存在"}},
        "douyin": {"code": 30002, "msg": "access_token不存在"},
    }[channel]


def _require(params: dict[str, Any], names: tuple[str, ...], refusal: Any) -> None:
    missing = [n for n in names if params.get(n) in (None, "")]
    if missing:
        raise _Refused(400 if "errors" in refusal else 200, {**refusal, "missing": missing})


def _china(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA_TIME).astimezone(UTC)


def _shopify(fake: FakePlatforms, path: str, query: dict[str, str], raw: str, headers: Any):
    shop = path.split("/")[2]
    if fake._shop(headers.get("X-Shopify-Access-Token"), "shopify") != shop:
        raise _Refused(401, _invalid_token("shopify"))
    limit = int(query.get("limit", "50"))
    if not 1 <= limit <= 250:
        raise _Refused(400, {"errors": {"limit": "must be between 1 and 250"}})
    if "page_info" in query:
        if set(query) - {"page_info", "limit", "fields"}:
            raise _Refused(400, {"errors": {"page_info": "page_info cannot be combined with other filters"}})
        state = json.loads(base64.urlsafe_b64decode(query["page_info"]))
    else:
        _require(query, ("updated_at_min", "updated_at_max", "status"), {"errors": "missing filter"})
        state = {"since": query["updated_at_min"], "until": query["updated_at_max"], "offset": 0}
    found = fake._window("shopify", shop, datetime.fromisoformat(state["since"].replace("Z", "+00:00")), datetime.fromisoformat(state["until"].replace("Z", "+00:00")))
    offset = state["offset"]
    headers_out = {}
    if offset + limit < len(found):
        token = base64.urlsafe_b64encode(json.dumps({**state, "offset": offset + limit}).encode()).decode()
        headers_out["Link"] = f'<{fake.url}{path}?limit={limit}&page_info={token}>; rel="next"'
    return 200, headers_out, {"orders": found[offset : offset + limit]}, offset // limit + 1


def _taobao(fake: FakePlatforms, path: str, query: dict[str, str], raw: str, headers: Any):
    form = {**query, **{k: v[-1] for k, v in parse_qs(raw).items()}}
    _require(form, ("method", "app_key", "session", "timestamp", "sign", "start_modified", "end_modified", "page_no", "page_size", "fields"), {"error_response": {"code": 40, "msg": "Missing required arguments"}})
    if form["method"] != "taobao.trades.sold.increment.get":
        raise _Refused(200, {"error_response": {"code": 22, "msg": "Invalid method"}})
    shop = fake._shop(form["session"], "tmall")
    page_no, page_size = int(form["page_no"]), int(form["page_size"])
    found = fake._window("tmall", shop, _china(form["start_modified"]), _china(form["end_modified"]), newest_first=True)
    chunk = found[(page_no - 1) * page_size : page_no * page_size]
    answer: dict[str, Any] = {"trades": {"trade": chunk}, "has_next": page_no * page_size < len(found)}
    if form.get("use_has_next") != "true":
        answer["total_results"] = len(found)
    return 200, {}, {"trades_sold_increment_get_response": answer}, page_no


def _jd(fake: FakePlatforms, path: str, query: dict[str, str], raw: str, headers: Any):
    form = {**query, **{k: v[-1] for k, v in parse_qs(raw).items()}}
    _require(form, ("method", "app_key", "access_token", "timestamp", "sign", "360buy_param_json"), {"error_response": {"code": "67", "zh_desc": "缺少参数"}})
    business = json.loads(form["360buy_param_json"])
    _require(business, ("start_date", "end_date", "page", "page_size"), {"error_response": {"code": "67", "zh_desc": "缺少业务参数"}})
    if str(business.get("dateType", "0")) == "1":  # JD: 1 searches by creation time; this fake keeps only the modified time
        raise _Refused(200, {"error_response": {"code": "67", "zh_desc": "fake JD answers the modified-time search only (dateType 0)"}})
    shop = fake._shop(form["access_token"], "jd")
    page, size = int(business["page"]), int(business["page_size"])
    found = fake._window("jd", shop, _china(business["start_date"]), _china(business["end_date"]))
    result = {"orderInfoList": found[(page - 1) * size : page * size], "orderTotal": len(found), "apiResult": {"success": True, "resultCode": "0"}}
    return 200, {}, {"jingdong_pop_order_search_responce": {"code": "0", "searchorderinfo_result": result}}, page


def _douyin(fake: FakePlatforms, path: str, query: dict[str, str], raw: str, headers: Any):
    _require(query, ("method", "app_key", "access_token", "timestamp", "sign"), {"code": 40001, "msg": "缺少参数"})
    if query["method"] != "order.searchList":
        raise _Refused(200, {"code": 40002, "msg": "method不存在"})
    shop = fake._shop(query["access_token"], "douyin")
    body = json.loads(raw or "{}")
    _require(body, ("update_time_start", "update_time_end", "size"), {"code": 40001, "msg": "缺少业务参数"})
    page, size = int(body.get("page", 0)), int(body["size"])
    if size > 100:
        raise _Refused(200, {"code": 40004, "msg": "size最大为100"})
    found = fake._window("douyin", shop, datetime.fromtimestamp(body["update_time_start"], UTC), datetime.fromtimestamp(body["update_time_end"], UTC))
    data = {"shop_order_list": found[page * size : (page + 1) * size], "total": len(found), "page": page, "size": size}
    return 200, {}, {"code": 10000, "msg": "success", "data": data}, page + 1


_ROUTES = {"shopify": _shopify, "tmall": _taobao, "jd": _jd, "douyin": _douyin}


def answer_listing(fake: FakePlatforms, channel: str, path: str, query: dict[str, str], raw: str, headers: Any) -> tuple[int, dict[str, str], Any]:
    """(status, headers, body) of one order-list call, as the platform answers it for the shops
    and orders `fake` holds; a call that is not a listing is refused as the platform refuses it."""
    if channel not in _ROUTES:
        return 404, {}, {"errors": "Not Found"}
    try:
        status, headers_out, body, _ = _ROUTES[channel](fake, path, query, raw, headers)
    except _Refused as refused:
        return refused.status, {}, refused.body
    return status, headers_out, body
