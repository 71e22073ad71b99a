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

Two steps of that path cost more than the request they carry (decision 180): werkzeug's general
test-request builder (`EnvironBuilder`, a tenth of a request's time) and botocore's SigV4
signature (canonical request, string to sign, four HMACs), which moto never checks. For requests
to a local moto server the WSGI environ is built directly (the same keys and values the builder
gives), and a SigV4 request carries an `Authorization` header of the same form and credential
scope (access key, date, region, service: what moto reads to find the account and the service)
whose signature is a fixed placeholder. Requests signed any other way (S3's variant, presigned
URLs) and requests to anywhere else are signed as before.

Flask's request handling was then a fifth of a request's CPU (decision 206): the request and
application contexts, the URL map bound per request, the view's Flask response, flask-cors's
headers and werkzeug's WSGI response, around a view that only hands moto's request to the service's
`dispatch`. A request for one of moto's service views (`_moto_view`) is dispatched as moto's own
in-process mock does: the same service application (moto's dispatcher picks it from the same
environ), the same view found by its URL map, moto's request class built from the environ, the
request recorder, the service's dispatch, and its answer (or its HTTP error's answer, as Flask
renders one) turned into status, headers and body by werkzeug's response as before. Requests to
moto's own API (/moto-api: resets, configuration), requests no view matches and applications that
are not moto's dispatcher go through the WSGI application as before.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.auth
import botocore.awsrequest
import botocore.httpsession
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.utils import get_current_datetime
from flask import Response
from moto.core.utils import convert_to_flask_response
from moto.moto_api import recorder
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from urllib3.response import HTTPResponse
from werkzeug.exceptions import HTTPException
from werkzeug.test import run_wsgi_app
from werkzeug.urls import iri_to_uri

_lock = threading.Lock()
_apps: dict[str, Any] = {}  # "host:port" of a local moto server -> its WSGI application
_original_send = botocore.httpsession.URLLib3Session.send
_original_add_auth = botocore.auth.SigV4Auth.add_auth
PLACEHOLDER_SIGNATURE = "0" * 64  # moto does not verify signatures; nothing else sees these requests
# CPU the moto server spent in each calling thread: work AWS does on its side, which a measurement
# of a handler's own CPU leaves out (benchmarks/footprint/recorder.py).
_served = threading.local()


def server_cpu_seconds() -> float:
    """The thread CPU this thread has spent inside the local moto server's application so far."""
    return getattr(_served, "cpu_s", 0.0)


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
    headers = ((k, v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in request.headers.items())
    environ = wsgi_environ(url.scheme, url.netloc, url.path or "/", url.query, request.method, headers, _body(request.body))
    started = time.thread_time()
    view = _moto_view(app, environ)
    if view is None:
        app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    else:
        answer = _dispatched(view, environ)
        app_iter, status, response_headers = answer.get_app_iter(environ), answer.status, answer.get_wsgi_headers(environ)
    try:
        content = b"".join(app_iter)
    finally:
        if hasattr(app_iter, "close"):
            app_iter.close()
        _served.cpu_s = server_cpu_seconds() + time.thread_time() - started
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


def _moto_view(app: Any, environ: dict[str, Any]) -> tuple[Any, convert_to_flask_response] | None:
    """The service application and view moto's server would run for `environ`, when it is one of
    moto's service views (None: the request goes through the WSGI application)."""
    if not isinstance(app, DomainDispatcherApplication) or environ["PATH_INFO"].startswith("/moto-api"):
        return None
    service_app = app.get_application(environ)  # the service, as the dispatcher finds it
    try:
        endpoint, _ = service_app.url_map.bind_to_environ(environ).match()
    except HTTPException:  # no route, a redirect, a wrong method: Flask answers those
        return None
    view = service_app.view_functions.get(endpoint)
    return (service_app, view) if isinstance(view, convert_to_flask_response) else None


def _dispatched(view: tuple[Any, convert_to_flask_response], environ: dict[str, Any]) -> Response:
    """What moto's view answers, as its Flask application would: the view's own steps
    (moto.core.utils.convert_to_flask_response.__call__) on moto's request class, and an HTTP
    error raised by the service rendered by the error itself (Flask's handler for it)."""
    service_app, flask_view = view
    request = service_app.request_class(environ)  # moto's request, already normalised
    try:
        recorder._record_request(request)
        try:
            result = flask_view.callback(request, request.raw_url, dict(request.headers))
        except ClientError as exc:
            result = 400, {}, exc.response["Error"]["Message"]
    except HTTPException as exc:
        return exc.get_response(environ)
    status, headers, content = result if len(result) == 3 else (200, {}, result)
    response = Response(response=content, status=status, headers=headers)
    if request.method == "HEAD" and "content-length" in headers:
        response.headers["Content-Length"] = headers["content-length"]
    return response


def _latin1(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")  # WSGI's "bytes as latin-1" strings


def wsgi_environ(scheme: str, netloc: str, path: str, query: str, method: str, headers: Iterable[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """The WSGI environ werkzeug's EnvironBuilder(path, base_url, query_string, method, headers,
    data).get_environ() gives for a request (REMOTE_ADDR 127.0.0.1), built directly."""
    host, _, port = netloc.partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _latin1(unquote(path if path.isascii() else iri_to_uri(path))),
        "QUERY_STRING": _latin1(query),
        "REQUEST_URI": _latin1(path),
        "RAW_URI": _latin1(path),
        "SERVER_NAME": host,
        "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
        "HTTP_HOST": netloc,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REMOTE_ADDR": "127.0.0.1",
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    combined: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-type":
            environ["CONTENT_TYPE"] = value
        elif lowered != "content-length":
            key = "HTTP_" + name.upper().replace("-", "_")
            combined[key] = f"{combined[key]}, {value}" if key in combined else value
    environ.update(combined)
    return environ


def _add_auth(self: botocore.auth.SigV4Auth, request: Any) -> None:
    if type(self) is not botocore.auth.SigV4Auth or urlsplit(request.url).netloc not in _apps:
        return _original_add_auth(self, request)
    if self.credentials is None:
        raise NoCredentialsError()
    request.context["timestamp"] = get_current_datetime().strftime(botocore.auth.SIGV4_TIMESTAMP)
    self._modify_request_before_signing(request)  # the date and token headers, as when signing
    request.headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={self.scope(request)}, SignedHeaders=host;x-amz-date, Signature={PLACEHOLDER_SIGNATURE}"
    return None


def _names(endpoint: str) -> set[str]:
    """The server's host:port as a client may spell it (moto's workflow engine calls it localhost)."""
    port = urlsplit(endpoint).port
    return {urlsplit(endpoint).netloc, f"localhost:{port}", f"127.0.0.1:{port}"}


def install(app: Any, endpoint: str) -> None:
    """Requests to `endpoint` (http://127.0.0.1:port) from this process go to `app` in process."""
    with _lock:
        _apps.update(dict.fromkeys(_names(endpoint), app))
        botocore.httpsession.URLLib3Session.send = _send
        botocore.auth.SigV4Auth.add_auth = _add_auth


def uninstall(endpoint: str) -> None:
    with _lock:
        for name in _names(endpoint):
            _apps.pop(name, None)
