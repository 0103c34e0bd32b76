"""The store's tables (SQLAlchemy Core, one :data:`metadata`).

* ``batches`` — one row per submission (who, from where, when, how it ended, counts).
* ``changes`` — the change log **and** the version history (变更日志/版本): one row per event,
  ``seq`` is a gap-free integer assigned under the writer lock (see
  :func:`store.db.write_transaction`), so following ``seq > cursor`` never misses an event.
  ``version`` counts upserts per record; a ``delete`` (take-down) event carries the version
  it took down, hence the guard against duplicated events is UNIQUE(record_id, version, op).
  ``state``/``publishable``/``window_*`` are the record's state *after* the event, so a feed
  can decide what an audience sees from the event alone.
* ``records`` — the current state of every record ever stored (nothing is hard-deleted): the
  latest version's payload plus its publication window, take-down status and timeliness, and
  ``objection_version``: the version an objection mark applies to (:mod:`store.marks`).

* ``schema_migrations`` — the steps of the migration runner before Alembic, kept so that
  an old build refuses a store Alembic has taken over (revision 0019, :mod:`store.migrations`).

Payloads are canonical JSON text (keys sorted); ``hash`` is the SHA-256 of that text.

Every index costs each write, so there are few: ``records`` needs no (dataset, record_id)
index because a record id starts with its dataset id (``<dataset>:<hash>``, a public
contract of :func:`catalog.record_id_for`), so a dataset's keyset scan is a primary-key range
(:func:`dataset_range`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

RECORD_ID = String(200).with_variant(String(200, collation="C"), "postgresql")
"""Record ids compare byte-wise on every backend: keyset pages and :func:`dataset_range` must
not depend on a server's locale (glibc/ICU collations skip punctuation such as ``:``)."""

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("dataset", String(100), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("source", String(500), nullable=False),
    Column("all_or_nothing", Boolean, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(20), nullable=False),  # running|complete|rejected|interrupted
    Column("rows_seen", Integer, nullable=False, default=0),
    Column("accepted", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("owner", String(200)),  # host|pid|start of the process running it (store.batches)
    Column("heartbeat_at", DateTime(timezone=True)),  # last committed chunk
)

changes = Table(
    "changes",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("dataset", String(100), nullable=False),
    Column("record_id", RECORD_ID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("op", String(10), nullable=False),  # upsert | delete
    Column("reason", String(40)),
    Column("hash", String(64), nullable=False),
    Column("payload", Text),
    Column("state", String(10), nullable=False),  # active | withdrawn, after this event
    Column("publishable", Boolean),
    Column("window_start", Date),
    Column("window_end", Date),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("batch_id", String(64), ForeignKey("batches.batch_id")),
    Column("actor", String(200), nullable=False),
    Column("note", Text),
    UniqueConstraint("record_id", "version", "op"),
    Index(None, "dataset", "seq"),
)

records = Table(
    "records",
    metadata,
    Column("record_id", RECORD_ID, primary_key=True),
    Column("dataset", String(100), nullable=False),
    Column("key_text", Text, nullable=False),
    Column("uscc", String(18)),
    Column("version", Integer, nullable=False),
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("changes.seq"),
        nullable=False,
    ),
    Column("hash", String(64), nullable=False),
    Column("state", String(10), nullable=False),
    Column("withdrawn_reason", String(40)),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("payload", Text, nullable=False),
    Column("publishable", Boolean, nullable=False),
    Column("window_start", Date),
    Column("window_end", Date),
    Column("min_end", Date),
    Column("severity", String(20)),
    Column("rule_set", Text),
    Column("window_reason", Text),
    Column("window_reason_zh", Text),
    Column("decision_date", Date),
    Column("first_published_at", DateTime(timezone=True)),
    Column("disclosure_due", Date),
    Column("disclosure_working_days", Integer),
    Column("disclosure_on_time", Boolean),
    Column("calendar_unknown", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # the version an objection mark (异议处理中) applies to; set by store.marks only (rev. 0003)
    Column("objection_version", Integer),
    Index(None, "uscc"),
    Index(None, "window_end"),
)


def dataset_range(dataset: str) -> tuple[str, str]:
    """``(low, high)``: a dataset's record ids are exactly those with low <= id < high."""
    return f"{dataset}:", f"{dataset};"  # ";" follows ":" byte-wise (see RECORD_ID)


MARK_COLUMNS: tuple[str, ...] = ("objection_version",)
"""``records`` columns written only by :mod:`store.marks`: the submission writer leaves them
alone, so a new content version is never under the mark of an older one."""

RECORD_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in records.columns if c.name not in MARK_COLUMNS
)
CHANGE_COLUMNS: tuple[str, ...] = tuple(c.name for c in changes.columns)


# -- signed credit reports (store.signing, store.reports) ---------------------------------------
report_keys = Table(
    "report_keys",
    metadata,
    Column("kid", String(40), primary_key=True),
    Column("seed", LargeBinary, nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_to", DateTime(timezone=True)),
)

report_log = Table(
    "report_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("report_id", String(64), nullable=False, unique=True),
    Column("uscc", String(18), nullable=False, index=True),
    Column("audience", String(20), nullable=False),
    Column("kid", String(40), nullable=False),
    Column("log_position", BigInteger, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("purpose", String(500)),
    Column("digest", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
)

REPORT_TABLES = (report_log,)
