"""Database engines: URL handling, SQLite pragmas and the writer's transaction.

SQLite URLs (``sqlite:///path``) get WAL, ``synchronous=NORMAL``, foreign keys, a 32 MiB page
cache and a busy timeout on every connection; PostgreSQL URLs are served by psycopg 3
(``postgresql://`` and ``postgres://`` are rewritten to ``postgresql+psycopg://``).

Writers are serialised (:func:`write_transaction`) so that change-log sequence numbers are
assigned and become visible in the same order — see that function for why. The hottest reads
(a change-log page, the head, one record, a USCC) are single statements run by
:class:`RawRead` on the driver's cursor, outside any explicit transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Executable, create_engine, event, text
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from store.errors import StoreUnavailableError

BUSY_TIMEOUT_MS = 60_000
"""How long a SQLite writer waits for another writer before giving up."""

WRITER_LOCK_KEY = 0x63726764_73746F72 & 0x7FFF_FFFF_FFFF_FFFF
"""PostgreSQL advisory-lock key taken by every write transaction ("crgdstor")."""

MIGRATION_LOCK_KEY = WRITER_LOCK_KEY - 1
"""PostgreSQL advisory-lock key taken while migrating."""

JOB_LOCK_KEY = WRITER_LOCK_KEY - 2
"""PostgreSQL advisory-lock key held (session lock, non-blocking) by the one process running
a scheduled job (:mod:`store.jobs`)."""


def normalise_url(url: str | URL) -> URL:
    """Parse a store URL; PostgreSQL URLs are pinned to the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreUnavailableError(f"not a database URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreUnavailableError(
            f"unsupported database {safe_url(parsed)!r}: use sqlite:/// or postgresql://"
        )
    return parsed


def safe_url(url: str | URL) -> str:
    """The URL as text with the password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"


CACHE_KIB = 32 * 1024
"""SQLite page cache per connection (KiB)."""


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would issue a deferred BEGIN lazily; we emit BEGIN
    # ourselves (see _sqlite_on_begin) so writers can ask for BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    # the default 2 MiB page cache thrashes on the random record-id index pages of a
    # million-row ingest; the cache grows only as far as a connection uses it
    cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str | URL) -> Engine:
    """An engine for a store URL; raises :class:`StoreUnavailableError` if it cannot connect."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False},
            poolclass=StaticPool if memory else None,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreUnavailableError(
            f"cannot open the store at {safe_url(parsed)}: {reason}"
        ) from None
    return engine


def is_postgresql(conn: Connection | Engine) -> bool:
    """Whether the connection talks to PostgreSQL (else SQLite)."""
    return conn.dialect.name == "postgresql"


@contextmanager
def write_transaction(engine: Engine, *, lock_key: int = WRITER_LOCK_KEY) -> Iterator[Connection]:
    """A transaction that holds the store's single writer lock until it commits.

    Change-log readers follow ``seq`` with a cursor (``seq > after``). If two writers could
    commit out of order, a reader might see seq N+1 while N is still invisible, move its
    cursor past N and never see it. Holding one lock from before ``seq`` is assigned until
    after COMMIT makes commit order equal ``seq`` order and leaves no gaps:

    * PostgreSQL: ``pg_advisory_xact_lock`` (released by COMMIT/ROLLBACK, so a crashed
      writer never leaves it held); a SEQUENCE would hand out numbers outside commit order.
    * SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock at the start, so the
      ``max(seq)`` read below it is already serialised (a deferred BEGIN would deadlock two
      writers that both read first and then try to write).
    """
    with engine.connect() as conn:
        if is_postgresql(conn):
            with conn.begin():
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
                yield conn
        else:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn


class RawRead:
    """One read-only statement, compiled once per dialect and run on the driver's own cursor.

    SQLAlchemy's per-call work (statement cache lookup, an explicit BEGIN … ROLLBACK, result
    processing) costs 0.2–1 ms per call, far more than the query itself. A single statement
    needs no transaction: SQLite in WAL mode reads one snapshot per statement (the connection
    is in autocommit mode, :func:`_sqlite_on_connect`), and PostgreSQL runs it in autocommit,
    where one statement is its own snapshot. Rows come back as the driver gives them: SQLite
    returns dates and timestamps as ISO text and booleans as 0/1, psycopg native values.

    ``build(dialect_name)`` returns the Core statement for that dialect (bind parameters by
    name); :meth:`rows` takes the values by the same names.
    """

    def __init__(self, build: Callable[[str], Executable]) -> None:
        self._build = build
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def _sql(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            statement: Any = self._build(dialect.name)
            compiled = statement.compile(dialect=dialect)
            positions = tuple(compiled.positiontup or ()) if compiled.positional else None
            found = (str(compiled), positions, dict(compiled.params))
            self._compiled[dialect.name] = found
        return found

    def rows(self, engine: Engine, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row of the statement (tuples of driver values)."""
        sql, positions, defaults = self._sql(engine.dialect)
        values = {**defaults, **params} if params else defaults
        args: Any = values if positions is None else tuple(values[p] for p in positions)
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            pg = is_postgresql(engine)
            if pg:
                driver.autocommit = True  # type: ignore[union-attr]
            cursor = raw.cursor()
            try:
                cursor.execute(sql, args)
                return list(cursor.fetchall())
            finally:
                cursor.close()
                if pg and not driver.closed:  # type: ignore[union-attr]
                    driver.autocommit = False  # type: ignore[union-attr]
        finally:
            raw.close()
