"""The OpenAPI description is served and honest enough for a fuzzer: schemathesis generates
requests for every REST operation (valid and invalid) and no answer is a server error."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_helpers import NO_LIMITS, REST_TODAY
from schemathesis.checks import not_a_server_error

from gateway.app import create_app
from gateway.audit import audit_of
from gateway.settings import Settings
from store import Role, create_key, open_store


@pytest.fixture(scope="module")
def fuzzed_app(seeded_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite"
    shutil.copyfile(seeded_file, path)
    url = f"sqlite:///{path}"
    store = open_store(url)
    _, admin = create_key(store.engine, role=Role.ADMIN, name="fuzzer")
    app = create_app(Settings(db=url, today=REST_TODAY.isoformat(), **NO_LIMITS), store=store)
    app.state.fuzz_key = admin
    yield app
    audit_of(app).close()
    store.close()


OPERATIONS = [
    ("GET", "/api/v1/datasets"),
    ("GET", "/api/v1/datasets/{dataset}"),
    ("GET", "/api/v1/datasets/{dataset}/records"),
    ("GET", "/api/v1/datasets/{dataset}/download.csv"),
    ("GET", "/api/v1/datasets/{dataset}/download.ndjson"),
    ("POST", "/api/v1/datasets/{dataset}/submissions"),
    ("GET", "/api/v1/entities/{uscc}"),
    ("GET", "/api/v1/changes"),
    ("POST", "/api/v1/changes/ack"),
    ("GET", "/api/v1/alerts"),
    ("GET", "/api/v1/alerts/{alert_id}"),
    ("POST", "/api/v1/alerts/{alert_id}/ack"),
    ("POST", "/api/v1/alerts/{alert_id}/close"),
    ("GET", "/api/v1/admin/audit"),
    ("GET", "/api/v1/admin/acks"),
    ("GET", "/api/v1/admin/keys"),
    ("GET", "/healthz"),
    ("GET", "/schemas/{name}.schema.json"),
]


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)


def test_the_description_lists_every_route(fuzzed_app: Any) -> None:
    paths = fuzzed_app.openapi()["paths"]
    for method, path in OPERATIONS:
        assert method.lower() in paths.get(path, {}), (method, path, sorted(paths))


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_request_is_a_server_error(
    api_schema: Any, fuzzed_app: Any, method: str, path: str
) -> None:
    """Up to 20 generated requests per operation, without a key and with an admin key."""
    operation = api_schema[path][method]
    admin = {"authorization": f"Bearer {fuzzed_app.state.fuzz_key}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=20, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(checks=[not_a_server_error])
        case.call_and_validate(headers=admin, checks=[not_a_server_error])

    run()
