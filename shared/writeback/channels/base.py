"""What every platform's write-back adapter shares: one HTTP call (no retry here: the per-channel
queue retries with backoff, so a slow platform never holds a Lambda), how its answer becomes
CallFailed, and the TOP-style signed gateway call Taobao, JD and Douyin take.

Credentials (access token, app key and secret per shop) come from the platform credentials
secret that reconciliation already reads (shared/reconciliation/credentials.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any, Protocol

from shared.reconciliation.pull.base import ShopCredentials, china_time, jos_signature, setting, top_signature
from shared.reconciliation.pull.http import _json, retry_after
from shared.writeback.domain import CallFailed, StockPush, WriteBack

TIMEOUT_SECONDS = 10.0


class PlatformChannel(Protocol):
    channel: str

    def ship(self, writeback: WriteBack, credentials: ShopCredentials) -> str:
        """Tells the platform the package shipped; returns the platform's reference. Raises CallFailed."""
        ...

    def push_stock(self, push: StockPush, credentials: ShopCredentials) -> str:
        """Sets the item's sellable quantity on the platform. Raises CallFailed."""
        ...


def call(method: str, url: str, *, params: dict[str, str] | None = None, form: dict[str, str] | None = None, json_body: Any = None, headers: dict[str, str] | None = None) -> Any:
    """One HTTP call; the decoded JSON answer, or CallFailed (retryable for 429, 5xx and no connection)."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
    data, sent = None, {"Accept": "application/json", **(headers or {})}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded;charset=utf-8"
    elif json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode()
        sent["Content-Type"] = "application/json"
    where = f"{method} {url.split('?', 1)[0]}"  # tokens travel in the query: keep them out of reasons
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=sent, method=method), timeout=TIMEOUT_SECONDS) as response:
            return _json(response.read())
    except urllib.error.HTTPError as error:
        body = str(_json(error.read()))[:300]
        if error.code == 429:
            wait = retry_after(error.headers.get("Retry-After") if error.headers else None, 1.0)
            raise CallFailed(f"{where} answered 429 (retry after {wait:g}s)", retryable=True, retry_after=wait) from None
        if error.code >= 500:
            raise CallFailed(f"{where} answered {error.code}: {body}", retryable=True) from None
        raise CallFailed(f"{where} refused the call ({error.code}): {body}", retryable=False) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise CallFailed(f"{where}: no connection ({error})", retryable=True) from None


def top_call(gateway_setting: str, default_gateway: str, api: str, credentials: ShopCredentials, business: dict[str, str], *, token_name: str = "session") -> dict[str, Any]:
    """A signed call on a TOP-style gateway (Taobao's router/rest, JD's routerjson): system
    parameters and the business ones in one signed form. JD wraps the business parameters in
    360buy_param_json; Taobao takes them flat."""
    params = {
        "method": api,
        "app_key": credentials.app_key,
        token_name: credentials.access_token,
        "timestamp": china_time(datetime.now(UTC)),
        "v": "2.0",
    }
    if token_name == "access_token":  # JD: JOS signs MD5(secret + parameters + secret)
        params["360buy_param_json"] = json.dumps(business, ensure_ascii=False, separators=(",", ":"))
        params["sign"] = jos_signature(params, credentials.app_secret)
    else:  # Taobao: HMAC-SHA256
        params.update({"format": "json", "sign_method": "hmac-sha256", **business})
        params["sign"] = top_signature(params, credentials.app_secret)
    body = call("POST", setting(gateway_setting, default_gateway), form=params)
    if not isinstance(body, dict):
        raise CallFailed(f"{api} answered something that is not JSON: {str(body)[:200]}", retryable=True)
    error = body.get("error_response")
    if isinstance(error, dict):
        # TOP's App Call Limited (7); JD's call-frequency limit (85, hand-built). JD's 19 is an
        # expired token: refused, not retried.
        limited = str(error.get("code")) in {"7", "85"}
        raise CallFailed(f"{api} refused: {error}", retryable=limited, retry_after=1.0 if limited else None)
    return body

