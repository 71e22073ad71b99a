"""How the `oms` command talks to an oms API: plain HTTP to the local runtime, SigV4-signed HTTP to
a deployed stage (IAM routes; botocore finds the credentials as the AWS CLI does), or a bearer
token. Every 4xx/5xx becomes ApiError carrying the API's error shape."""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

LOCAL_API = "http://127.0.0.1:8080"
_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")


def segment(value: str) -> str:
    """An id as one path segment: its '/', '?', '#', spaces and Chinese characters percent-encoded,
    so that it names that id and nothing else (and never fails as an invalid URL)."""
    return urllib.parse.quote(value, safe="")


class ApiError(Exception):
    def __init__(self, status: int, answer: Any):
        self.status, self.answer = status, answer
        message = answer.get("message") if isinstance(answer, dict) else str(answer)
        super().__init__(f"{status}: {message}")

    @property
    def problems(self) -> list[dict[str, Any]]:
        return list(self.answer.get("errors") or []) if isinstance(self.answer, dict) else []


@dataclass
class Client:
    base_url: str = LOCAL_API
    sign: bool = False  # SigV4 with botocore's credentials (a deployed stage)
    token: str | None = None
    region: str | None = None
    timeout: float = 60.0

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def get_text(self, path: str, **query: Any) -> str:
        """A GET whose answer is not JSON (a CSV report), as text."""
        return self.request("GET", path, query=query, as_text=True)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, body=body, **kwargs)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def request(self, method: str, path: str, *, body: Any = None, query: dict[str, Any] | None = None, raw: bytes | None = None, content_type: str = "application/json", as_text: bool = False) -> Any:
        url = self.base_url.rstrip("/") + path
        params = {k: v for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None)
        headers = {"Content-Type": content_type, "Accept": "application/json"} if data is not None else {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.sign:
            headers = self._signed(method, url, data, headers)
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read().decode("utf-8") if as_text else _decoded(response.read())
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, _decoded(error.read())) from None
        except urllib.error.URLError as error:
            raise ApiError(0, {"message": f"cannot reach {self.base_url}: {error.reason} (is `oms serve` running?)", "errors": []}) from None
        except (TimeoutError, ConnectionError, http.client.HTTPException) as error:  # after connecting: no answer in time, or the connection dropped
            raise ApiError(0, {"message": f"{self.base_url} gave no answer to {method} {path}: {error or type(error).__name__} (after {self.timeout:g} s at most; is `oms serve` still running?)", "errors": []}) from None

    def _signed(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> dict[str, str]:
        import botocore.session
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        session = botocore.session.get_session()
        credentials = session.get_credentials()
        if credentials is None:
            raise ApiError(0, {"message": "no AWS credentials found for --stage (configure them as for the AWS CLI, or pass --token)", "errors": []})
        found = _REGION_IN_HOST.search(url)
        region = self.region or (found.group(1) if found else None) or session.get_config_variable("region") or "us-east-1"
        request = AWSRequest(method=method, url=url, data=data or b"", headers=headers)
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region).add_auth(request)
        return dict(request.headers.items())


def _decoded(data: bytes) -> Any:
    if not data:
        return None
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return {"message": text[:500], "errors": []}
