"""A small versioned migration runner (数据库迁移).

``MIGRATIONS`` is the ordered list of steps; ``schema_migrations`` records which have run.
:func:`migrate` applies the missing ones, each in its own transaction together with its
``schema_migrations`` row, so a crash leaves either the whole step or none of it (both
SQLite and PostgreSQL have transactional DDL). Two processes starting at once are
serialised by the writer lock (``BEGIN IMMEDIATE`` / an advisory lock): the second one
re-reads the applied versions under the lock and finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

from store import tables
from store.db import MIGRATION_LOCK_KEY, safe_url, write_transaction
from store.errors import MigrationError


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: ``apply`` runs inside the step's transaction."""

    version: int
    name: str
    apply: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    tables.metadata.create_all(
        conn, tables=[tables.batches, tables.changes, tables.records], checkfirst=True
    )


def _access(conn: Connection) -> None:
    from store.access import ACCESS_TABLES

    tables.metadata.create_all(conn, tables=list(ACCESS_TABLES), checkfirst=True)


def _workflow_tables(meta: MetaData) -> None:
    """The workflow tables as migration 3 created them (frozen; ``workflows.tables`` is the
    live definition, and a test holds the two equal)."""
    seq = BigInteger().with_variant(Integer, "sqlite")
    rid, case, code = tables.RECORD_ID, String(40), String(40)
    ts = DateTime(timezone=True)
    Table(
        "workflow_steps",
        meta,
        Column("id", seq, primary_key=True, autoincrement=True),
        Column("record_id", rid, nullable=False),
        Column("workflow", String(20), nullable=False),
        Column("case_id", case),
        Column("step", String(40), nullable=False),
        Column("state_from", String(20)),
        Column("state_to", String(20)),
        Column("actor", String(200), nullable=False),
        Column("role", String(20)),
        Column("occurred_at", ts, nullable=False),
        Column("note", Text),
        Column("details", Text),
        Column("seq", seq),
        Column("log_position", seq, nullable=False),
        Index(None, "record_id", "id"),
        Index(None, "case_id"),
    )
    Table(
        "repair_applications",
        meta,
        Column("id", case, primary_key=True),
        Column("record_id", rid, nullable=False),
        Column("dataset", String(100), nullable=False),
        Column("credit_code", code),
        Column("authority_uscc", String(18), nullable=False),
        Column("applicant_name", String(200), nullable=False),
        Column("filed_by", String(200), nullable=False),
        Column("statement", Text),
        Column("obligations_fulfilled", Boolean, nullable=False),
        Column("evidence", Text),
        Column("commitment_record_id", rid),
        Column("state", String(20), nullable=False),
        Column("problems", Text),
        Column("filed_at", ts, nullable=False),
        Column("decision_due", Date),
        Column("decided_at", ts),
        Column("decided_by", String(200)),
        Column("decision_note", Text),
        Column("takedown_seq", seq),
        Index(None, "record_id"),
        Index(None, "state"),
    )
    Table(
        "objections",
        meta,
        Column("id", case, primary_key=True),
        Column("record_id", rid, nullable=False),
        Column("dataset", String(100), nullable=False),
        Column("credit_code", code),
        Column("provider_uscc", String(18), nullable=False),
        Column("applicant_name", String(200), nullable=False),
        Column("filed_by", String(200), nullable=False),
        Column("grounds", Text, nullable=False),
        Column("evidence", Text),
        Column("state", String(20), nullable=False),
        Column("received_at", ts, nullable=False),
        Column("verify_due", Date),
        Column("verifying_at", ts),
        Column("answer_due", Date),
        Column("extended_days", Integer, nullable=False, default=0),
        Column("provider_reply_at", ts),
        Column("closed_at", ts),
        Column("outcome_note", Text),
        Column("marked_version", Integer),
        Column("mark_seq", seq),
        Column("outcome_seq", seq),
        Index(None, "record_id"),
        Index(None, "state"),
    )
    Table(
        "check_log",
        meta,
        Column("id", seq, primary_key=True, autoincrement=True),
        Column("checked_at", ts, nullable=False),
        Column("actor", String(200), nullable=False),
        Column("role", String(20)),
        Column("credit_code", code, nullable=False),
        Column("scenario", String(100)),
        Column("restricted", Boolean, nullable=False),
        Column("measure_ids", Text, nullable=False),
        Column("entry_ids", Text, nullable=False),
        Column("log_position", seq, nullable=False),
        Index(None, "credit_code", "id"),
    )
    Table(
        "person_links",
        meta,
        Column("id", seq, primary_key=True, autoincrement=True),
        Column("record_id", rid, nullable=False),
        Column("credit_code", code),
        Column("person_name", String(64), nullable=False),
        Column("id_type", String(40)),
        Column("id_no", code),
        Column("role", String(64), nullable=False),
        Column("linked_at", ts, nullable=False),
        Column("linked_by", String(200), nullable=False),
        Column("unlinked_at", ts),
        Column("unlinked_by", String(200)),
        Index(None, "id_no"),
        Index(None, "record_id"),
    )


def _workflows(conn: Connection) -> None:
    # store imports nothing of workflows (import-linter layers), hence the frozen copy
    if "objection_version" not in {c["name"] for c in inspect(conn).get_columns("records")}:
        conn.execute(text("ALTER TABLE records ADD COLUMN objection_version INTEGER"))
    meta = MetaData(naming_convention=tables.metadata.naming_convention)
    _workflow_tables(meta)
    meta.create_all(conn, checkfirst=True)


DEADLINE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "objections": (
        ("verify_from", "DATE"),
        ("verify_days", "INTEGER"),
        ("verify_due_provisional", "BOOLEAN"),
        ("answer_from", "DATE"),
        ("answer_days", "INTEGER"),
        ("answer_due_provisional", "BOOLEAN"),
    ),
    "repair_applications": (
        ("decision_from", "DATE"),
        ("decision_days", "INTEGER"),
        ("decision_due_provisional", "BOOLEAN"),
    ),
}
"""Migration 4: each workflow deadline gets its basis (the day counting starts from, the
working days counted) and whether a provisional calendar year was counted."""


def _calendar(conn: Connection) -> None:
    from store.calendar_db import CALENDAR_TABLES

    tables.metadata.create_all(conn, tables=list(CALENDAR_TABLES), checkfirst=True)
    for table, columns in DEADLINE_COLUMNS.items():
        have = {c["name"] for c in inspect(conn).get_columns(table)}
        for name, sql_type in columns:
            if name not in have:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}"))


def _jobs(conn: Connection) -> None:
    from store.jobs import JOB_TABLES

    tables.metadata.create_all(conn, tables=list(JOB_TABLES), checkfirst=True)


def _batch_owner(conn: Connection) -> None:
    present = {c["name"] for c in inspect(conn).get_columns("batches")}
    if "owner" not in present:
        conn.execute(text("ALTER TABLE batches ADD COLUMN owner VARCHAR(200)"))
    if "heartbeat_at" not in present:
        kind = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
        conn.execute(text(f"ALTER TABLE batches ADD COLUMN heartbeat_at {kind}"))


def _uploads(conn: Connection) -> None:
    from store.uploads import UPLOAD_TABLES

    tables.metadata.create_all(conn, tables=list(UPLOAD_TABLES), checkfirst=True)


def _reports(conn: Connection) -> None:
    tables.metadata.create_all(
        conn, tables=[tables.report_keys, *tables.REPORT_TABLES], checkfirst=True
    )


def _draws(conn: Connection) -> None:
    from store.draws import DRAW_TABLES

    tables.metadata.create_all(conn, tables=list(DRAW_TABLES), checkfirst=True)


def _evaluation(conn: Connection) -> None:
    from store.tables_evaluation import EVALUATION_TABLES, PUBLIC_DISHONESTY_TABLES

    tables.metadata.create_all(
        conn, tables=[*EVALUATION_TABLES, *PUBLIC_DISHONESTY_TABLES], checkfirst=True
    )


def _alerts(conn: Connection) -> None:
    from store.alerts import ALERT_TABLES

    tables.metadata.create_all(conn, tables=list(ALERT_TABLES), checkfirst=True)


def _release_claims(conn: Connection) -> None:
    """Workflow steps are one transaction each now; a repair decision or an objection answer
    of an earlier version that crashed between its "claim" and its last transaction left the
    case claimed (``decided_by`` on a pending repair, ``provider_reply_at`` on a verifying
    objection) and nobody could act on it. Give such cases back: nothing was decided."""
    conn.execute(
        text(
            "UPDATE repair_applications SET decided_by = NULL, decided_at = NULL "
            "WHERE state = 'pending' AND decided_by IS NOT NULL"
        )
    )
    conn.execute(
        text(
            "UPDATE objections SET provider_reply_at = NULL "
            "WHERE state = 'verifying' AND provider_reply_at IS NOT NULL"
        )
    )


def _webhooks(conn: Connection) -> None:
    from store.outbox import OUTBOX_TABLES

    tables.metadata.create_all(conn, tables=list(OUTBOX_TABLES), checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial: batches, changes, records", _initial),
    Migration(2, "access: api_keys, audit_log, feed_acks", _access),
    Migration(
        3,
        "workflows: workflow_steps, repair_applications, objections, check_log, person_links; "
        "records.objection_version",
        _workflows,
    ),
    Migration(
        4,
        "calendar: calendar_days, calendar_changes; deadline basis and provisional flags",
        _calendar,
    ),
    Migration(6, "jobs: job_runs (scheduled sweeps, who ran them)", _jobs),
    Migration(8, "batches.owner, batches.heartbeat_at (interrupted batches)", _batch_owner),
    Migration(11, "uploads: batch_uploads (workspace files and receipts)", _uploads),
    Migration(12, "reports: report_keys, report_log (signed credit reports)", _reports),
    Migration(
        14,
        "inspections: inspection_commitments, inspection_draws (双随机 commit-reveal draws)",
        _draws,
    ),
    Migration(
        15,
        "evaluation: entity_grades, credit_grade_history, evaluation_state; "
        "public_dishonesty, public_dishonesty_notices (政务失信)",
        _evaluation,
    ),
    Migration(
        16, "alerts: alerts, alert_departments, alert_events, alert_cursors (风险预警)", _alerts
    ),
    Migration(18, "workflows: release cases left claimed by a crashed step", _release_claims),
    Migration(
        20,
        "webhooks: webhook_subscriptions, webhook_datasets, webhook_outbox (push delivery)",
        _webhooks,
    ),
)
"""Every step, oldest first; append new steps, never edit an applied one."""


def latest_version() -> int:
    """The version the code expects."""
    return MIGRATIONS[-1].version


def applied_versions(conn: Connection) -> set[int]:
    """Versions already applied (empty for a fresh database)."""
    if not inspect(conn).has_table(tables.schema_migrations.name):
        return set()
    return set(conn.scalars(select(tables.schema_migrations.c.version)))


def migrate(engine: Engine) -> list[int]:
    """Apply every missing step; returns the versions applied now (empty when up to date)."""
    done: list[int] = []
    try:
        for step in MIGRATIONS:
            with write_transaction(engine, lock_key=MIGRATION_LOCK_KEY) as conn:
                tables.schema_migrations.create(conn, checkfirst=True)
                applied = applied_versions(conn)
                newer = {v for v in applied if v > latest_version()}
                if newer:
                    raise MigrationError(
                        f"the store at {safe_url(engine.url)} has schema version "
                        f"{max(newer)}, newer than this code ({latest_version()})"
                    )
                if step.version in applied:
                    continue
                step.apply(conn)
                conn.execute(
                    tables.schema_migrations.insert().values(
                        version=step.version, name=step.name, applied_at=datetime.now(UTC)
                    )
                )
                done.append(step.version)
    except DBAPIError as exc:
        raise MigrationError(
            f"migrating the store at {safe_url(engine.url)} failed: {exc.orig}"
        ) from exc
    return done
