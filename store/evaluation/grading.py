"""Grading the store's entities (评价): full runs, incremental runs from the change log, reads.

:func:`evaluate_all` grades every market entity of the store (every USCC with records, except
the placeholder and the public bodies of ``public-bodies.yaml``), streaming the ``records``
table in USCC order so memory stays flat. :func:`evaluate_incremental` is what runs
routinely: it reads the change log after its cursor (``evaluation_state``), regrades only
the entities whose records those events touched plus the entities whose ``review_on`` has
come (a recency band ended, a list entry expired), and moves the cursor to the head it read
first. Grades go to ``entity_grades`` (current) and, when score, grade or model changed, to
``grade_history`` with the day and the log position. Re-running either is idempotent.

A new model version makes the incremental run a full one. Grades never read the 政务失信
tables (:mod:`store.public_dishonesty`): public bodies' dishonesty is reported, not graded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, insert, select

from catalog import USCC_PLACEHOLDER, load_catalog
from store.db import write_transaction
from store.evaluation.bodies import is_public_body
from store.evaluation.model import EvaluationModel, load_model
from store.evaluation.publication import grade_record, publish_grades, withdraw_grades
from store.evaluation.scoring import Evaluation, Fact, score_entity
from store.evaluation.tables import entity_grades, evaluation_state, grade_history
from store.exchange import Store
from store.tables import changes, records

NOT_EVALUATED = ("catalogue", "punishment-measures", "public-credit-evaluation")
"""Datasets that say nothing about an entity's conduct (reference data, our own output)."""
STATE_NAME = "public-credit-evaluation"
CHUNK = 2000

_FACT_COLUMNS = (
    records.c.uscc, records.c.record_id, records.c.dataset, records.c.state,
    records.c.withdrawn_reason, records.c.payload, records.c.severity, records.c.decision_date,
    records.c.window_start, records.c.window_end, records.c.publishable,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EvaluationRun:
    """What one run did."""

    mode: str  # full | incremental
    model_version: str
    as_of: date
    cursor_from: int
    cursor_to: int
    entities: int
    changed: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "model_version": self.model_version,
            "as_of": self.as_of.isoformat(),
            "cursor_from": self.cursor_from,
            "cursor_to": self.cursor_to,
            "entities": self.entities,
            "changed": self.changed,
            "seconds": round(self.seconds, 3),
        }


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _fact(row: Any) -> Fact:
    return Fact(
        record_id=row.record_id,
        dataset=row.dataset,
        state=row.state,
        withdrawn_reason=row.withdrawn_reason,
        payload=orjson.loads(row.payload) if row.payload else {},
        severity=row.severity,
        decision_date=_date(row.decision_date),
        window_start=_date(row.window_start),
        window_end=_date(row.window_end),
        publishable=bool(row.publishable),
    )


def gradable(uscc: str | None) -> bool:
    """Whether a USCC is a market entity the model grades (not the placeholder, not a body)."""
    return bool(uscc) and uscc != USCC_PLACEHOLDER and not is_public_body(str(uscc))


def _scan(engine: Engine, usccs: Sequence[str] | None) -> Iterator[tuple[str, list[Fact]]]:
    """(uscc, its facts) in USCC order: every entity, or those given."""
    query = select(*_FACT_COLUMNS).where(
        records.c.uscc.is_not(None), records.c.dataset.not_in(NOT_EVALUATED)
    )
    if usccs is not None:
        query = query.where(records.c.uscc.in_(sorted(set(usccs))))
    query = query.order_by(records.c.uscc, records.c.record_id)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=5000).execute(query)
        current: str | None = None
        facts: list[Fact] = []
        for row in result:
            if row.uscc != current:
                if current is not None and gradable(current):
                    yield current, facts
                current, facts = row.uscc, []
            facts.append(_fact(row))
        if current is not None and gradable(current):
            yield current, facts


def _store(
    conn: Connection, found: list[Evaluation], position: int, now: datetime
) -> tuple[int, list[dict[str, Any]]]:
    """Replace the current grades of ``found``; history rows for the changed ones."""
    codes = [e.uscc for e in found]
    old: dict[str, tuple[tuple[str, float, str], Any]] = {
        r.uscc: ((r.grade, r.score, r.model_version), r.graded_since)
        for r in conn.execute(
            select(
                entity_grades.c.uscc,
                entity_grades.c.grade,
                entity_grades.c.score,
                entity_grades.c.model_version,
                entity_grades.c.graded_since,
            ).where(entity_grades.c.uscc.in_(codes))
        )
    }
    conn.execute(delete(entity_grades).where(entity_grades.c.uscc.in_(codes)))
    rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    published: list[dict[str, Any]] = []
    for e in found:
        text = orjson.dumps(e.explanation).decode()
        before, stored_since = old.get(e.uscc, (None, None))
        changed = before != (e.grade, e.score, e.model_version)
        since = e.as_of if changed or stored_since is None else _date(stored_since) or e.as_of
        row = {
            "uscc": e.uscc, "model_version": e.model_version, "score": e.score,
            "grade": e.grade, "dishonest": e.dishonest, "as_of": e.as_of, "graded_since": since,
            "review_on": e.review_on, "log_position": position, "explanation": text,
            "computed_at": now,
        }  # fmt: skip
        rows.append(row)
        published.append(grade_record(e, since))
        if changed:
            history.append({
                "uscc": e.uscc, "model_version": e.model_version, "score": e.score,
                "grade": e.grade, "previous_grade": before[0] if before else None,
                "as_of": e.as_of, "log_position": position, "explanation": text,
                "computed_at": now,
            })  # fmt: skip
    if rows:
        conn.execute(insert(entity_grades), rows)
    if history:
        conn.execute(insert(grade_history), history)
    return len(history), published


def _grade(
    store: Store,
    usccs: Sequence[str] | None,
    model: EvaluationModel,
    today: date,
    position: int,
    now: datetime,
    publish: bool,
) -> tuple[int, int]:
    entities = changed = 0
    batch: list[Evaluation] = []

    def flush() -> None:
        nonlocal entities, changed
        with write_transaction(store.engine) as conn:
            n, records = _store(conn, batch, position, now)
        if publish:
            publish_grades(store, records, model.version)
        entities, changed = entities + len(batch), changed + n
        batch.clear()

    seen: set[str] = set()
    for uscc, facts in _scan(store.engine, usccs):
        seen.add(uscc)
        batch.append(score_entity(uscc, facts, model, as_of=today))
        if len(batch) >= CHUNK:
            flush()
    if batch:
        flush()
    dropped = _drop(store, usccs, seen, today, position, now, publish)
    return entities + dropped, changed + dropped


def _drop(
    store: Store,
    usccs: Sequence[str] | None,
    seen: set[str],
    today: date,
    position: int,
    now: datetime,
    publish: bool,
) -> int:
    """Ungrade entities left without records (their last record moved to another entity):
    the current grade goes, history records the end (grade None), the published grade is
    taken down."""
    with store.engine.connect() as conn:
        query = select(entity_grades.c.uscc, entity_grades.c.grade, entity_grades.c.model_version)
        if usccs is not None:
            query = query.where(entity_grades.c.uscc.in_(sorted(set(usccs) - seen)))
        gone = [r for r in conn.execute(query) if r.uscc not in seen]
    if not gone:
        return 0
    with write_transaction(store.engine) as conn:
        codes = [r.uscc for r in gone]
        conn.execute(delete(entity_grades).where(entity_grades.c.uscc.in_(codes)))
        conn.execute(insert(grade_history), [{
            "uscc": r.uscc, "model_version": r.model_version, "score": None, "grade": None,
            "previous_grade": r.grade, "as_of": today, "log_position": position,
            "explanation": "{}", "computed_at": now,
        } for r in gone])  # fmt: skip
    if publish:
        withdraw_grades(store, [r.uscc for r in gone])
    return len(gone)


def _save_state(
    engine: Engine, model: EvaluationModel, cursor: int, today: date, now: datetime
) -> None:
    with write_transaction(engine) as conn:
        conn.execute(delete(evaluation_state).where(evaluation_state.c.name == STATE_NAME))
        conn.execute(
            insert(evaluation_state).values(
                name=STATE_NAME,
                model_version=model.version,
                cursor=cursor,
                as_of=today,
                updated_at=now,
            )
        )


def cursor_of(engine: Engine) -> tuple[int, str | None]:
    """The incremental run's cursor and model version ((0, None) before the first run)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(evaluation_state.c.cursor, evaluation_state.c.model_version).where(
                evaluation_state.c.name == STATE_NAME
            )
        ).first()
    return (0, None) if row is None else (int(row.cursor), row.model_version)


def evaluate_all(
    store: Store,
    *,
    today: date,
    model: EvaluationModel | None = None,
    now: datetime | None = None,
    publish: bool = True,
) -> EvaluationRun:
    """Grade every entity of the store as of ``today``; the cursor moves to the head."""
    model = model or load_model()
    started, when = time.perf_counter(), now or datetime.now(UTC)
    before, _ = cursor_of(store.engine)
    position = store.head()
    entities, changed = _grade(store, None, model, today, position, when, publish)
    _save_state(store.engine, model, position, today, when)
    return EvaluationRun(
        "full",
        model.version,
        today,
        before,
        position,
        entities,
        changed,
        time.perf_counter() - started,
    )


def _movable_datasets() -> list[str]:
    """Datasets whose record key does not contain the USCC: a new version may name another
    entity (a corrected 信用承诺), so the previous version's entity is touched too."""
    out = []
    for entry in load_catalog().values():
        parts = {p for k in entry.natural_key for p in ([k] if isinstance(k, str) else k)}
        if "uscc" not in parts and entry.id not in NOT_EVALUATED:
            out.append(entry.id)
    return out


def touched_entities(engine: Engine, after: int, upto: int) -> set[str]:
    """The USCCs whose records changed in the log between ``after`` (excl.) and ``upto``
    (the record's current entity and, where the key allows it to change, the previous
    version's)."""
    window = (changes.c.seq > after, changes.c.seq <= upto)
    query = (
        select(records.c.uscc)
        .select_from(changes.join(records, records.c.record_id == changes.c.record_id))
        .where(*window, changes.c.dataset.not_in(NOT_EVALUATED), records.c.uscc.is_not(None))
        .distinct()
    )
    before = changes.alias("before")
    previous = (
        select(before.c.payload)
        .select_from(
            changes.join(
                before,
                (before.c.record_id == changes.c.record_id)
                & (before.c.version == changes.c.version - 1)
                & (before.c.op == "upsert"),
            )
        )
        .where(
            *window,
            changes.c.op == "upsert",
            changes.c.version > 1,
            changes.c.dataset.in_(_movable_datasets()),
        )
    )
    with engine.connect() as conn:
        found = {u for u in conn.scalars(query) if gradable(u)}
        for payload in conn.scalars(previous):
            code = (orjson.loads(payload) if payload else {}).get("uscc")
            if isinstance(code, str) and gradable(code):
                found.add(code)
    return found


def due_entities(engine: Engine, today: date) -> set[str]:
    """The graded USCCs whose ``review_on`` has come."""
    query = select(entity_grades.c.uscc).where(entity_grades.c.review_on <= today)
    with engine.connect() as conn:
        return set(conn.scalars(query))


def evaluate_incremental(
    store: Store,
    *,
    today: date,
    model: EvaluationModel | None = None,
    now: datetime | None = None,
    publish: bool = True,
) -> EvaluationRun:
    """Regrade what the change log touched since the cursor, and what is due (module doc)."""
    model = model or load_model()
    cursor, version = cursor_of(store.engine)
    if version != model.version:
        return evaluate_all(store, today=today, model=model, now=now, publish=publish)
    started, when = time.perf_counter(), now or datetime.now(UTC)
    position = store.head()
    todo = touched_entities(store.engine, cursor, position) | due_entities(store.engine, today)
    entities = changed = 0
    ordered = sorted(todo)
    for i in range(0, len(ordered), CHUNK):
        n, c = _grade(store, ordered[i : i + CHUNK], model, today, position, when, publish)
        entities, changed = entities + n, changed + c
    _save_state(store.engine, model, position, today, when)
    return EvaluationRun(
        "incremental",
        model.version,
        today,
        cursor,
        position,
        entities,
        changed,
        time.perf_counter() - started,
    )


def evaluate_entities(
    store: Store,
    usccs: Iterable[str],
    *,
    today: date,
    model: EvaluationModel | None = None,
    publish: bool = True,
) -> int:
    """Regrade the given entities now (the cursor does not move); returns how many."""
    model = model or load_model()
    codes = [u for u in usccs if gradable(u)]
    if not codes:
        return 0
    entities, _ = _grade(store, codes, model, today, store.head(), datetime.now(UTC), publish)
    return entities
