"""Reading the grades: one entity's evaluation, its history as of a day or a log position,
the grade alone (the sampler's :func:`grade_of`), counts per grade."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from store.evaluation.model import load_model
from store.evaluation.tables import entity_grades, grade_history
from store.events import utc
from store.exchange import Store


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _row_dict(row: Any, labels: dict[str, str], explain: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "uscc": row.uscc,
        "model_version": row.model_version,
        "grade": row.grade,
        "grade_label": labels.get(row.grade, row.grade),
        "as_of": _date(row.as_of).isoformat(),  # type: ignore[union-attr]
        "log_position": int(row.log_position),
    }
    if explain:
        out["score"] = row.score
        out["explanation"] = orjson.loads(row.explanation)
    return out


def current_evaluation(engine: Engine, uscc: str, *, explain: bool = True) -> dict[str, Any] | None:
    """The stored evaluation of ``uscc`` (None when it has none)."""
    with engine.connect() as conn:
        row = conn.execute(select(entity_grades).where(entity_grades.c.uscc == uscc)).first()
    if row is None:
        return None
    out = _row_dict(row, load_model().labels, explain)
    if explain:
        out["dishonest"] = bool(row.dishonest)
        out["review_on"] = row.review_on.isoformat() if _date(row.review_on) else None
        out["computed_at"] = utc(row.computed_at).isoformat()  # type: ignore[union-attr]
    return out


def grade_of(store: Store, uscc: str) -> str | None:
    """The entity's current grade (A/B/C/D), or None when it has none — the sampler's hook."""
    with store.engine.connect() as conn:
        found = conn.scalar(select(entity_grades.c.grade).where(entity_grades.c.uscc == uscc))
    return None if found is None else str(found)


def grade_history_of(
    engine: Engine,
    uscc: str,
    *,
    as_of: date | None = None,
    log_position: int | None = None,
    explain: bool = True,
) -> list[dict[str, Any]]:
    """The entity's grade changes, oldest first; with ``as_of``/``log_position``: only the
    row in force then (the latest at or before it), or nothing."""
    query = select(grade_history).where(grade_history.c.uscc == uscc)
    if as_of is not None:
        query = query.where(grade_history.c.as_of <= as_of)
    if log_position is not None:
        query = query.where(grade_history.c.log_position <= log_position)
    query = query.order_by(grade_history.c.id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    if as_of is not None or log_position is not None:
        rows = rows[-1:]
    labels = load_model().labels
    out = []
    for row in rows:
        item = _row_dict(row, labels, explain)
        item["previous_grade"] = row.previous_grade
        item["computed_at"] = utc(row.computed_at).isoformat()  # type: ignore[union-attr]
        out.append(item)
    return out


def grade_counts(engine: Engine) -> dict[str, int]:
    """How many entities have each grade."""
    query = select(entity_grades.c.grade, func.count()).group_by(entity_grades.c.grade)
    with engine.connect() as conn:
        return {g: int(n) for g, n in conn.execute(query)}


def standing(engine: Engine, uscc: str) -> tuple[str, bool] | None:
    """(grade, dishonest) of ``uscc`` for the incentive check, or None when ungraded."""
    query = select(entity_grades.c.grade, entity_grades.c.dishonest).where(
        entity_grades.c.uscc == uscc
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else (str(row.grade), bool(row.dishonest))


def graded_source(store: Store, uscc: str, *, default: str = "B") -> tuple[str, str]:
    """``(grade, "public-credit-evaluation")``, or ``(default, "default")`` for an ungraded
    entity: the shape of the inspection sampler's pluggable ``GradeOf``
    (``workflows.inspection_population``), to draw by the comprehensive evaluation."""
    found = grade_of(store, uscc)
    return (found, "public-credit-evaluation") if found else (default, "default")
