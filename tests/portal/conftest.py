"""CKAN fixtures: the real CKAN that ``scripts/ckan up`` starts, once per session.

Every test gets its own dataset-name prefix (``t<hex>-wuhan-credit-…``), and the session its
own organisation prefix, so tests never see each other's datasets and no reset is needed.
``portal_helpers`` (next to this file) holds the independent readers the tests compare with.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from portal_helpers import (  # noqa: E402
    CkanSite,
    RecordingSession,
    ckan_script,
    purge,
    purge_organisations,
)

from portal import CkanClient, PortalConfig  # noqa: E402
from store import Store, open_store  # noqa: E402

ORG_PREFIX = f"t{uuid.uuid4().hex[:6]}-"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture(scope="session")
def ckan_site() -> Iterator[CkanSite]:
    """The running CKAN (started if needed): URL and sysadmin API key. The session's
    organisations are purged at the end."""
    result = ckan_script("up")
    if result.returncode != 0:
        pytest.fail(f"scripts/ckan up failed:\n{result.stderr[-3000:]}")
    site = CkanSite.from_env_lines(result.stdout)
    yield site
    purge_organisations(site, ORG_PREFIX)


@pytest.fixture
def config(ckan_site: CkanSite) -> Iterator[PortalConfig]:
    """Names unique to this test; its datasets are purged afterwards."""
    chosen = PortalConfig(prefix=f"t{uuid.uuid4().hex[:8]}-wuhan-credit", org_prefix=ORG_PREFIX)
    yield chosen
    purge(ckan_site, chosen.prefix)


@pytest.fixture
def session() -> RecordingSession:
    """An HTTP session that records every action called through it."""
    return RecordingSession()


@pytest.fixture
def client(ckan_site: CkanSite, session: RecordingSession) -> Iterator[CkanClient]:
    """The publisher's client on the real CKAN (short backoff so failures are quick)."""
    with CkanClient(
        ckan_site.url, ckan_site.api_key, session=session, retries=2, backoff=0.05
    ) as ckan:
        yield ckan


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (dropped afterwards); its store URL."""
    name = f"creditgate_portal_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty SQLite store."""
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite'}") as opened:
        yield opened
