"""A loopback HTTP proxy in front of the real CKAN that starts failing on cue — CKAN "going
down" mid-publish without stopping the shared CKAN.

:class:`FaultProxy` forwards every request to CKAN (one connection per request) and counts
the API calls. Once ``fail_after`` calls went through, it fails the following ones in the
chosen ``mode``:

- ``refuse``: closes the connection before forwarding — CKAN unreachable;
- ``unavailable``: answers ``503`` without forwarding — CKAN overloaded or restarting;
- ``lost-reply``: forwards the call (CKAN *does* it) and then closes the connection without
  a reply — the hardest case: the write happened and the publisher does not know.

``every`` > 0 makes the failures intermittent (every n-th call after ``fail_after`` fails,
the others go through); 0 fails every call from then on. ``failed`` counts the failures.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal
from urllib.parse import urlparse

Mode = Literal["refuse", "unavailable", "lost-reply"]
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
    "content-length",
}


class FaultProxy:
    """``with FaultProxy(ckan_url, fail_after=40, mode="lost-reply") as proxy: proxy.url``."""

    def __init__(self, upstream: str, *, fail_after: int, mode: Mode, every: int = 0) -> None:
        parsed = urlparse(upstream)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.fail_after = fail_after
        self.mode = mode
        self.every = every
        self.calls = 0
        self.failed = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _should_fail(self) -> bool:
        with self._lock:
            self.calls += 1
            beyond = self.calls - self.fail_after
            fail = beyond > 0 and (self.every <= 0 or beyond % self.every == 0)
            if fail:
                self.failed += 1
            return fail

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:  # quiet
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                fail = "/api/" in self.path and proxy._should_fail()
                self.close_connection = True
                if fail and proxy.mode == "refuse":
                    return  # close without a word: the client sees a dropped connection
                if fail and proxy.mode == "unavailable":
                    self.send_response(503)
                    self.send_header("content-length", "0")
                    self.send_header("connection", "close")
                    self.end_headers()
                    return
                upstream = http.client.HTTPConnection(proxy.host, proxy.port, timeout=300)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                    headers["Host"] = f"{proxy.host}:{proxy.port}"
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    reply = upstream.getresponse()
                    content = reply.read()
                finally:
                    upstream.close()
                if fail:  # lost-reply: CKAN did it, the client never hears
                    return
                self.send_response(reply.status, reply.reason)
                for key, value in reply.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("content-length", str(len(content)))
                self.send_header("connection", "close")
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _forward  # noqa: N815

        return Handler
