"""``creditgate serve`` (uvicorn) driven by ``curl``, as a partner's engineer would: validators
and 304, HEAD, compressed and resumed downloads, request ids in the access log, /metrics."""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_probe_live import EXE, clean_env, free_port

CURL = shutil.which("curl")
NDJSON = "/api/v1/datasets/administrative-penalty/download.ndjson"
pytestmark = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def curl(*args: str) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([CURL or "curl", "-sS", *args], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done


def headers_of(raw: bytes) -> tuple[int, dict[str, str]]:
    """Status and headers of the last response in ``curl -D -`` output."""
    block = raw.decode("latin-1").strip().split("\r\n\r\n")[-1]
    lines = block.split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in fields.items()}


class Served:
    """``creditgate serve`` on a port, its output read as it comes."""

    def __init__(self, proc: subprocess.Popen[str], base: str) -> None:
        self.proc = proc
        self.base = base
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def line_with(self, text: str) -> str:
        """The first output line holding ``text`` (waiting a little for it to be written)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = next((line for line in self.lines if text in line), None)
            if found is not None:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no line with {text!r} in {''.join(self.lines)[-2000:]}")

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        self.reader.join(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return "".join(self.lines)


@pytest.fixture(scope="module")
def served(seeded_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``creditgate serve`` on a copy of the seeded store (one for the module)."""
    tmp_path = tmp_path_factory.mktemp("live-http")
    db = tmp_path / "live.sqlite"
    shutil.copyfile(seeded_file, db)
    port = free_port()
    env = clean_env(
        CREDITGATE_ENV="development",
        CREDITGATE_TODAY="2026-11-28",
        CREDITGATE_SCHEDULER="false",
        CREDITGATE_METRICS_NETWORKS="127.0.0.0/8",
        CREDITGATE_DOWNLOAD_CACHE_DIR=str(tmp_path / "spool"),
    )
    proc = subprocess.Popen(
        [EXE, "serve", "--port", str(port), "--db", f"sqlite:///{db}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    server = Served(proc, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.2)
        yield server
    finally:
        output = server.stop()
        assert "Traceback" not in output, output[-3000:]


def test_curl_meets_caching_and_conditional_requests(served: Served) -> None:
    base = served.base
    status, headers = headers_of(
        curl(
            "-D", "-", "-o", "/dev/null", "-H", "X-Request-ID: curl-1", f"{base}/api/v1/datasets"
        ).stdout
    )
    assert status == 200 and headers["x-request-id"] == "curl-1"
    assert headers["cache-control"] == "public, no-cache" and headers["etag"].startswith('W/"')
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= set(headers)
    again = curl("-o", "/dev/null", "-w", "%{http_code}", "-H", f"If-None-Match: {headers['etag']}",
                 f"{base}/api/v1/datasets")  # fmt: skip
    assert again.stdout == b"304"
    status, head = headers_of(curl("-I", f"{base}{NDJSON}").stdout)
    assert status == 200 and head["accept-ranges"] == "bytes" and head["etag"].startswith('"')
    challenge = headers_of(curl("-D", "-", "-o", "/dev/null", f"{base}/api/v1/admin/keys").stdout)
    assert challenge[0] == 401 and challenge[1]["www-authenticate"].startswith("Bearer realm=")


def test_curl_downloads_compressed_and_resumes(served: Served, tmp_path: Path) -> None:
    base = served.base
    plain = curl(f"{base}{NDJSON}").stdout
    assert plain.count(b"\n") > 10
    packed = curl("--compressed", "-D", str(tmp_path / "h.txt"), f"{base}{NDJSON}").stdout
    _, headers = headers_of((tmp_path / "h.txt").read_bytes())
    assert headers["content-encoding"] in ("gzip", "br", "zstd") and packed == plain
    assert curl("-r", "0-99", f"{base}{NDJSON}").stdout == plain[:100]
    partial = tmp_path / "partial.ndjson"
    partial.write_bytes(plain[:1000])  # a download broken after 1,000 bytes ...
    curl("-C", "-", "-o", str(partial), f"{base}{NDJSON}")  # ... resumed
    assert partial.read_bytes() == plain


def test_request_ids_reach_the_access_log_and_metrics_the_scraper(
    served: Served,
) -> None:
    base = served.base
    person = "42010619900307003X"
    curl("-o", "/dev/null", "-H", "X-Request-ID: trace-77",
         f"{base}/api/v1/checks?creditCode={person}")  # fmt: skip
    metrics = curl(f"{base}/metrics").stdout.decode()
    assert 'route="/api/v1/checks"' in metrics and person not in metrics
    assert "creditgate_log_head" in metrics
    line = served.line_with("rid=trace-77")
    assert "/api/v1/checks" in line and "420106********003X" in line
    assert person not in "".join(served.lines)
