"""The evaluation's tables (migration 15): current grades, their history, the cursor.

* ``entity_grades`` — one row per graded entity: the latest score and grade, the explanation
  (JSON), the day it is as of, the change-log position it reflects, and ``review_on``: the
  day its records would score differently without any change (the incremental run regrades
  on that day; indexed).
* ``grade_history`` — a row each time an entity's score or grade (or model) changes, with
  the day and the log position: the grade as of a date or a position is the latest row at or
  before it.
* ``evaluation_state`` — the incremental run's cursor (the last change-log seq applied) and
  the model version it graded with; a new model version regrades everything.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
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
    "grade_history",
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
