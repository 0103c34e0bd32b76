"""Probe findings that need a real socket: ``creditgate serve`` (proxy headers, the
development secret, access logs) and uvicorn in a thread (slow and concurrent uploads, the
key checked before the body)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.settings import Settings
from store import Role, create_key, open_store

EXE = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"
SUBMIT = "/api/v1/datasets/administrative-penalty/submissions"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITGATE_")}
    return {**env, **extra}


def test_serve_refuses_the_development_secret_unless_told(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    for env, message in [
        (clean_env(), "CREDITGATE_ENV=development"),
        (clean_env(CREDITGATE_ENV="prod"), "CREDITGATE_ENV must be one of"),
        (clean_env(CREDITGATE_ENV="production"), "must be set in production"),
    ]:
        result = subprocess.run(
            [EXE, "serve", "--port", str(free_port()), "--db", db],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 2, result.stderr
        assert message in " ".join(result.stderr.split()) and "Traceback" not in result.stderr


def test_serve_ignores_forwarded_for_and_masks_id_numbers(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(CREDITGATE_ENV="development", CREDITGATE_PUBLIC_RATE_LIMIT_PER_MINUTE="3")
    proc = subprocess.Popen(
        [EXE, "serve", "--port", str(port), "--db", f"sqlite:///{tmp_path / 's.db'}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # /healthz is not rate limited
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.2)
        check = httpx.get(f"{base}/api/v1/checks?creditCode=42010619900307003X")
        assert check.status_code == 401
        answers = [
            httpx.get(
                f"{base}/api/v1/datasets", headers={"x-forwarded-for": f"203.0.113.{i}"}
            ).status_code
            for i in range(3)
        ]
        assert answers == [200, 200, 429]
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert "development identity secret" in output
    assert "42010619900307003X" not in output and "420106********003X" in output
    assert "Traceback" not in output


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, admin key) of the app under uvicorn in a thread: uploads time out after
    1 s, one upload per key at a time."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    store = open_store(url)
    _, secret = create_key(store.engine, role=Role.ADMIN, name="live admin")
    settings = Settings(
        db=url,
        upload_timeout_seconds=1.0,
        max_concurrent_uploads=1,
        rate_limit_per_minute=0,
        public_rate_limit_per_minute=0,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store=store),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"127.0.0.1:{port}", secret
    finally:
        server.should_exit = True
        thread.join(30)
        store.close()


def raw_post(
    address: str, key: str, length: int, first: bytes, path: str = SUBMIT
) -> socket.socket:
    host, port = address.split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: text/csv\r\nContent-Length: {length}\r\n\r\n"
        ).encode()
        + first
    )
    return sock


def status_of(sock: socket.socket) -> int:
    head = sock.recv(4096)
    return int(head.split(b" ", 2)[1])


@pytest.mark.parametrize("path", [SUBMIT, "/graphql", "/api/v1/changes/ack"])
def test_a_wrong_key_is_refused_before_the_body_is_read(live: tuple[str, str], path: str) -> None:
    address, _ = live
    started = time.monotonic()
    with raw_post(address, "cg_wrong", 3_000_000, b"", path=path) as sock:
        assert status_of(sock) == 401  # nothing of the body was sent, none was awaited
    assert time.monotonic() - started < 0.9  # well within upload_timeout_seconds


def test_a_slow_upload_times_out_and_holds_the_keys_slot_meanwhile(
    live: tuple[str, str],
) -> None:
    address, key = live
    with raw_post(address, key, 1000, b"case,") as slow:
        time.sleep(0.3)
        second = httpx.post(
            f"http://{address}{SUBMIT}",
            content=b"a,b\n",
            headers={"authorization": f"Bearer {key}", "content-type": "text/csv"},
        )
        assert second.status_code == 429, second.text
        assert second.json()["status"] == 429 and second.headers["retry-after"]
        started = time.monotonic()
        assert status_of(slow) == 408
        assert time.monotonic() - started < 5
    third = httpx.post(
        f"http://{address}{SUBMIT}",
        content=b"",
        headers={"authorization": f"Bearer {key}", "content-type": "text/csv"},
    )
    assert third.status_code == 400  # the slot is free again


def test_a_client_hanging_up_mid_upload_is_one_log_line(
    live: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    address, key = live
    with caplog.at_level(logging.INFO):
        sock = raw_post(address, key, 100_000, b"case,name\r\n")
        time.sleep(0.2)
        sock.close()
        time.sleep(0.5)
        ok = httpx.get(f"http://{address}/healthz")
    assert ok.status_code == 200
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records
    ]


def test_a_slow_graphql_body_times_out(live: tuple[str, str]) -> None:
    address, key = live
    started = time.monotonic()
    with raw_post(address, key, 1000, b'{"query": ', path="/graphql") as slow:
        assert status_of(slow) == 408
    assert time.monotonic() - started < 5
