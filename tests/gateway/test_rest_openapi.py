"""The OpenAPI description is served and honest: schemathesis generates requests for every
REST operation — valid ones and ones that break the declared parameters and bodies — without
a key and with an admin key, and holds every answer to the description:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``: the status is one the operation declares;
- ``content_type_conformance``: the media type is one the operation declares;
- ``response_schema_conformance``: a JSON body matches the declared model (the error shape
  for every error);
- ``response_headers_conformance``: declared headers are present and valid;
- ``negative_data_rejection`` (invalid requests only): a request that breaks the declared
  schema is refused with a 4xx, so the declared limits (``maximum``, ``pattern``…) are the
  limits the app applies.

``/graphql`` is fuzzed through its own schema (``test_graphql_fuzz``). The bounded run takes
a few examples per operation (``CREDITGATE_FUZZ_EXAMPLES``); ``make soak`` runs many more.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fuzz_budget import BUDGETS, fuzz_settings
from hypothesis import given
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from rest_helpers import NO_LIMITS, REST_TODAY
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.app import create_app
from gateway.audit import audit_of
from gateway.settings import Settings
from store import Role, create_key, open_store

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
NOT_FUZZED_HERE = {"/graphql", "/api/v1/changes/stream"}
"""Paths fuzzed elsewhere (the GraphQL endpoint, through its own schema) or that cannot be
fuzzed by reading whole answers: the server-sent events stream never ends (its parameters
and refusals are tested in ``test_realtime``)."""


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
    ("GET", "/api/v1/datasets/{dataset}/datapackage.json"),
    ("GET", "/api/v1/datasets/{dataset}/download.national.csv"),
    ("POST", "/api/v1/national/repairs"),
    ("POST", "/api/v1/datasets/{dataset}/submissions"),
    ("GET", "/api/v1/batches/{batch_id}"),
    ("GET", "/api/v1/entities/{uscc}"),
    ("GET", "/api/v1/entities/{uscc}/report"),
    ("POST", "/api/v1/reports/verify"),
    ("GET", "/api/v1/changes"),
    ("POST", "/api/v1/changes/ack"),
    ("GET", "/api/v1/webhooks"),
    ("POST", "/api/v1/webhooks"),
    ("GET", "/api/v1/webhooks/{subscription_id}"),
    ("DELETE", "/api/v1/webhooks/{subscription_id}"),
    ("GET", "/api/v1/webhooks/{subscription_id}/messages"),
    ("POST", "/api/v1/webhooks/{subscription_id}/replay"),
    ("GET", "/api/v1/alerts"),
    ("GET", "/api/v1/alerts/{alert_id}"),
    ("POST", "/api/v1/alerts/{alert_id}/ack"),
    ("POST", "/api/v1/alerts/{alert_id}/close"),
    ("POST", "/api/v1/alerts/run"),
    ("GET", "/api/v1/evaluation/model"),
    ("GET", "/api/v1/entities/{uscc}/evaluation"),
    ("GET", "/api/v1/entities/{uscc}/evaluation/history"),
    ("GET", "/api/v1/public-dishonesty"),
    ("POST", "/api/v1/public-dishonesty"),
    ("POST", "/api/v1/public-dishonesty/notices/{notice_id}"),
    ("GET", "/api/v1/inspections/commitments"),
    ("POST", "/api/v1/inspections/commitments"),
    ("GET", "/api/v1/inspections/draws"),
    ("POST", "/api/v1/inspections/draws"),
    ("GET", "/api/v1/inspections/draws/{draw_id}"),
    ("GET", "/api/v1/inspections/draws/{draw_id}/document"),
    ("GET", "/api/v1/inspections/draws/{draw_id}/population"),
    ("GET", "/api/v1/inspections/draws/{draw_id}/verify"),
    ("POST", "/api/v1/inspections/draws/{draw_id}/results"),
    ("GET", "/api/v1/admin/audit"),
    ("GET", "/api/v1/admin/acks"),
    ("GET", "/api/v1/admin/keys"),
    ("GET", "/api/v1/admin/jobs"),
    ("GET", "/api/v1/calendar/status"),
    ("POST", "/api/v1/admin/calendar"),
    ("POST", "/api/v1/admin/rules/recompute"),
    ("GET", "/api/v1/monitor/ranking"),
    ("GET", "/api/v1/monitor/overdue"),
    ("GET", "/api/v1/monitor/report"),
    ("GET", "/api/v1/monitor/public"),
    ("GET", "/api/v1/checks"),
    ("POST", "/api/v1/repairs"),
    ("GET", "/api/v1/repairs"),
    ("GET", "/api/v1/repairs/{case_id}"),
    ("POST", "/api/v1/repairs/{case_id}/decision"),
    ("POST", "/api/v1/objections"),
    ("GET", "/api/v1/objections"),
    ("GET", "/api/v1/objections/{case_id}"),
    ("POST", "/api/v1/objections/{case_id}/verify"),
    ("POST", "/api/v1/objections/{case_id}/extension"),
    ("POST", "/api/v1/objections/{case_id}/outcome"),
    ("POST", "/api/v1/commitments/{record_id}/fulfilment"),
    ("POST", "/api/v1/listings"),
    ("POST", "/api/v1/listings/{record_id}/removal"),
    ("GET", "/api/v1/listings/{record_id}/persons"),
    ("POST", "/api/v1/listings/{record_id}/persons"),
    ("DELETE", "/api/v1/person-links/{link_id}"),
    ("POST", "/api/v1/interviews"),
    ("POST", "/api/v1/interviews/{record_id}/rectification"),
    ("POST", "/api/v1/registrations"),
    ("POST", "/api/v1/registrations/{record_id}/verification"),
    ("GET", "/api/v1/records/{record_id}/timeline"),
    ("GET", "/.well-known/creditgate-keys.json"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/schemas/{name}.schema.json"),
    ("GET", "/schemas/{name}.{audience}.schema.json"),
    ("GET", "/graphql/schema.graphql"),
]


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)


def test_the_description_lists_every_route(fuzzed_app: Any) -> None:
    paths = fuzzed_app.openapi()["paths"]
    for method, path in OPERATIONS:
        assert method.lower() in paths.get(path, {}), (method, path, sorted(paths))
    described = {
        (m.upper(), p) for p, ops in paths.items() for m in ops if p not in NOT_FUZZED_HERE
    }
    assert described <= set(OPERATIONS), sorted(described - set(OPERATIONS))


def test_the_description_declares_what_the_app_answers(fuzzed_app: Any) -> None:
    """No FastAPI 422 (a bad request is a 400), a body may be refused as too large or too slow, and
    a key is optional at the door (public view)."""
    for path, ops in fuzzed_app.openapi()["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            assert "HTTPValidationError" not in repr(responses), (method, path)
            if method in ("post", "put", "patch") and path not in NOT_FUZZED_HERE:
                assert {"400", "408", "413"} <= set(responses), (method, path)
            if op.get("security"):
                assert {} in op["security"], (method, path)
    parameters = fuzzed_app.openapi()["paths"]["/api/v1/datasets/{dataset}/records"]["get"][
        "parameters"
    ]
    limit = next(p for p in parameters if p["name"] == "limit")["schema"]
    assert limit["maximum"] == fuzzed_app.state.settings.max_page_size


def test_the_served_description_passes_openapi_spec_validator(api_schema: Any) -> None:
    """The document ``/openapi.json`` serves is valid OpenAPI 3.1 (raises, located, if not)."""
    document = api_schema.raw_schema
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_success_has_a_model_and_every_error_its_shape(fuzzed_app: Any) -> None:
    """A 2xx JSON body is a named model; other bodies say what they are; errors name the
    error shape of their protocol; 422 only where a route refuses a step or a row."""
    document = fuzzed_app.openapi()
    components = document["components"]["schemas"]
    refusing = {
        ("post", "/api/v1/datasets/{dataset}/submissions"),
        ("post", "/api/v1/national/repairs"),
        ("post", "/api/v1/inspections/draws/{draw_id}/results"),
        ("post", "/api/v1/repairs"),
        ("post", "/api/v1/repairs/{case_id}/decision"),
        ("post", "/api/v1/objections/{case_id}/outcome"),
        ("post", "/api/v1/commitments/{record_id}/fulfilment"),
        ("post", "/api/v1/listings"),
        ("post", "/api/v1/listings/{record_id}/removal"),
        ("post", "/api/v1/interviews"),
        ("post", "/api/v1/interviews/{record_id}/rectification"),
        ("post", "/api/v1/registrations"),
        ("post", "/api/v1/registrations/{record_id}/verification"),
    }
    for path, ops in document["paths"].items():
        error_model = "GraphQLRequestError" if path == "/graphql" else "ErrorBody"
        for method, op in ops.items():
            where = (method, path)
            successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
            assert successes, where
            for status, response in op["responses"].items():
                for media, content in response.get("content", {}).items():
                    schema = content.get("schema") or {}
                    assert schema, (where, status, media)
                    if status.startswith("2") and media == "application/json":
                        ref = schema.get("$ref", "")
                        assert ref.rsplit("/", 1)[-1] in components, (where, status, schema)
                    elif not status.startswith("2"):
                        assert schema == {"$ref": f"#/components/schemas/{error_model}"}, where
            assert ("422" in op["responses"]) == (where in refusing), where
            if "429" in op["responses"]:
                assert "Retry-After" in op["responses"]["429"]["headers"], where
    assert set(document["components"]["securitySchemes"]) == {"ApiKey"}  # not "API key"
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) and "list_records" in ids  # a generated client's names


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_answer_conforms(
    api_schema: Any, fuzzed_app: Any, method: str, path: str, mode: GenerationMode, budget: str
) -> None:
    """Generated requests, without a key and with an admin key: every answer is declared."""
    operation = api_schema[path][method]
    admin = {"authorization": f"Bearer {fuzzed_app.state.fuzz_key}"}
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

    @given(case=operation.as_strategy(generation_mode=mode))
    @fuzz_settings(budget, 10)
    def run(case: Any) -> None:
        case.call_and_validate(checks=checks)
        case.call_and_validate(headers=admin, checks=checks)

    started = time.monotonic()
    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # nothing to break: every parameter takes any string (e.g. no parameters at all)
    assert time.monotonic() - started < (600 if budget == "soak" else 30)
