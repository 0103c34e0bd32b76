"""The CKAN client: read/write counting, retries with backoff, clear failures."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from portal_helpers import CkanSite

from portal import (
    CkanClient,
    PortalConfigError,
    PortalRefusedError,
    PortalUnavailableError,
    is_write,
)


@pytest.mark.parametrize(
    "action",
    [
        "package_show",
        "organization_show",
        "datastore_search",
        "datastore_info",
        "package_list",
        "status_show",
        "datastore_search_sql",
    ],
)
def test_reads_are_reads(action: str) -> None:
    assert not is_write(action)


@pytest.mark.parametrize(
    "action",
    [
        "package_create",
        "package_patch",
        "resource_patch",
        "datastore_create",
        "datastore_upsert",
        "datastore_records_delete",
        "dataset_purge",
        "organization_create",
        "datastore_function_create",
    ],
)
def test_everything_else_is_a_write(action: str) -> None:
    assert is_write(action)


@pytest.mark.parametrize("url", ["127.0.0.1:5000", "ftp://x", "", "http://"])
def test_a_bad_site_url_is_refused(url: str) -> None:
    with pytest.raises(PortalConfigError):
        CkanClient(url, "key")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_ckan_is_retried_with_backoff_then_reported() -> None:
    waits: list[float] = []
    url = f"http://127.0.0.1:{_closed_port()}"
    client = CkanClient(url, "key", retries=4, backoff=0.5, max_backoff=2.0, sleep=waits.append)
    with pytest.raises(PortalUnavailableError) as failure:
        client.call("datastore_upsert", {"resource_id": "x", "records": []})
    assert waits == [0.5, 1.0, 2.0, 2.0]  # exponential, capped
    assert failure.value.attempts == 5 and failure.value.action == "datastore_upsert"
    assert url in failure.value.detail and "run publish again" in failure.value.detail
    assert failure.value.status == 503
    assert client.writes == 1 and client.retried == 4  # one logical call


class _FlakyCkan(BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` requests, then like CKAN."""

    failures = 2
    seen = 0

    def do_POST(self) -> None:
        type(self).seen += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if type(self).seen <= type(self).failures:
            body, status = b"<html>Service Unavailable</html>", 503
        else:
            body, status = json.dumps({"success": True, "result": {"ok": 1}}).encode(), 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[str]:
    _FlakyCkan.seen = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyCkan)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_5xx_answers_are_retried(flaky: str) -> None:
    waits: list[float] = []
    with CkanClient(flaky, "key", retries=3, backoff=0.01, sleep=waits.append) as client:
        assert client.call("package_patch", {"id": "x"}) == {"ok": 1}
    assert _FlakyCkan.seen == 3 and client.retried == 2 and waits == [0.01, 0.02]


@pytest.mark.ckan
def test_calls_on_the_real_ckan_are_counted(ckan_site: CkanSite) -> None:
    with CkanClient(ckan_site.url, ckan_site.api_key) as client:
        assert client.call("status_show")["ckan_version"].startswith("2.")
        assert client.show("package_show", id="no-such-dataset-anywhere") is None
        assert (client.reads, client.writes) == (2, 0)


@pytest.mark.ckan
def test_a_bad_api_key_is_a_clear_refusal(ckan_site: CkanSite) -> None:
    with (
        CkanClient(ckan_site.url, "not-a-token", retries=0) as client,
        pytest.raises(PortalRefusedError) as refused,
    ):
        client.call("organization_create", {"name": "never-created-by-this-test"})
    assert refused.value.status == 403
    assert "not authorised" in refused.value.detail and "CKAN_API_KEY" in refused.value.detail
