"""The GraphQL schema, fuzzed: schemathesis (hypothesis-graphql underneath) generates queries
and mutations for every root field — selections, arguments and variables the schema allows,
nested as deep as it lets — and sends them without a key, with an admin key and with a
platform key, over the in-process app on the seeded store.

A GraphQL error in the answer is fine (a refused page size, a depth or alias limit, a
forbidden field); what must never happen:

- a 5xx, or an answer that is not a JSON GraphQL response;
- an error raised while resolving that is not one of the gateway's labelled refusals
  (``BAD_USER_INPUT``, ``FORBIDDEN``… of :mod:`gateway.graphql.errors`; schemathesis' own
  GraphQL check would count a ``FORBIDDEN`` as a server error, so it is judged here);
- an exception that escaped a resolver: masked as ``Unexpected error.``
  (``INTERNAL_SERVER_ERROR``) it still means a bug, and unmasked it would leak internals
  (a traceback, an SQL statement, a Python exception name).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fuzz_budget import BUDGETS, fuzz_settings
from graphql import build_schema
from graphql.language import ast as gast
from hypothesis import given
from hypothesis import strategies as st
from rest_helpers import NO_LIMITS, REST_TODAY

from gateway.app import create_app
from gateway.audit import audit_of
from gateway.graphql.errors import RequestError
from gateway.graphql.limits import MASKED_MESSAGE
from gateway.settings import Settings
from store import Role, create_key, open_store

LEAKS = re.compile(
    r"Traceback|File \"|sqlalchemy|psycopg|sqlite3|SELECT |INSERT |"
    r"(?:Key|Type|Attribute|Index|Value|Assertion|Runtime|ZeroDivision)Error\b"
)
"""Text an answer shows only when an exception leaked through."""


@pytest.fixture(scope="module")
def graphql_app(seeded_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("gqlfuzz") / "fuzz.sqlite"
    shutil.copyfile(seeded_file, path)
    url = f"sqlite:///{path}"
    store = open_store(url)
    keys = {
        role: create_key(store.engine, role=role, name=f"fuzzer {role.value}")[1]
        for role in (Role.ADMIN, Role.PLATFORM)
    }
    app = create_app(Settings(db=url, today=REST_TODAY.isoformat(), **NO_LIMITS), store=store)
    app.state.fuzz_keys = keys
    yield app
    audit_of(app).close()
    store.close()


@pytest.fixture(scope="module")
def graphql_schema(graphql_app: Any) -> Any:
    return schemathesis.graphql.from_asgi("/graphql", graphql_app)


GRAPHQL_NAME = st.from_regex(r"\A[_A-Za-z][_0-9A-Za-z]{0,12}\Z")
RECORD_KEYS = st.sampled_from(
    [
        "uscc",
        "entity_name",
        "decision_doc_no",
        "penalty_content",
        "decision_date",
        "sector",
        "amount",
        "legal_basis",
        "record_id",
        "valid_to",
        "_meta",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(RECORD_KEYS | GRAPHQL_NAME, inner, max_size=6)
    ),
    max_leaves=24,
)
"""Values of the ``JSON`` scalar (submitted records): field ids of the catalogue and others,
every JSON type, integers beyond 64 bits."""


def value_node(value: Any) -> gast.ValueNode:
    """``value`` as a GraphQL literal."""
    if value is None:
        return gast.NullValueNode()
    if isinstance(value, bool):
        return gast.BooleanValueNode(value=value)
    if isinstance(value, int):
        return gast.IntValueNode(value=str(value))
    if isinstance(value, str):
        return gast.StringValueNode(value=value)
    if isinstance(value, list):
        return gast.ListValueNode(values=tuple(value_node(v) for v in value))
    return gast.ObjectValueNode(
        fields=tuple(
            gast.ObjectFieldNode(name=gast.NameNode(value=k), value=value_node(v))
            for k, v in value.items()
        )
    )


schemathesis.graphql.scalar("JSON", JSON_VALUES.map(value_node))

SDL = Path(__file__).resolve().parents[2] / "gateway" / "graphql" / "schema.graphql"


def _root_fields() -> list[str]:
    """Every root field of the committed SDL, as ``Query.x`` / ``Mutation.y``."""
    parsed = build_schema(SDL.read_text("utf-8"))
    return [
        f"{root.name}.{name}"
        for root in (parsed.query_type, parsed.mutation_type)
        if root is not None
        for name in root.fields
    ]


ROOT_FIELDS = _root_fields()


def _operation(graphql_schema: Any, field: str) -> Any:
    root, name = field.split(".")
    for result in graphql_schema.get_all_operations():
        operation = result.ok()
        definition = operation.definition
        is_root = definition.is_query if root == "Query" else definition.is_mutation
        if definition.field_name == name and is_root:
            return operation
    raise AssertionError(f"{field} is not in the served schema")


def test_every_root_field_is_fuzzed(graphql_schema: Any) -> None:
    served = list(graphql_schema.get_all_operations())
    assert len(served) == len(ROOT_FIELDS) > 5
    for field in ROOT_FIELDS:
        _operation(graphql_schema, field)


REFUSALS = frozenset(cls.code for cls in (RequestError, *RequestError.__subclasses__()))
"""The codes of the gateway's own refusals (:mod:`gateway.graphql.errors`)."""


def no_escaped_exception(body: Any) -> None:
    """Every error of a GraphQL answer is the caller's business, none a resolver's crash:
    an error raised while resolving (it has a ``path``) is one of the gateway's refusals,
    with its code; an error without a path concerns the document (syntax, validation,
    depth, aliases)."""
    assert isinstance(body, dict) and ("data" in body or "errors" in body), body
    for error in body.get("errors") or ():
        message = str(error.get("message", ""))
        code = (error.get("extensions") or {}).get("code")
        assert message != MASKED_MESSAGE and code != "INTERNAL_SERVER_ERROR", error
        assert not LEAKS.search(message), error
        assert "Cannot return null for non-nullable field" not in message, error
        if error.get("path"):
            assert code in REFUSALS, error


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("field", ROOT_FIELDS)
def test_no_query_crashes_the_server(
    graphql_schema: Any, graphql_app: Any, field: str, budget: str
) -> None:
    operation = _operation(graphql_schema, field)
    keyed = [{"authorization": f"Bearer {k}"} for k in graphql_app.state.fuzz_keys.values()]

    @given(case=operation.as_strategy())
    @fuzz_settings(budget, 15)
    def run(case: Any) -> None:
        for headers in (None, *keyed):
            response = case.call(headers=headers)
            assert response.status_code < 500, response.text
            media = response.headers.get("content-type") or [""]
            assert str(media[0]).startswith("application/json"), response.headers
            no_escaped_exception(response.json())

    started = time.monotonic()
    run()
    assert time.monotonic() - started < (600 if budget == "soak" else 30)
