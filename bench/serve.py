"""Serving throughput: creditgate's REST and GraphQL entity lookups against datasette's table
filter JSON on the same SQLite file, in one run; the change feed and CSV downloads.

1. A demo store is generated (:func:`demo.build_demo`, ``--rows`` extra licences for
   the export figures) under ``bench/out/data``.
2. creditgate (:func:`gateway.app.create_app`, rate limits off) and datasette (its default
   settings, the ``records`` table) are each served by uvicorn in their own process — one
   worker, no access log, pinned to CPU 0 — while the load generator (plain asyncio, 8
   keep-alive connections, loopback only) runs pinned to CPU 1. Each target gets a warm-up, then two
   timed rounds (targets interleaved, mean reported) of entity lookups by USCC over the same
   list of codes:

   * REST ``GET /api/v1/entities/{uscc}`` (public view; and with an agency key, audited),
   * GraphQL ``entity(creditCode:)`` with every record group,
   * datasette ``GET /<db>/records.json?uscc=…`` (what a user tries first).

   A route that touches no store (``/docs``) measures the load generator's own ceiling.
   Besides wall-clock req/s, the server process's CPU time (``/proc/<pid>/stat``) gives
   requests per server CPU-second — the capacity figure that survives a busy machine.
3. The change feed is streamed (``/api/v1/changes?limit=50000``, government key) and a dataset
   downloaded as CSV; events/s and rows/s are counted on the client.

Goals (issue): REST ≥ 3× datasette, GraphQL ≥ 2×, feed ≥ 50,000 events/s. Absolute figures
drift with the machine; ratios measured in the same run are what count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.common import OUT, Results, console, python

NAME = "serve"
DEFAULT_ENTITIES = 3000
DEFAULT_ROWS = 50_000
"""Extra licence records stored for the export and feed figures."""
QUICK = (300, 2000)
SERVER_CPU, CLIENT_CPU = 0, 1
CONCURRENCY = 8
LOOKUP_SECONDS = 8.0
GOALS = {"REST": 3.0, "GraphQL": 2.0}
FEED_GOAL = 50_000

ENTITY_QUERY = """
query($code: String!) {
  entity(creditCode: $code) {
    creditCode name logPosition
    licences { ...R } penalties { ...R } otherActions { ...R } listEntries { ...R }
    marketBans { ...R } commitments { ...R } evaluations { ...R } interviews { ...R }
    voluntaryRegistrations { ...R }
  }
}
fragment R on RecordView { recordId dataset version updatedAt windowStart windowEnd record }
"""


# -- the store --------------------------------------------------------------------------------


def build_store(entities: int, extra: int, out: Path) -> tuple[Path, list[str], dict[str, str]]:
    """The demo store (rebuilt each run), lookup codes, and keys by role."""
    from demo import Entities, build_demo, licences
    from store import Role, create_key, open_store, submit_records

    path = out / "data" / f"serve-demo-{entities}-{extra}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    demo = build_demo(path, entities=entities)
    with open_store(demo.url) as store:
        if extra:
            more = licences(extra, seed=99, entities=Entities(entities, seed=99))
            submit_records(store, "administrative-licensing", more, actor="bench")
        codes = sorted(
            {
                r.uscc
                for dataset in ("administrative-penalty", "administrative-licensing")
                for r in store.records(dataset, limit=5000)
                if r.uscc and not r.uscc.startswith("0")
            }
        )[:1000]
        keys = {
            role.value: create_key(store.engine, role=role, name=f"bench {role.value}")[1]
            for role in (Role.AGENCY, Role.PLATFORM)
        }
    console.print(f"store {path.name}: built in {time.perf_counter() - started:.1f} s")
    return path, codes, keys


# -- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pin(cpu: int, pid: int = 0) -> None:
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(pid, {cpu})


def serve_forever(kind: str, path: Path, port: int) -> None:
    """The child process: one uvicorn worker, no access log, pinned to the server CPU."""
    import uvicorn

    _pin(SERVER_CPU)
    app: Any
    if kind == "creditgate":
        from gateway.app import create_app
        from gateway.settings import Settings

        app = create_app(
            Settings(
                db=f"sqlite:///{path}", rate_limit_per_minute=0, public_rate_limit_per_minute=0
            )
        )
    else:
        from datasette.app import Datasette  # type: ignore[import-untyped]

        app = Datasette([str(path)]).app()
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Server:
    base: str
    pid: int


@contextmanager
def server(kind: str, path: Path) -> Iterator[Server]:
    port = free_port()
    proc = subprocess.Popen(
        [python(), "-m", "bench.serve", "--serve", kind, str(path), str(port)],
        cwd=Path(__file__).resolve().parents[1],
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} did not start") from None
                time.sleep(0.2)
        yield Server(base, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# -- load ----------------------------------------------------------------------------------

Request = Callable[[int], tuple[str, str, dict[str, str], bytes]]
"""``request(n)`` → (method, path with query, headers, body) of the n-th request."""


@dataclass
class Load:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    server_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if status in (204, 304):  # no body, whatever the headers say
        return status, b""
    if length is not None:
        return status, await reader.readexactly(length)
    parts = []
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        parts.append((await reader.readexactly(size + 2))[:-2])
        if size == 0:
            return status, b"".join(parts)


async def _drive(base: str, request: Request, seconds: float, limit: int) -> Load:
    """``CONCURRENCY`` keep-alive connections, each sending its next request when the last
    answer arrived. A plain asyncio client: httpx spends ~6× more CPU per request than the
    servers measured here, so on two cores it would measure itself, not the servers."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    counter = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal counter, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while counter < limit and time.perf_counter() < stop:
                n = counter
                counter += 1
                method, target, headers, body = request(n)
                lines = [
                    f"{method} {target} HTTP/1.1",
                    f"Host: {host}:{port}",
                    *(f"{k}: {v}" for k, v in headers.items()),
                ]
                if body:
                    lines.append(f"Content-Length: {len(body)}")
                t0 = time.perf_counter()
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
                status, answer = await _read_response(reader)
                latencies.append(time.perf_counter() - t0)
                if status != 200 or (method == "POST" and b'"errors"' in answer[:2000]):
                    errors += 1
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return Load(len(latencies), time.perf_counter() - started, latencies, errors)


def drive(target: Server, request: Request, seconds: float, limit: int = 10**9) -> Load:
    """Load ``target`` for ``seconds``; also measures the CPU time the server spent."""
    before = cpu_seconds(target.pid)
    load = asyncio.run(_drive(target.base, request, seconds, limit))
    load.server_cpu = cpu_seconds(target.pid) - before
    return load


def stream_lines(base: str, url: str, key: str) -> tuple[int, float, int]:
    """(lines, seconds, bytes) of one streamed response."""
    started = time.perf_counter()
    lines = size = 0
    with (
        httpx.Client(base_url=base, timeout=300) as client,
        client.stream("GET", url, headers={"authorization": f"Bearer {key}"}) as response,
    ):
        response.raise_for_status()
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
            size += len(chunk)
    return lines, time.perf_counter() - started, size


# -- the benchmark ------------------------------------------------------------------------------


def run(rows: int | None = None, *, quick: bool = False, out: Path = OUT) -> Results:
    entities = QUICK[0] if quick else DEFAULT_ENTITIES
    extra = rows if rows is not None else QUICK[1] if quick else DEFAULT_ROWS
    seconds = 1.0 if quick else LOOKUP_SECONDS
    res = Results(
        NAME,
        {
            "entities": entities,
            "rows": extra,
            "concurrency": CONCURRENCY,
            "seconds_per_round": seconds,
        },
    )
    path, codes, keys = build_store(entities, extra, out)
    _pin(CLIENT_CPU)
    db = path.stem
    graphql = {"content-type": "application/json"}
    agency = {"authorization": f"Bearer {keys['agency']}"}

    def gql(n: int) -> bytes:
        return orjson.dumps({"query": ENTITY_QUERY, "variables": {"code": codes[n % len(codes)]}})

    targets: dict[str, tuple[str, Request]] = {
        "datasette table filter JSON": (
            "datasette",
            lambda n: ("GET", f"/{db}/records.json?uscc={codes[n % len(codes)]}", {}, b""),
        ),
        "REST entity (public)": (
            "creditgate",
            lambda n: ("GET", f"/api/v1/entities/{codes[n % len(codes)]}", {}, b""),
        ),
        "GraphQL entity (public)": ("creditgate", lambda n: ("POST", "/graphql", graphql, gql(n))),
        "REST entity (agency key, audited)": (
            "creditgate",
            lambda n: ("GET", f"/api/v1/entities/{codes[n % len(codes)]}", agency, b""),
        ),
        "no store: /docs (client ceiling)": ("creditgate", lambda n: ("GET", "/docs", {}, b"")),
    }
    loads: dict[str, list[Load]] = {name: [] for name in targets}
    with server("creditgate", path) as cg, server("datasette", path) as ds:
        base = {"creditgate": cg, "datasette": ds}
        for kind, request in targets.values():  # warm-up
            drive(base[kind], request, seconds / 4, limit=300)
        for round_ in range(2):
            order = list(targets) if round_ == 0 else list(reversed(targets))
            for name in order:
                kind, request = targets[name]
                loads[name].append(drive(base[kind], request, seconds))
        for name, runs in loads.items():
            total = sum(r.requests for r in runs)
            elapsed = sum(r.seconds for r in runs)
            cpu = sum(r.server_cpu for r in runs)
            res.add(
                name,
                rows=total,
                seconds=elapsed,
                p50_ms=round(statistics.mean(r.ms(0.5) for r in runs), 2),
                p99_ms=round(statistics.mean(r.ms(0.99) for r in runs), 2),
                server_cpu_ms=round(1000 * cpu / total, 2) if total else None,
                per_cpu_s=round(total / cpu) if cpu else None,
                errors=sum(r.errors for r in runs),
            )
        feed_rows = _feed(cg, keys["platform"], res)
        _downloads(cg, keys["platform"], res)
    baseline = res.find("datasette table filter JSON")
    assert baseline is not None
    for label, name in (("REST", "REST entity (public)"), ("GraphQL", "GraphQL entity (public)")):
        row = res.find(name)
        assert row is not None
        ratio = row["rows_per_s"] / baseline["rows_per_s"]
        res.checks[f"{label} / datasette (req/s)"] = round(ratio, 2)
        res.checks[f"{label} / datasette (requests per server CPU-second)"] = round(
            row["per_cpu_s"] / baseline["per_cpu_s"], 2
        )
        res.checks[f"{label} p99 / datasette p99"] = round(row["p99_ms"] / baseline["p99_ms"], 2)
        res.checks[f"goal {label} >= {GOALS[label]:g}x datasette"] = ratio >= GOALS[label]
    res.checks[f"goal feed >= {FEED_GOAL:,} events/s"] = feed_rows >= FEED_GOAL
    res.checks["every request answered 200"] = all(
        r["errors"] == 0 for r in res.rows if "errors" in r
    )
    res.notes.append(
        f"{len(codes)} USCCs looked up round-robin; server pinned to CPU "
        f"{SERVER_CPU}, load generator to CPU {CLIENT_CPU}; uvicorn h11, no "
        "access log, one worker for both servers"
    )
    return res


def _feed(target: Server, key: str, res: Results) -> float:
    lines, seconds, size = 0, 0.0, 0
    before = cpu_seconds(target.pid)
    for _ in range(3):
        n, s, b = stream_lines(target.base, "/api/v1/changes?after=0&limit=50000", key)
        lines, seconds, size = lines + n, seconds + s, size + b
    cpu = cpu_seconds(target.pid) - before
    res.add(
        "change feed NDJSON (government, limit=50000)",
        rows=lines,
        seconds=seconds,
        mb_per_s=round(size / seconds / 1e6, 1),
        per_cpu_s=round(lines / cpu) if cpu else None,
    )
    return lines / seconds


def _downloads(target: Server, key: str, res: Results) -> None:
    for kind in ("csv", "ndjson"):
        before = cpu_seconds(target.pid)
        n, s, b = stream_lines(
            target.base, f"/api/v1/datasets/administrative-licensing/download.{kind}", key
        )
        cpu = cpu_seconds(target.pid) - before
        rows = n - (1 if kind == "csv" else 0)
        res.add(
            f"download {kind} (administrative-licensing, government)",
            rows=rows,
            seconds=s,
            mb_per_s=round(b / s / 1e6, 1),
            per_cpu_s=round(rows / cpu) if cpu else None,
        )


def check(res: Results) -> None:
    """Correctness only (never speed): every lookup answered 200 without GraphQL errors."""
    assert res.checks["every request answered 200"], [r for r in res.rows if r.get("errors")]


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--serve"]:
        parser = argparse.ArgumentParser(prog="python -m bench.serve --serve")
        parser.add_argument("kind", choices=("creditgate", "datasette"))
        parser.add_argument("path", type=Path)
        parser.add_argument("port", type=int)
        ns = parser.parse_args(args[1:])
        serve_forever(ns.kind, ns.path, ns.port)
        return 0
    from bench.__main__ import main as run_all

    return run_all([NAME, *args])


if __name__ == "__main__":
    raise SystemExit(main())
