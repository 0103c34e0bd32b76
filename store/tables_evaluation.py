"""The tables of the credit evaluation and of 政务失信 (migration 15), in one module that imports
nothing but :mod:`store.tables`, so the migration creates them without importing the code
that uses them (``store`` modules may not import each other in a cycle).

* ``entity_grades`` — one row per graded entity: the latest score and grade, the explanation
  (JSON), the day it is as of, the day the grade took its value (``graded_since``), the
  change-log position it reflects, and ``review_on``: the day its records would score
  differently without any change (the incremental run regrades on that day; indexed).
* ``credit_grade_history`` — a row each time an entity's score or grade (or model) changes, with
  the day and the log position; grade None: the entity was ungraded (no record left).
* ``evaluation_state`` — the incremental run's cursor and the model version it graded with.
* ``public_dishonesty`` / ``public_dishonesty_notices`` — 政务失信 records and their 通报
  (:mod:`store.public_dishonesty`); never read by the evaluation.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from store.tables import metadata

SEQ = BigInteger().with_variant(Integer, "sqlite")

entity_grades = Table(
    "entity_grades",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("model_version", String(20), nullable=False),
    Column("score", Float, nullable=False),
    Column("grade", String(8), nullable=False),
    Column("dishonest", Boolean, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("graded_since", Date, nullable=False),  # the as_of of the grade's last change
    Column("review_on", Date),
    Column("log_position", SEQ, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Index(None, "review_on"),
    Index(None, "grade"),
)

grade_history = Table(
    "credit_grade_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uscc", String(18), nullable=False),
    Column("model_version", String(20), nullable=False),
    Column("score", Float),  # None: the entity is no longer graded (no record left)
    Column("grade", String(8)),
    Column("previous_grade", String(8)),
    Column("as_of", Date, nullable=False),
    Column("log_position", SEQ, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Index(None, "uscc", "id"),
)

evaluation_state = Table(
    "evaluation_state",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("model_version", String(20), nullable=False),
    Column("cursor", SEQ, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

EVALUATION_TABLES = (entity_grades, grade_history, evaluation_state)


public_dishonesty = Table(
    "public_dishonesty",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", String(10), nullable=False),  # body | staff
    Column("body_uscc", String(18), nullable=False),
    Column("body_name", String(200), nullable=False),
    Column("body_type", String(40), nullable=False),
    Column("staff_name", String(100)),
    Column("staff_position", String(200)),
    Column("kind", String(40), nullable=False),
    Column("facts", Text, nullable=False),
    Column("basis_doc_no", String(200), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("superior_unit", String(200)),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("body_uscc", "subject", "staff_name", "kind", "basis_doc_no"),
    Index(None, "body_uscc"),
)

public_dishonesty_notices = Table(
    "public_dishonesty_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dishonesty_id", Integer, ForeignKey("public_dishonesty.id"), nullable=False),
    Column("recipient_role", String(40), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("sent_by", String(200)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_by", String(200)),
    Column("note", Text),
    UniqueConstraint("dishonesty_id", "recipient_role"),
    Index(None, "state"),
)

PUBLIC_DISHONESTY_TABLES = (public_dishonesty, public_dishonesty_notices)
