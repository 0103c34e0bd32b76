"""What the REST tests share: :class:`Api`, a synchronous client of the in-process app
(``httpx.ASGITransport``, lifespan run, driven through a blocking portal so a test can write
to the store between requests the way another process would), and the seed data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI

import demo
from catalog import load_catalog
from gateway.audit import audit_of
from store import AuditEntry, Role, Store, create_key, read_audit, submit_records

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
REST_TODAY = date(2026, 11, 28)
REST_ENTITIES = demo.Entities(60, seed=21)
NO_LIMITS = {"rate_limit_per_minute": 0, "public_rate_limit_per_minute": 0}


class Api:
    """A synchronous client of the in-process app, with one key per role."""

    def __init__(self, app: FastAPI, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self.app = app
        self.store: Store = app.state.store
        self.portal = portal
        self.client = client
        self.keys: dict[tuple[Role, str | None], str] = {}

    def key(self, role: Role | None, department_uscc: str | None = None) -> str | None:
        """The secret of a key of ``role`` (None: no key); department keys are per USCC."""
        if role is None:
            return None
        slot = (role, department_uscc)
        if slot not in self.keys:
            _, secret = create_key(
                self.store.engine,
                role=role,
                name=f"test {role.value}",
                department_uscc=department_uscc,
            )
            self.keys[slot] = secret
        return self.keys[slot]

    def request(
        self,
        method: str,
        url: str,
        *,
        role: Role | None = None,
        key: str | None = None,
        department: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        secret = key or self.key(role, department)
        headers = dict(kwargs.pop("headers", None) or {})
        if secret:
            headers["authorization"] = f"Bearer {secret}"
        response: httpx.Response = self.portal.call(
            partial(self.client.request, method, url, headers=headers, **kwargs)
        )
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def json(self, url: str, **kwargs: Any) -> dict[str, Any]:
        """The body of a GET that must answer 200."""
        r = self.get(url, **kwargs)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def audit(self) -> list[AuditEntry]:
        """The audit trail, queued entries written first."""
        audit_of(self.app).flush()
        return read_audit(self.store.engine)


@contextmanager
def serving(app: FastAPI) -> Iterator[Api]:
    """An :class:`Api` on ``app`` with the app's lifespan running; closes the store after."""
    try:
        with start_blocking_portal() as portal:
            lifespan = app.router.lifespan_context(app)
            portal.call(lifespan.__aenter__)
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(
                    app=app, client=("127.0.0.9", 4242), raise_app_exceptions=False
                ),
                base_url="http://gateway",
            )
            try:
                yield Api(app, portal, client)
            finally:
                portal.call(client.aclose)
                portal.call(lifespan.__aexit__, None, None, None)
    finally:
        app.state.store.close()


def fixture_records() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(dataset, records) of every fixture file; list entries go to the serious list."""
    catalog = load_catalog()
    for path in sorted((FIXTURES / "records").glob("*.valid.json")):
        schema_id = path.name.removesuffix(".valid.json")
        dataset = catalog.with_schema(schema_id)[0].id
        yield dataset, json.loads(path.read_text("utf-8"))


def seed_store(store: Store) -> None:
    """Synthetic penalties and licences plus every fixture file (all must be accepted)."""
    for dataset, records in [
        ("administrative-penalty", list(demo.penalties(150, seed=3, entities=REST_ENTITIES))),
        ("administrative-licensing", list(demo.licences(60, seed=4, entities=REST_ENTITIES))),
        *fixture_records(),
    ]:
        receipt = submit_records(store, dataset, records, actor="test:seed")
        assert receipt.rejected == 0, receipt.issues[:3]
