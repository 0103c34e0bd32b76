"""What the HTTP layers cost (issue 13 item 5): the same creditgate app with and without
:mod:`gateway.httpstack`, and a bare FastAPI app, served the same way in one run.

Three servers, each one uvicorn worker pinned to CPU 0, no access log, rate limits off; the
load generator of :mod:`bench.serve` (8 keep-alive connections) pinned to CPU 1:

* **bare FastAPI** — one ``GET /hello`` answering a small JSON object (the framework ceiling);
* **creditgate, no HTTP layers** — ``create_app(..., http_stack=False)``: only the body limit;
* **creditgate** — every layer: request id, HEAD, metrics, CORS, compression, headers
  (validators, Cache-Control, RateLimit, WWW-Authenticate).

Requests: ``/healthz`` (one read of the log head), a catalogue entry
(``/api/v1/datasets/{id}``: no store read, a 3 KB JSON answer), the same revalidated with its
ETag (304), and the entry with ``Accept-Encoding: gzip``. Each target gets a warm-up and two
timed rounds (targets interleaved). Ratios in the same run are what count: the layers' cost is
``with / without`` on the same route; the ≥0.6 goal compares creditgate's ``/healthz`` with
the bare app.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.common import OUT, Results, console
from bench.serve import (
    CLIENT_CPU,
    SERVER_CPU,
    Load,
    Request,
    _pin,
    drive,
    free_port,
)

NAME = "http_overhead"
SECONDS = 6.0
GOAL = 0.6
ENTRY = "/api/v1/datasets/administrative-penalty"


def serve_forever(kind: str, path: Path, port: int) -> None:
    """The child process: one uvicorn worker, no access log, pinned to the server CPU."""
    import uvicorn

    _pin(SERVER_CPU)
    app: Any
    if kind == "bare":
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/hello")
        def hello() -> dict[str, str]:
            return {"hello": "world"}

    else:
        from gateway.app import create_app
        from gateway.settings import Settings

        settings = Settings(
            db=f"sqlite:///{path}",
            rate_limit_per_minute=0,
            public_rate_limit_per_minute=0,
            scheduler=False,
        )
        app = create_app(settings, http_stack=kind == "stack")
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def _server(kind: str, path: Path) -> Any:
    """:func:`bench.serve.server` for this module's kinds."""
    import subprocess
    import time
    from contextlib import contextmanager

    import httpx

    from bench.common import python
    from bench.serve import Server

    @contextmanager
    def running() -> Any:
        port = free_port()
        proc = subprocess.Popen(
            [python(), "-m", "bench.http_overhead", "--serve", kind, str(path), str(port)],
            cwd=Path(__file__).resolve().parents[1],
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        try:
            while True:
                try:
                    httpx.get(base + ("/hello" if kind == "bare" else "/healthz"), timeout=1)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{kind} did not start") from None
                    time.sleep(0.2)
            yield Server(base, proc.pid)
        finally:
            proc.terminate()
            proc.wait(15)

    return running()


def _get(path: str, **headers: str) -> Request:
    return lambda n: ("GET", path, headers, b"")


def run(rows: int | None = None, *, quick: bool = False, out: Path = OUT) -> Results:
    seconds = 1.0 if quick else SECONDS
    res = Results(NAME, {"seconds_per_round": seconds, "concurrency": 8})
    path = out / "data" / "http-overhead.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    from store import open_store

    open_store(f"sqlite:///{path}").close()  # an empty, migrated store
    _pin(CLIENT_CPU)
    import httpx

    loads: dict[str, list[Load]] = {}
    with (
        _server("bare", path) as bare,
        _server("plain", path) as plain,
        _server("stack", path) as stack,
    ):
        etag = httpx.get(stack.base + ENTRY).headers["etag"]
        targets: dict[str, tuple[Any, Request]] = {
            "bare FastAPI /hello": (bare, _get("/hello")),
            "no layers /healthz": (plain, _get("/healthz")),
            "layers /healthz": (stack, _get("/healthz")),
            "no layers catalogue entry": (plain, _get(ENTRY)),
            "layers catalogue entry": (stack, _get(ENTRY)),
            "layers catalogue entry, If-None-Match (304)": (
                stack,
                _get(ENTRY, **{"If-None-Match": etag}),
            ),
            "layers catalogue entry, gzip": (stack, _get(ENTRY, **{"Accept-Encoding": "gzip"})),
        }
        for target, request in targets.values():  # warm-up
            drive(target, request, seconds / 4, limit=300)
        for round_ in range(2):
            order = list(targets) if round_ == 0 else list(reversed(targets))
            for name in order:
                target, request = targets[name]
                loads.setdefault(name, []).append(_drive_any(target, request, seconds))
    for name, runs in loads.items():
        total = sum(r.requests for r in runs)
        cpu = sum(r.server_cpu for r in runs)
        res.add(
            name,
            rows=total,
            seconds=sum(r.seconds for r in runs),
            p50_ms=round(statistics.mean(r.ms(0.5) for r in runs), 2),
            p99_ms=round(statistics.mean(r.ms(0.99) for r in runs), 2),
            per_cpu_s=round(total / cpu) if cpu else None,
            errors=sum(r.errors for r in runs),
        )
    _ratios(res)
    return res


def _drive_any(target: Any, request: Request, seconds: float) -> Load:
    """:func:`bench.serve.drive`, counting a 304 as an answer."""
    load = drive(target, request, seconds)
    _, _, headers, _ = request(0)
    if "If-None-Match" in headers:
        load.errors = 0  # drive counts every non-200 as an error; a 304 is the answer here
    return load


def _ratios(res: Results) -> None:
    def rate(name: str, key: str = "rows_per_s") -> float:
        row = res.find(name)
        assert row is not None
        return float(row[key] or 0)

    for route in ("/healthz", "catalogue entry"):
        res.checks[f"layers / no layers, {route} (req/s)"] = round(
            rate(f"layers {route}") / rate(f"no layers {route}"), 2
        )
        res.checks[f"layers / no layers, {route} (per server CPU-s)"] = round(
            rate(f"layers {route}", "per_cpu_s") / rate(f"no layers {route}", "per_cpu_s"), 2
        )
    ratio = rate("layers /healthz") / rate("bare FastAPI /hello")
    res.checks["creditgate /healthz / bare FastAPI (req/s)"] = round(ratio, 2)
    res.checks[f"goal creditgate /healthz >= {GOAL} x bare FastAPI"] = ratio >= GOAL
    res.checks["304 / 200 catalogue entry (req/s)"] = round(
        rate("layers catalogue entry, If-None-Match (304)") / rate("layers catalogue entry"), 2
    )
    res.checks["every request answered"] = all(r["errors"] == 0 for r in res.rows)
    res.notes.append(
        f"server pinned to CPU {SERVER_CPU}, load generator to CPU {CLIENT_CPU}; uvicorn, no "
        "access log, one worker; the same empty store for both creditgate servers"
    )


def check(res: Results) -> None:
    """Correctness only (never speed): every request was answered."""
    assert res.checks["every request answered"], [r for r in res.rows if r.get("errors")]


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--serve"]:
        parser = argparse.ArgumentParser(prog="python -m bench.http_overhead --serve")
        parser.add_argument("kind", choices=("bare", "plain", "stack"))
        parser.add_argument("path", type=Path)
        parser.add_argument("port", type=int)
        ns = parser.parse_args(args[1:])
        serve_forever(ns.kind, ns.path, ns.port)
        return 0
    from bench.__main__ import main as run_all

    console.print("bench http_overhead: three servers, one run")
    return run_all([NAME, *args])


if __name__ == "__main__":
    raise SystemExit(main())
