"""Engines: URL handling, SQLite pragmas, unreachable databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from store import StoreUnavailableError, open_store
from store.db import make_engine, normalise_url, safe_url


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg"),
        ("postgres://u:p@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_urls_are_pinned_to_psycopg(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(StoreUnavailableError, match="unsupported"):
        normalise_url("mysql://root:secret@h/db")


def test_unreachable_postgres_names_the_url_without_password() -> None:
    url = "postgresql://creditgate:s3cret-pw@127.0.0.1:1/nowhere"
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(url)
    message = str(caught.value)
    assert "s3cret-pw" not in message, message
    assert "127.0.0.1:1/nowhere" in message, message
    assert "***" in safe_url(url)


def test_unopenable_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="cannot open"):
        open_store(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    engine.dispose()


def test_store_repr_hides_password(db_url: str) -> None:
    st = open_store(db_url)
    assert st.head() == 0
    assert "Store(" in repr(st)
    st.close()
