"""In-process transport from this process's boto3 clients to the local moto server.

The runtime's handlers, pollers and workflow engine live in the same process as the moto server,
yet every boto3 call they made went through a TCP connection to it: a new connection per request
(werkzeug's server sends `Connection: close` on every answer), a new server thread per request,
and werkzeug's drain of the request socket after every answer (a `select` of up to 10 ms). A
workflow run makes a few dozen calls; that transport, not moto's work, was most of the local
runtime's time (docs/decisions.md, decision 94).

`install(app, endpoint)` makes botocore hand a request whose URL is the moto server's straight to
the server's WSGI application, in the calling thread, and wraps the answer as botocore reads one
from urllib3. Everything above the socket is unchanged: botocore still signs, serialises, parses,
retries and runs its event hooks (the fault injector's `before-call` faults fire as before), moto
still routes, parses and answers the same request. Clients in other processes (the CLI, curl, a
test's own HTTP calls) still reach the real server on 127.0.0.1, which keeps serving.
"""

from __future__ import annotations

import io
import threading
from typing import Any
from urllib.parse import urlsplit

import botocore.awsrequest
import botocore.httpsession
from urllib3.response import HTTPResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

_lock = threading.Lock()
_apps: dict[str, Any] = {}  # "host:port" of a local moto server -> its WSGI application
_original_send = botocore.httpsession.URLLib3Session.send


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):  # a file-like payload (botocore rewinds it on a retry)
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    return b"".join(body)  # an iterable of chunks


def _send(self: botocore.httpsession.URLLib3Session, request: Any) -> Any:
    url = urlsplit(request.url)
    app = _apps.get(url.netloc)
    if app is None:
        return _original_send(self, request)
    headers = {k: (v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in request.headers.items()}
    environ = EnvironBuilder(
        path=url.path or "/",
        base_url=f"{url.scheme}://{url.netloc}",
        query_string=url.query,
        method=request.method,
        headers=headers,
        data=_body(request.body),
    ).get_environ()
    environ["REMOTE_ADDR"] = "127.0.0.1"
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    try:
        content = b"".join(app_iter)
    finally:
        if hasattr(app_iter, "close"):
            app_iter.close()
    raw = HTTPResponse(
        body=io.BytesIO(content),
        headers=list(response_headers.items()),
        status=int(status.split(None, 1)[0]),
        preload_content=False,
        decode_content=False,
        enforce_content_length=False,
    )
    response = botocore.awsrequest.AWSResponse(request.url, raw.status, raw.headers, raw)
    if not request.stream_output:
        response.content  # noqa: B018  (read now, as botocore's own session does)
    return response


def _names(endpoint: str) -> set[str]:
    """The server's host:port as a client may spell it (moto's workflow engine calls it localhost)."""
    port = urlsplit(endpoint).port
    return {urlsplit(endpoint).netloc, f"localhost:{port}", f"127.0.0.1:{port}"}


def install(app: Any, endpoint: str) -> None:
    """Requests to `endpoint` (http://127.0.0.1:port) from this process go to `app` in process."""
    with _lock:
        _apps.update(dict.fromkeys(_names(endpoint), app))
        botocore.httpsession.URLLib3Session.send = _send


def uninstall(endpoint: str) -> None:
    with _lock:
        for name in _names(endpoint):
            _apps.pop(name, None)
