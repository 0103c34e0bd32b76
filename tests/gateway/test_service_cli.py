"""The service commands: ``serve`` (a real uvicorn on a free loopback port), ``keys``,
``audit`` and ``demo``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from catalog import load_catalog
from store import (
    Role,
    WithdrawalReason,
    authenticate,
    create_key,
    list_keys,
    open_store,
    read_audit,
    record_reads,
)

EXE = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A small demo store made by the command."""
    path = tmp_path / "demo.db"
    result = run("demo", "--no-serve", "--entities", "40", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert path.exists()
    return path


@pytest.fixture
def server(demo_db: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    proc = subprocess.Popen(
        [EXE, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", f"sqlite:///{demo_db}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # the demo store is keyed with the development secret: serve refuses it unless told
        env={**os.environ, "CREDITGATE_ENV": "development"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)
    try:
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def test_demo_fills_every_dataset_takes_down_and_prints_keys(demo_db: Path) -> None:
    with open_store(f"sqlite:///{demo_db}") as store:
        for dataset in load_catalog().ids():
            assert store.records(dataset, limit=1, state="all"), dataset
        reasons = {e.reason for e in store.changes(0, 50_000) if e.op.value == "delete"}
        assert reasons >= {r.value for r in WithdrawalReason}
        keys = list_keys(store.engine)
        assert sorted(k.role.value for k in keys) == sorted(r.value for r in Role)


def test_demo_keys_are_printed_last_and_work(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    result = run("demo", "--no-serve", "--entities", "30", "--db", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    printed = {line.split()[0]: line.split()[1] for line in lines[-len(Role) :]}
    assert set(printed) == {r.value for r in Role}
    with open_store(f"sqlite:///{path}") as store:
        for role, secret in printed.items():
            key = authenticate(store.engine, secret)
            assert key is not None and key.role.value == role


def test_serve_answers_over_real_http_and_flushes_the_audit_at_shutdown(
    server: tuple[str, subprocess.Popen[str]], demo_db: Path
) -> None:
    base, proc = server
    with open_store(f"sqlite:///{demo_db}") as store:
        _, secret = create_key(store.engine, role=Role.AGENCY, name="smoke")
        code = next(
            r.uscc
            for r in store.records("administrative-penalty", limit=100)
            if r.uscc and r.uscc != "00000000000000000X"
        )
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/openapi.json").json()["paths"]
        entity = client.get(
            f"/api/v1/entities/{code}", headers={"authorization": f"Bearer {secret}"}
        )
        assert entity.status_code == 200, entity.text
        assert entity.json()["uscc"] == code
        with client.stream("GET", "/api/v1/datasets/administrative-licensing/download.csv") as r:
            assert r.status_code == 200
            body = b"".join(r.iter_bytes())
        assert body.startswith(b"\xef\xbb\xbf")
        feed = client.get("/api/v1/changes?limit=10")
        assert len(feed.content.splitlines()) == 10
        assert client.get("/graphql", headers={"accept": "text/html"}).status_code == 200
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0
    with open_store(f"sqlite:///{demo_db}") as store:
        assert [(e.action, e.target) for e in read_audit(store.engine)] == [("entity", code)]


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    made = run(
        "keys",
        "create",
        "--role",
        "department",
        "--name",
        "江汉区市场监管局",
        "--department",
        "11420103MB0H3T618F",
        "--db",
        db,
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    with open_store(db) as store:
        key = authenticate(store.engine, secret)
        assert key is not None and key.role is Role.DEPARTMENT
        assert key.department_uscc == "11420103MB0H3T618F"
        assert not any(secret in str(k) for k in list_keys(store.engine))
    listed = run("keys", "list", "--json", "--db", db)
    rows = json.loads(listed.stdout)
    assert [(r["key_id"], r["role"], r["revoked_at"]) for r in rows] == [
        (key.key_id, "department", None)
    ]
    assert secret not in listed.stdout
    assert run("keys", "revoke", key.key_id, "--db", db).returncode == 0
    assert run("keys", "revoke", key.key_id, "--db", db).returncode == 1
    with open_store(db) as store:
        assert authenticate(store.engine, secret) is None
    bad = run("keys", "create", "--role", "department", "--name", "x", "--db", db)
    assert bad.returncode == 2 and "department" in bad.stderr
    assert run("keys", "create", "--role", "root", "--name", "x", "--db", db).returncode == 2


def test_audit_command_lists_reads_and_lag(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    with open_store(db) as store:
        record_reads(
            store.engine,
            [
                {
                    "key_id": "k1",
                    "actor": "key:k1:agency",
                    "role": "agency",
                    "action": "entity",
                    "target": "91420100MA4K0A1B6L",
                    "log_position": 0,
                    "occurred_at": now,
                },
            ],
        )
    result = run("audit", "--json", "--db", db)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["key_id"], r["action"], r["target"]) for r in rows] == [
        ("k1", "entity", "91420100MA4K0A1B6L")
    ]
    lag = run("audit", "--lag", "--json", "--db", db)
    assert lag.returncode == 0 and json.loads(lag.stdout) == []
