"""REST test fixtures (the helpers live in ``rest_helpers``, importable from test modules).

``rest`` is an :class:`Api` on a SQLite store in ``tmp_path`` seeded with synthetic records
(penalties and licences of companies, individual businesses and natural persons) and the
fixture record of every other schema; ``rest_empty`` is the same on an empty store;
``make_api(seed=..., **settings)`` makes one with other settings.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # --import-mode=importlib: let test modules import rest_helpers
    sys.path.insert(0, _HERE)

from rest_helpers import NO_LIMITS, REST_TODAY, Api, seed_store, serving  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from store import Store, open_store  # noqa: E402


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded store file, made once per session and copied for each test."""
    path = tmp_path_factory.mktemp("rest-seed") / "seeded.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        seed_store(store)
    return path


@pytest.fixture
def make_api(tmp_path: Path, seeded_file: Path) -> Iterator[Callable[..., Any]]:
    """``make_api(seed=True, **settings)``: a context manager giving an :class:`Api`."""

    @contextmanager
    def make(*, seed: bool = True, store: Store | None = None, **overrides: Any) -> Iterator[Api]:
        path = tmp_path / "rest.sqlite"
        if seed and store is None and not path.exists():
            shutil.copyfile(seeded_file, path)
        url = f"sqlite:///{path}"
        the_store = store or open_store(url)
        values = {"db": url, "today": REST_TODAY.isoformat(), **NO_LIMITS, **overrides}
        app = create_app(Settings(**values), store=the_store)
        with serving(app) as api:
            yield api

    yield make


@pytest.fixture
def rest(make_api: Callable[..., Any]) -> Iterator[Api]:
    """The seeded app, rate limits off."""
    with make_api() as api:
        yield api


@pytest.fixture
def rest_empty(make_api: Callable[..., Any]) -> Iterator[Api]:
    """The app on an empty store, rate limits off."""
    with make_api(seed=False) as api:
        yield api
