"""The one HTTP client every platform adapter calls through: JSON in and out, retries that honour
a 429's Retry-After (and a platform's own "call limited" answer), and backoff with jitter on 5xx
and broken connections. Standard library only: it ships to Lambda without a dependency."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from shared.backoff import full_jitter

MAX_ATTEMPTS = 6
BASE_BACKOFF_SECONDS = 0.5
MAX_WAIT_SECONDS = 60.0  # a longer Retry-After ends the attempt: the run's checkpoint keeps the place


class PlatformUnavailable(Exception):
    """The platform kept failing (5xx, throttling, no connection) after every retry."""


class PlatformRefused(Exception):
    """The platform refused the call itself (4xx other than 429, or an error answer): credentials,
    permissions or parameters are wrong; retrying will not help."""


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: Any):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


# Reads an answer's body and says how long to wait when the platform throttled the call in its own
# words (Taobao and JD answer HTTP 200 with an error code), or None when it did not.
ThrottleReader = Callable[[Any], float | None]


class PlatformHttp:
    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        base_backoff: float = BASE_BACKOFF_SECONDS,
        timeout: float = 20.0,
    ):
        self.sleep, self.max_attempts, self.base_backoff, self.timeout = sleep, max_attempts, base_backoff, timeout
        self.calls = 0
        self.retries = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        throttled: ThrottleReader | None = None,
    ) -> Answer:
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
        data, sent_headers = None, {"Accept": "application/json", **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded;charset=utf-8"
        elif json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode()
            sent_headers["Content-Type"] = "application/json"
        last = "no attempt"
        for attempt in range(1, self.max_attempts + 1):
            self.calls += 1
            wait: float | None
            try:
                answer = self._once(method, url, data, sent_headers)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                last, wait = f"no connection ({error})", self._backoff(attempt)
            else:
                if answer.status == 429:
                    last, wait = "429 Too Many Requests", retry_after(answer.header("Retry-After"), self._backoff(attempt))
                elif answer.status >= 500:
                    last, wait = f"{answer.status} from the platform", self._backoff(attempt)
                elif answer.status >= 400:
                    raise PlatformRefused(f"{method} {_without_query(url)} answered {answer.status}: {str(answer.body)[:300]}")
                else:
                    wait = throttled(answer.body) if throttled else None
                    if wait is None:
                        return answer
                    last = "the platform's call limit"
            if attempt == self.max_attempts or wait > MAX_WAIT_SECONDS:
                break
            self.retries += 1
            self.sleep(wait)
        raise PlatformUnavailable(f"{method} {_without_query(url)} failed {attempt} times; last: {last}")

    def _once(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, dict(response.headers.items()), _json(response.read()))
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers.items()) if error.headers else {}, _json(error.read()))

    def _backoff(self, attempt: int) -> float:
        # Full jitter: many shops' runs retrying at once do not stampede the platform together.
        return full_jitter(attempt, self.base_backoff)


def retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return default


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]  # tokens travel in the query on TOP and JD: keep them out of messages
