"""API Gateway, locally: an HTTP server on 127.0.0.1 that turns each request into a REST API
(v1) Lambda proxy event for the handler of the matching route, on the routes of infra/topology.py."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.console_auth import claims_of
from local.moto_patches import LocalLambdaContext
from shared.http_api import error_body

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
STAGE = "local"


@dataclass(frozen=True)
class LocalRoute:
    method: str
    resource: str  # /orders/{order_id}
    function_name: str
    handler: Handler
    authorization: str = "NONE"

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.resource)
        return re.compile(f"^{regex}$")


def proxy_event(method: str, route: LocalRoute, path: str, params: dict[str, str], headers: dict[str, str], query: str, body: bytes, claims: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:  # API Gateway hands undecodable bodies on as base64
        text, is_base64 = base64.b64encode(body).decode(), True
    multi_query = parse_qs(query, keep_blank_values=True)
    return {
        "resource": route.resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.resource,
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
            "protocol": "HTTP/1.1",
            **({"authorizer": {"claims": claims}} if claims else {}),
        },
        "body": text if body else None,
        "isBase64Encoded": is_base64,
    }


class LocalApiGateway:
    def __init__(self, routes: list[LocalRoute], host: str = "127.0.0.1", port: int = 0, static: StaticFiles | None = None):
        self.routes = routes
        self.static = static
        # Told of every function's answer before it is sent (method, path, request body, the proxy
        # answer): the platforms' sandbox learns the orders their webhooks carried
        # (local/sandbox_platforms.py).
        self.observers: list[Callable[[str, str, bytes, dict[str, Any]], None]] = []
        # One request at a time per function, as in one Lambda container: a handler's resolver
        # keeps the current event on itself (Powertools is not thread-safe), so two requests to
        # the same function at once would answer each other's questions.
        self._function_locks = {r.function_name: threading.Lock() for r in routes}
        gateway = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep the demo's output readable
                pass

            def _serve(self) -> None:
                gateway.serve(self)

            def __getattr__(self, name: str) -> Any:
                # Every method (TRACE, QUERY...) reaches the dispatcher: one not on a route is a 405 in the error shape.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

        self.server = ThreadingHTTPServer((host, port), RequestHandler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="api-gateway", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        split = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        matches = [(r, m) for r in self.routes if (m := r.pattern.match(split.path))]
        if matches:  # like API Gateway, a literal resource (/rulesets/rollback) wins over a parameter (/rulesets/{version})
            fewest = min(r.resource.count("{") for r, _ in matches)
            matches = [(r, m) for r, m in matches if r.resource.count("{") == fewest]
        route = next((r for r, _ in matches if r.method == request.command), None)
        if route is None and not matches and request.command in ("GET", "HEAD") and self.static and self.static.serve(request, split.path):
            return
        if route is None:
            status = 405 if matches else 404
            message = f"no route {split.path}" if status == 404 else f"{request.command} is not allowed on {split.path}"
            body = error_body(message, "path" if status == 404 else "method", "no_route" if status == 404 else "method_not_allowed")
            headers = {"Content-Type": "application/json"} | ({"Allow": ", ".join(sorted({r.method for r, _ in matches}))} if matches else {})
            self._answer(request, {"statusCode": status, "headers": headers, "body": json.dumps(body, ensure_ascii=False)})
            return
        params = route.pattern.match(split.path).groupdict()
        headers = {k: v for k, v in request.headers.items()}
        claims = None
        if route.authorization == "COGNITO":  # what API Gateway's user-pool authorizer does
            claims = claims_of(request.headers.get("Authorization"))
            if claims is None:
                self._answer(request, {"statusCode": 401, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"message": "Unauthorized"})})
                return
        event = proxy_event(request.command, route, split.path, params, headers, split.query, body, claims)
        try:
            with self._function_locks[route.function_name]:
                answer = route.handler(event, LocalLambdaContext(route.function_name))
        except Exception as error:  # what API Gateway shows when the function itself crashes
            answer = {"statusCode": 502, "headers": {"Content-Type": "application/json"}, "body": json.dumps(error_body("Internal server error", "function", type(error).__name__))}
        for observer in self.observers:
            observer(request.command, split.path, body, answer)
        self._answer(request, answer)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, answer: dict[str, Any]) -> None:
        body = answer.get("body") or ""
        data = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode("utf-8")
        request.send_response(int(answer.get("statusCode", 200)))
        for name, value in (answer.get("headers") or {}).items():
            request.send_header(name, str(value))
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            for value in values:
                request.send_header(name, str(value))
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        try:
            if request.command != "HEAD":
                request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the browser left the page meanwhile
            pass


class StaticFiles:
    """The console's built files (console/web/dist) for paths no API route claims, as CloudFront
    serves them from S3 on AWS: / is index.html (the app routes in the URL fragment); a path that
    is no file stays a 404."""

    TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json", ".ico": "image/x-icon"}

    def __init__(self, root: Any):
        from pathlib import Path

        self.root = Path(root).resolve()

    def serve(self, request: BaseHTTPRequestHandler, path: str) -> bool:
        if not (self.root / "index.html").is_file():
            return False
        wanted = (self.root / (path.lstrip("/") or "index.html")).resolve()
        if not wanted.is_relative_to(self.root) or not wanted.is_file():
            return False
        data = wanted.read_bytes()
        request.send_response(200)
        request.send_header("Content-Type", self.TYPES.get(wanted.suffix, "application/octet-stream"))
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-cache" if wanted.name == "index.html" else "max-age=31536000, immutable")
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)
        return True
