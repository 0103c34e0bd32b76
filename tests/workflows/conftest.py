"""Workflow tests: a migrated store per test (SQLite and PostgreSQL) and record factories.

The shared ``db_url`` fixture gives an empty database (on PostgreSQL every table of every
package is dropped). ``wf_factory`` (records, callers, the fixed day) is put on ``sys.path``
once, here, because ``--import-mode=importlib`` keeps test modules from importing siblings.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from store import Store, open_store  # noqa: E402


@pytest.fixture
def wf_url(db_url: str) -> str:
    """An empty store database URL (a name that says these tests want the workflow tables)."""
    return db_url


@pytest.fixture
def store(wf_url: str) -> Iterator[Store]:
    st = open_store(wf_url)
    yield st
    st.close()
