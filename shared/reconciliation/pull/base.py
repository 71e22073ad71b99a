"""What every platform's order-list adapter shares: the shop's API credentials, where the
platform is (a setting: the real API on AWS, the fake platform server locally), and the TOP-style
request signature Taobao, JD and Douyin use."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime, timezone
from typing import Any, Protocol

from pydantic import BaseModel, Field

from shared.clock import CHINA_TIME
from shared.reconciliation.domain import ChannelState, Page, PulledOrder, Window
from shared.reconciliation.pull.http import PlatformHttp


class ShopCredentials(BaseModel):
    """A shop's API access, from the platform credentials secret (docs/runbook.md)."""

    access_token: str = Field(min_length=1)  # Shopify's Admin API token, TOP's session, JD's / Douyin's access_token
    app_key: str = ""
    app_secret: str = ""


class OrderLister(Protocol):
    channel: str

    def page(self, shop: str, credentials: ShopCredentials, window: Window, cursor: str | None) -> Page:
        """One page of the shop's orders modified in the window: `cursor` None is the first page;
        the answer's next_cursor is None after the last one."""
        ...


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def china_time(moment: datetime) -> str:
    """'yyyy-MM-dd HH:mm:ss' in Beijing time, how Taobao and JD take times."""
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")


def _joined(params: dict[str, str]) -> str:
    return "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")


def top_signature(params: dict[str, str], secret: str) -> str:
    """Taobao's TOP signature (sign_method=hmac-sha256): the parameters sorted by name, each name
    followed by its value, HMAC-SHA256 with the app secret, upper-case hex."""
    return hmac.new(secret.encode(), _joined(params).encode(), hashlib.sha256).hexdigest().upper()


def jos_signature(params: dict[str, str], secret: str) -> str:
    """JD's JOS signature: the app secret, the parameters sorted by name (each name followed by its
    value, 360buy_param_json included), the app secret again; MD5, upper-case hex."""
    return hashlib.md5(f"{secret}{_joined(params)}{secret}".encode()).hexdigest().upper()


DOUYIN_SIGNED = ("app_key", "method", "param_json", "timestamp", "v")


def douyin_signature(params: dict[str, str], param_json: str, secret: str) -> str:
    """抖店's signature (sign_method=hmac-sha256): only app_key, method, param_json, timestamp and
    v, sorted by name, each name followed by its value, between the app secret twice; HMAC-SHA256
    keyed with the app secret, lower-case hex. access_token and sign_method are not signed."""
    signed = {**{k: params[k] for k in DOUYIN_SIGNED if k != "param_json"}, "param_json": param_json}
    return hmac.new(secret.encode(), f"{secret}{_joined(signed)}{secret}".encode(), hashlib.sha256).hexdigest()


def douyin_signed_params(method: str, business: dict[str, Any], credentials: ShopCredentials) -> dict[str, str]:
    """The query parameters of one 抖店 call, signed over `business` as its param_json (compact,
    keys sorted, UTF-8 text): what the reconciliation pull and the write-back both send."""
    param_json = json.dumps(business, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    params = {
        "method": method,
        "app_key": credentials.app_key,
        "access_token": credentials.access_token,
        "timestamp": str(int(datetime.now(timezone.utc).timestamp())),
        "v": "2",
        "sign_method": "hmac-sha256",
    }
    params["sign"] = douyin_signature(params, param_json, credentials.app_secret)
    return params


class PagedLister:
    """What every order-list adapter holds: its HTTP client and its page size."""

    channel = ""
    max_page_size = 100

    def __init__(self, http: PlatformHttp | None = None, page_size: int | None = None):
        self.http = http or PlatformHttp()
        self.page_size = min(page_size or self.max_page_size, self.max_page_size)


class NumberedPages(PagedLister):
    """Taobao, JD and Douyin page by number: page n is asked for, its orders read, and the answer
    says whether another page follows (has_next, or a total to count against). The cursor is the
    next page's number. A subclass says how to ask for one page and how to read its item."""

    first_page = 1  # Douyin counts from 0

    def page(self, shop: str, credentials: ShopCredentials, window: Window, cursor: str | None) -> Page:
        number = int(cursor) if cursor else self.first_page
        orders, more = self.fetch(credentials, window, number)
        return Page(orders=[self.pulled(order) for order in orders], next_cursor=str(number + 1) if more else None)

    def fetch(self, credentials: ShopCredentials, window: Window, number: int) -> tuple[list[dict[str, Any]], bool]:
        """One page's order items and whether another page follows (the platform's refusals raised)."""
        raise NotImplementedError

    def pulled(self, order: dict[str, Any]) -> PulledOrder:
        raise NotImplementedError

    def counted_more(self, number: int, total: int, orders: list[Any]) -> bool:
        """With a total instead of has_next: pages up to this one hold fewer orders than the total
        (an empty page ends the run whatever the total says)."""
        return (number - self.first_page + 1) * self.page_size < total and bool(orders)


def pulled_order(channel: str, order: dict[str, Any], *, id_field: str, status_field: str, modified_field: str, states: dict[Any, ChannelState]) -> PulledOrder:
    """A list item as reconciliation holds it: the payload untouched, its status read with `states`
    (a status the table does not name is OTHER: a person looks if it matters)."""
    status = order.get(status_field)
    modified = order.get(modified_field)
    return PulledOrder(
        channel=channel,
        external_id=str(order.get(id_field)),
        platform_status=str(status),
        state=states.get(status, ChannelState.OTHER),
        modified_at=str(modified) if modified is not None else None,
        payload=order,
    )
