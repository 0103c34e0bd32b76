"""Off-the-shelf clients against the running gateway, as a partner's engineer would use them,
with no hand-written glue: the ``gql`` GraphQL client (queries validated against the SDL the
gateway publishes, errors with their codes, ``Retry-After`` on a rate limit), a client that
``openapi-python-client`` generates from ``/openapi.json``, and ``curl``.

The gateway runs under uvicorn on a loopback port over a small demo store. The generator lives
in its own environment (``.venv-tools``, made by ``make install``): it pins older ``httpx``
and ``typer`` than the gateway uses, and a partner runs it apart from our code anyway.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from demo import fill_demo
from gateway.app import create_app
from gateway.settings import Settings
from store import Role, create_key, open_store

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".venv-tools" / "bin"
TODAY = date(2027, 1, 15)
PENALTY = "administrative-penalty"


class Live:
    """A gateway under uvicorn in a thread: its base URL and an agency key."""

    def __init__(self, base: str, agency: str) -> None:
        self.base, self.agency = base, agency


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _serve(settings: Settings, store: Any) -> Iterator[str]:
    """The app under uvicorn in a thread; its base URL."""
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
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path_factory.mktemp('clients') / 'demo.sqlite'}"
    store = open_store(url)
    fill_demo(store, entities=150, today=TODAY)
    _, agency = create_key(store.engine, role=Role.AGENCY, name="partner")
    settings = Settings(
        db=url, today=TODAY.isoformat(), rate_limit_per_minute=0, public_rate_limit_per_minute=0
    )
    try:
        with _serve(settings, store) as base:
            yield Live(base, agency)
    finally:
        store.close()


def _gql(live: Live, key: str | None = None, **client: Any) -> tuple[Client, HTTPXTransport]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    transport = HTTPXTransport(url=f"{live.base}/graphql", headers=headers, timeout=30)
    return Client(transport=transport, **client), transport


def test_gql_reads_with_the_published_sdl_and_gets_coded_errors(live: Live) -> None:
    sdl = httpx.get(f"{live.base}/graphql/schema.graphql").text
    client, _ = _gql(live, live.agency, schema=sdl)  # queries are validated locally first
    query = gql(
        "query($d: String!) { caller { role audience } "
        "records(dataset: $d, first: 3) { nodes { recordId dataset record } } }"
    )
    data = client.execute(GraphQLRequest(query, variable_values={"d": PENALTY}))
    assert data["caller"] == {"role": "agency", "audience": "agency"}
    assert len(data["records"]["nodes"]) == 3
    assert all(n["dataset"] == PENALTY for n in data["records"]["nodes"])

    with pytest.raises(TransportQueryError) as refused:  # a field error, 200
        client.execute(GraphQLRequest(query, variable_values={"d": "no-such-dataset"}))
    assert refused.value.errors
    assert refused.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"

    stranger, transport = _gql(live, "cg_not_a_key")
    with pytest.raises(TransportQueryError) as unknown:  # a request error, 401
        stranger.execute(gql("{ caller { role } }"))
    assert unknown.value.errors
    assert unknown.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert transport.response_headers is not None


def test_gql_sees_the_rate_limit_code_and_retry_after(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'limited.sqlite'}"
    store = open_store(url)
    settings = Settings(db=url, public_rate_limit_per_minute=2)
    try:
        with _serve(settings, store) as base:
            client, transport = _gql(Live(base, ""))
            query = gql("{ caller { role } }")
            codes: list[str] = []
            for _ in range(3):
                try:
                    assert client.execute(query)["caller"]["role"] == "public"
                except TransportQueryError as exc:
                    assert exc.errors
                    codes.append(exc.errors[0]["extensions"]["code"])
            assert codes == ["RATE_LIMITED"]
            assert transport.response_headers is not None
            assert int(transport.response_headers["retry-after"]) >= 1
    finally:
        store.close()


OUTPUT = ("--output-path", "generated/creditgate_client")
CLIENT_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from creditgate_client import AuthenticatedClient, Client
from creditgate_client.api.catalogue_目录 import list_datasets
from creditgate_client.api.records_记录 import list_records
from creditgate_client.api.entities_主体 import get_entity
from creditgate_client.models import DatasetList, RecordPage, EntityProfile, ErrorBody

public = Client(base_url=sys.argv[2])
agency = AuthenticatedClient(base_url=sys.argv[2], token=sys.argv[3])
datasets = list_datasets.sync(client=public)
assert isinstance(datasets, DatasetList), datasets
page = list_records.sync("administrative-penalty", client=agency, limit=5)
assert isinstance(page, RecordPage), page
second = list_records.sync("administrative-penalty", client=agency, limit=5, next_=page.next_)
uscc = page.records[0].to_dict()["uscc"]
entity = get_entity.sync(uscc, client=agency)
assert isinstance(entity, EntityProfile), entity
refused = list_records.sync("no-such-dataset", client=public)
assert isinstance(refused, ErrorBody), refused
print(json.dumps({
    "datasets": [d.id for d in datasets.datasets],
    "audience": page.audience,
    "schema": page.schema,
    "first": [r.record_id for r in page.records],
    "second": [r.record_id for r in second.records],
    "meta": page.records[0].field_meta.to_dict(),
    "entity": [entity.uscc, entity.count],
    "refused": [refused.status, refused.error],
}, ensure_ascii=False))
"""


def test_a_generated_openapi_client_works(live: Live, tmp_path: Path) -> None:
    generator = TOOLS / "openapi-python-client"
    assert generator.exists(), "the generator's environment is missing: run `make install`"
    (tmp_path / "openapi.json").write_bytes(httpx.get(f"{live.base}/openapi.json").content)
    made = subprocess.run(
        [str(generator), "generate", "--path", "openapi.json", "--meta", "none", *OUTPUT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    script = tmp_path / "partner.py"
    script.write_text(CLIENT_SCRIPT, encoding="utf-8")
    ran = subprocess.run(
        [str(TOOLS / "python"), str(script), str(tmp_path / "generated"), live.base, live.agency],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    out = json.loads(ran.stdout)
    assert PENALTY in out["datasets"] and out["audience"] == "agency"
    assert out["schema"].endswith(f"/{PENALTY}.agency.schema.json")
    assert len(out["first"]) == 5 and out["second"] and out["second"][0] > out["first"][-1]
    assert out["meta"]["version"] >= 1 and "under_objection" in out["meta"]
    assert out["entity"][1] >= 1
    assert out["refused"][0] == 404


def test_curl_reads_the_exchange(live: Live) -> None:
    curl = shutil.which("curl")
    assert curl, "curl is needed (apt-get install curl)"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [curl, "-sS", "--max-time", "60", *args],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    page = run(
        "-H",
        f"Authorization: Bearer {live.agency}",
        f"{live.base}/api/v1/datasets/{PENALTY}/records?limit=2",
    )
    assert page.returncode == 0, page.stderr
    assert json.loads(page.stdout)["count"] == 2
    lines = run(f"{live.base}/api/v1/datasets/{PENALTY}/download.ndjson").stdout.splitlines()
    assert lines and all(json.loads(x)["dataset"] == PENALTY for x in lines)
    query = json.dumps({"query": "{ caller { role } }"})
    answer = run("-H", "content-type: application/json", "-d", query, f"{live.base}/graphql")
    assert json.loads(answer.stdout) == {"data": {"caller": {"role": "public"}}}
    head = run("-o", "/dev/null", "-w", "%{http_code}", f"{live.base}/graphql/schema.graphql")
    assert head.stdout == "200"
