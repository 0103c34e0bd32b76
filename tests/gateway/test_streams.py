"""Pushed feeds over real HTTP (uvicorn on a loopback port): server-sent events at
``/api/v1/changes/stream`` and the GraphQL subscription ``changes`` over graphql-transport-ws —
a take-down written by another writer reaches a connected subscriber, resumes work from a
cursor, and the refusals are the gateway's."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from rest_helpers import NO_LIMITS, REST_TODAY
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from gateway.app import create_app
from gateway.settings import Settings
from store import Role, Store, create_key, open_store

PENALTY = "administrative-penalty"
QUERY = (
    "subscription ($after: String, $ds: [String!]) "
    "{ changes(after: $after, datasets: $ds) { seq op recordId reason } }"
)


class Live:
    """A gateway served by uvicorn in a thread, and keys for it."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base
        self.keys: dict[Role, str] = {}

    def key(self, role: Role) -> str:
        if role not in self.keys:
            self.keys[role] = create_key(self.store.engine, role=role, name=f"live {role}")[1]
        return self.keys[role]

    def take_down(self) -> int:
        victim = self.store.records(PENALTY, limit=1)[0]
        event = self.store.withdraw(
            PENALTY, record_id=victim.record_id, reason="repaired", actor="other writer"
        )
        assert event is not None
        return event.seq


@pytest.fixture
def live(seeded_file: Path, tmp_path: Path) -> Iterator[Live]:
    path = tmp_path / "live.sqlite"
    path.write_bytes(seeded_file.read_bytes())
    url = f"sqlite:///{path}"
    store = open_store(url)
    settings = Settings(
        db=url,
        today=REST_TODAY.isoformat(),
        stream_poll_seconds=0.05,
        stream_heartbeat_seconds=0.2,
        stream_max_per_caller=2,
        **NO_LIMITS,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store=store), host="127.0.0.1", port=0, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Live(store, f"127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


@contextmanager
def sse(live: Live, role: Role, **params: Any) -> Iterator[Iterator[tuple[str, str]]]:
    """``(field, value)`` lines of an SSE stream (comments as ``("", text)``)."""
    headers = {"authorization": f"Bearer {live.key(role)}"}
    headers.update(params.pop("headers", {}))
    with (
        httpx.Client(base_url=f"http://{live.base}", timeout=30) as client,
        client.stream("GET", "/api/v1/changes/stream", params=params, headers=headers) as r,
    ):
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")

        def lines() -> Iterator[tuple[str, str]]:
            for line in r.iter_lines():
                if line:
                    field, _, value = line.partition(":")
                    yield field, value.strip()

        yield lines()


def next_change(lines: Iterator[tuple[str, str]], done: Callable[[dict[str, Any]], bool]) -> Any:
    seen_id = None
    for field, value in lines:
        if field == "id":
            seen_id = value
        if field == "data":
            item = orjson.loads(value)
            assert seen_id == str(item["seq"])
            if done(item):
                return item
    raise AssertionError("the stream ended")


def test_sse_pushes_a_take_down_and_resumes_from_last_event_id(live: Live) -> None:
    head = live.store.head()
    with sse(live, Role.AGENCY, after=head, dataset=PENALTY) as lines:
        gone = live.take_down()
        item = next_change(lines, lambda i: True)
        assert (item["seq"], item["op"], item["reason"], item["record"]) == (
            gone, "delete", "repaired", None,
        )  # fmt: skip
        # idle: heartbeats (comment lines) keep the connection open
        assert next(f for f, _ in lines if f == "") == ""
    # a reconnecting EventSource sends Last-Event-ID, which wins over after
    with sse(live, Role.AGENCY, after=0, headers={"Last-Event-ID": str(gone - 1)}) as lines:
        assert next_change(lines, lambda i: True)["seq"] == gone


def test_sse_refusals(live: Live) -> None:
    base = f"http://{live.base}/api/v1/changes/stream"
    agency = {"authorization": f"Bearer {live.key(Role.AGENCY)}"}
    head = live.store.head()
    r = httpx.get(base, params={"after": head + 1}, headers=agency)
    assert r.status_code == 400 and "beyond the head" in r.text, r.text
    r = httpx.get(base, params={"dataset": "interview-record"}, headers=agency)
    assert r.status_code == 403, r.text
    r = httpx.get(base, headers={**agency, "Last-Event-ID": "x"})
    assert r.status_code == 400, r.text
    # stream_max_per_caller = 2
    with sse(live, Role.AGENCY, after=head), sse(live, Role.AGENCY, after=head):
        r = httpx.get(base, params={"after": head}, headers=agency)
        assert r.status_code == 429, r.text


def _subscribe(ws: ClientConnection, after: int, **extra: Any) -> None:
    ws.send(orjson.dumps({"type": "connection_init", **extra}).decode())
    assert orjson.loads(ws.recv(10))["type"] == "connection_ack"
    variables = {"after": str(after), "ds": [PENALTY]}
    ws.send(
        orjson.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": QUERY, "variables": variables}}
        ).decode()
    )


def test_graphql_subscription_pushes_a_take_down(live: Live) -> None:
    head = live.store.head()
    url = f"ws://{live.base}/graphql"
    key = live.key(Role.PLATFORM)
    # the key on the upgrade request's headers
    with connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                 additional_headers={"Authorization": f"Bearer {key}"}) as ws:  # fmt: skip
        _subscribe(ws, head)
        gone = live.take_down()
        message = orjson.loads(ws.recv(30))
        assert message["type"] == "next", message
        node = message["payload"]["data"]["changes"]
        assert node == {"seq": gone, "op": "DELETE", "recordId": node["recordId"],
                        "reason": "repaired"}  # fmt: skip
    # or in connection_init (browsers cannot set headers); resuming from a cursor
    with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        _subscribe(ws, gone - 1, payload={"authorization": f"Bearer {key}"})
        message = orjson.loads(ws.recv(30))
        assert message["payload"]["data"]["changes"]["seq"] == gone


def test_graphql_subscription_refusals(live: Live) -> None:
    url = f"ws://{live.base}/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        ws.send(orjson.dumps({"type": "connection_init",
                              "payload": {"authorization": "Bearer nope"}}).decode())  # fmt: skip
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        _subscribe(ws, live.store.head() + 5)
        message = orjson.loads(ws.recv(10))  # an execution error: `next` with errors
        assert message["type"] == "next" and message["payload"]["data"] is None, message
        (error,) = message["payload"]["errors"]
        assert "beyond the head" in error["message"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
