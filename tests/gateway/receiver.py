"""A real webhook receiver for tests: an HTTP server on a loopback port, in a thread, that
records every POST and answers from a script of statuses (then 204)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass(frozen=True)
class Post:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return orjson.loads(self.body)


class Receiver:
    """Records posts; ``answers`` are popped for each post (204 once empty), ``always`` wins."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.answers: list[int] = []
        self.always: int | None = None
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with receiver._changed:
                    status = receiver.always or (
                        receiver.answers.pop(0) if receiver.answers else 204
                    )
                    receiver.posts.append(
                        Post(self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                             time.monotonic())
                    )  # fmt: skip
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, done: Callable[[list[Post]], bool], timeout: float = 30.0) -> bool:
        """Wait until ``done(posts)`` (a guard against hanging, not a timing assertion)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.posts):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A running :class:`Receiver`."""
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(5)
