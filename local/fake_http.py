"""What the fake platform servers share (local/fake_platforms.py: order lists for reconciliation;
local/writeback_platforms.py: write-back and stock calls): an HTTP server on 127.0.0.1 on a free
port, in a daemon thread, each request handed to the subclass's `_serve`, and the platforms'
base-URL settings pointing at it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LocalHttpFake:
    thread_name = "fake-platforms"
    _server: ThreadingHTTPServer | None = None

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                fake._serve(self)

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        """The platforms' base-URL settings (the reconciler's and the write-back's) pointing here."""
        return {
            "SHOPIFY_ADMIN_URL": f"{self.url}/shopify/{{shop}}/admin/api/2025-07",
            "TAOBAO_TOP_URL": f"{self.url}/taobao/router/rest",
            "JD_API_URL": f"{self.url}/jd/routerjson",
            "DOUYIN_API_URL": f"{self.url}/douyin",
        }

    @staticmethod
    def answer(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
        """Sends `body` as the platform's JSON answer, with its status and extra headers."""
        data = json.dumps(body, ensure_ascii=False).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)
