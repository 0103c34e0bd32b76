"""Browser tests of the web faces: a real gateway (uvicorn, over real HTTP on a loopback port)
serving a small demo store, driven by the system Chromium through Playwright.

Chromium comes from Debian's packages (``apt-get install chromium fonts-noto-cjk``; CI installs
it); Playwright's own browser download is not used. axe-core is vendored under ``vendor/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo import DemoStore, build_demo
from store import Role

CHROMIUM = Path(os.environ.get("CREDITGATE_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TODAY = "2026-12-04"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass(frozen=True)
class LiveGateway:
    """A gateway serving ``demo`` at ``url``."""

    url: str
    demo: DemoStore

    def key(self, role: Role) -> str:
        return self.demo.keys[role][1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium."""
    if not CHROMIUM.exists():
        pytest.fail(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    """``creditgate serve`` in a subprocess on a demo store of 400 entities."""
    path = tmp_path_factory.mktemp("web") / "demo.sqlite"
    demo = build_demo(path, entities=400, seed=11, today=__import__("datetime").date(2026, 12, 4))
    port = _free_port()
    env = {
        **os.environ,
        "CREDITGATE_TODAY": TODAY,
        "CREDITGATE_DB": demo.url,
        "CREDITGATE_ENV": "development",
    }
    log = path.with_suffix(".log")
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--db", demo.url],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                pytest.fail(f"the gateway did not start: {tail}")
            time.sleep(0.2)
        yield LiveGateway(url=url, demo=demo)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def axe_violations(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[Any]:
    """axe-core's violations of WCAG 2.1 A/AA rules on the page, of the given impacts."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [v for v in result["violations"] if v["impact"] in impacts]


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot for the README (docs/screenshots/NAME.png) when
    ``CREDITGATE_SCREENSHOTS=1`` (``make screenshots``); a plain test run writes nothing."""
    if os.environ.get("CREDITGATE_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
