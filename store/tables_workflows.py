"""The workflow tables (SQLAlchemy Core, on :data:`store.tables.metadata`); the procedures that
write them live in :mod:`workflows`, which reaches them through :mod:`store.schema`.

* ``workflow_steps`` — every state change of every procedure (who, when, why, from which
  state to which, the change-log seq it produced and the head of the log when it was
  written, which places it among the record's versions): the workflow half of a record's
  timeline. Append-only.
* ``repair_applications`` — 信用修复 applications, one row per case.
* ``objections`` — 异议 cases with their working-day deadlines and KPI timestamps
  (received, verifying, provider reply, closed; credit-domain §4.5).
* ``check_log`` — every joint-punishment check: who asked about whom, for which scenario,
  the answer (measures and entries) and the change-log position it reflects.
* ``person_links`` — legal representatives and principal persons linked to a list entry by
  hand (政务共享 only). Links found in the entry itself are not copied here.

Created by revision 0003 (the deadline basis columns by 0004, see docs/migrations.md). No
foreign keys to the other store tables: records are never deleted, and tests empty the
tables independently.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from store.tables import RECORD_ID, metadata

SEQ = BigInteger().with_variant(Integer, "sqlite")
CASE_ID = String(40)
CODE = String(40)  # a USCC (18) or an identity document number (up to 40)

workflow_steps = Table(
    "workflow_steps",
    metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("record_id", RECORD_ID, nullable=False),
    Column("workflow", String(20), nullable=False),
    Column("case_id", CASE_ID),
    Column("step", String(40), nullable=False),
    Column("state_from", String(20)),
    Column("state_to", String(20)),
    Column("actor", String(200), nullable=False),
    Column("role", String(20)),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("note", Text),
    Column("details", Text),
    Column("seq", SEQ),
    Column("log_position", SEQ, nullable=False),
    Index(None, "record_id", "id"),
    Index(None, "case_id"),
)

repair_applications = Table(
    "repair_applications",
    metadata,
    Column("id", CASE_ID, primary_key=True),
    Column("record_id", RECORD_ID, nullable=False),
    Column("dataset", String(100), nullable=False),
    Column("credit_code", CODE),
    Column("authority_uscc", String(18), nullable=False),
    Column("applicant_name", String(200), nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("statement", Text),
    Column("obligations_fulfilled", Boolean, nullable=False),
    Column("evidence", Text),
    Column("commitment_record_id", RECORD_ID),
    Column("state", String(20), nullable=False),
    Column("problems", Text),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("decision_due", Date),
    Column("decision_from", Date),  # migration 4: the basis of decision_due and its provenance
    Column("decision_days", Integer),
    Column("decision_due_provisional", Boolean),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", String(200)),
    Column("decision_note", Text),
    Column("takedown_seq", SEQ),
    Index(None, "record_id"),
    Index(None, "state"),
)

objections = Table(
    "objections",
    metadata,
    Column("id", CASE_ID, primary_key=True),
    Column("record_id", RECORD_ID, nullable=False),
    Column("dataset", String(100), nullable=False),
    Column("credit_code", CODE),
    Column("provider_uscc", String(18), nullable=False),
    Column("applicant_name", String(200), nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("grounds", Text, nullable=False),
    Column("evidence", Text),
    Column("state", String(20), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("verify_due", Date),
    Column("verifying_at", DateTime(timezone=True)),
    Column("answer_due", Date),
    Column("extended_days", Integer, nullable=False, default=0),
    Column("provider_reply_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("outcome_note", Text),
    Column("marked_version", Integer),
    Column("mark_seq", SEQ),
    Column("outcome_seq", SEQ),
    # migration 4: each deadline's basis (start day, working days) and provenance
    Column("verify_from", Date),
    Column("verify_days", Integer),
    Column("verify_due_provisional", Boolean),
    Column("answer_from", Date),
    Column("answer_days", Integer),
    Column("answer_due_provisional", Boolean),
    Index(None, "record_id"),
    Index(None, "state"),
)

check_log = Table(
    "check_log",
    metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(20)),
    Column("credit_code", CODE, nullable=False),
    Column("scenario", String(100)),
    Column("restricted", Boolean, nullable=False),
    Column("measure_ids", Text, nullable=False),
    Column("entry_ids", Text, nullable=False),
    Column("log_position", SEQ, nullable=False),
    Index(None, "credit_code", "id"),
)

person_links = Table(
    "person_links",
    metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("record_id", RECORD_ID, nullable=False),
    Column("credit_code", CODE),
    Column("person_name", String(64), nullable=False),
    Column("id_type", String(40)),
    Column("id_no", CODE),
    Column("role", String(64), nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    Column("linked_by", String(200), nullable=False),
    Column("unlinked_at", DateTime(timezone=True)),
    Column("unlinked_by", String(200)),
    Index(None, "id_no"),
    Index(None, "record_id"),
)
