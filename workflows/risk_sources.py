"""What the risk rules read (预警数据来源): an entity's records, the persons behind list
entries, the entities where a person is legal representative, and grade history.

Persons are matched by ID number (``legal_rep_id_no`` on records, ``id_no`` on person links).
The persons behind list entries in force are indexed once per run (:func:`listed_persons`: the
lists are small). The other way round has no index: :func:`entities_with_rep` scans the
payloads of active records for the canonical ``"legal_rep_id_no":"<id>"`` text (payloads are
canonical JSON: :mod:`store.payloads`), once per person of a listed entity touched by an
incremental run.

:func:`grade_history` is the seam to the comprehensive evaluation (:mod:`store.evaluation`):
it reads the evaluation's ``credit_grade_history`` (``uscc``, ``grade``, ``as_of``). For an
entity the evaluation has not graded (or a store made before that table) it reads the grades
the departments publish as ``credit-evaluation`` records instead (every version of the
entity's active evaluations: 评价等级 as of 评价日期, per 评价体系), and returns ``[]`` when
there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import orjson
from sqlalchemy import inspect, select, text

from store import Store, StoredRecord
from store.schema import person_links, records

GRADE_HISTORY_TABLE = "credit_grade_history"
EVALUATIONS = "credit-evaluation"
LISTED_STATUS = "有效"


@dataclass(frozen=True, slots=True)
class GradePoint:
    """An entity's grade as of a day (of an evaluation scheme, from a record when known)."""

    as_of: date
    grade: str
    scheme: str | None = None
    record_id: str | None = None


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """A person behind a list entry: named on it, or linked to it by hand."""

    id_no: str
    name: str | None
    role: str
    entry: StoredRecord


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def evaluation_history(store: Store, uscc: str) -> list[GradePoint]:
    """Every grade of the entity's active ``credit-evaluation`` records, each version."""
    points: set[GradePoint] = set()
    for record in store.by_uscc(uscc, state="active"):
        if record.dataset != EVALUATIONS:
            continue
        for event in store.history(record.record_id):
            payload = event.payload or {}
            day = _day(payload.get("evaluation_date"))
            if event.op.value == "upsert" and day is not None and payload.get("grade"):
                scheme = payload.get("evaluation_scheme")
                points.add(
                    GradePoint(day, str(payload["grade"]), scheme and str(scheme), record.record_id)
                )
    return sorted(points, key=lambda p: (p.as_of, p.record_id or "", p.grade))


def grade_history(store: Store, uscc: str) -> list[GradePoint]:
    """The entity's grades, oldest first (module doc: the evaluation's table, else the
    published ``credit-evaluation`` records)."""
    if not inspect(store.engine).has_table(GRADE_HISTORY_TABLE):
        return evaluation_history(store, uscc)
    query = text(
        f"SELECT grade, as_of FROM {GRADE_HISTORY_TABLE} WHERE uscc = :uscc ORDER BY as_of"
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query, {"uscc": uscc}).all()
    if not rows:  # not graded by the evaluation (yet): the published evaluations
        return evaluation_history(store, uscc)
    points = []
    for grade, as_of in rows:
        if grade is None:  # ungraded (no record left): no point
            continue
        day = as_of.date() if isinstance(as_of, datetime) else as_of
        points.append(GradePoint(date.fromisoformat(str(day)), str(grade)))
    return points


def entity_records(store: Store, uscc: str) -> list[StoredRecord]:
    """The entity's active records, every dataset."""
    return store.by_uscc(uscc, state="active")


def listed(entry: StoredRecord, today: date) -> bool:
    """Whether a list entry is in force on ``today`` (active, 有效, not past 有效期至)."""
    payload = entry.payload
    if not entry.active or payload.get("status", LISTED_STATUS) != LISTED_STATUS:
        return False
    valid_to = payload.get("valid_to")
    return not valid_to or str(valid_to) >= today.isoformat()


def persons_of_entries(
    store: Store, entries: Sequence[StoredRecord], roles: Sequence[str]
) -> list[ListedPerson]:
    """The persons behind list entries: the legal representative named on each, responsible
    persons with a role in ``roles``, and active person links with such a role."""
    found: list[ListedPerson] = []
    by_id = {e.record_id: e for e in entries}
    for entry in entries:
        payload = entry.payload
        if payload.get("legal_rep_id_no"):
            found.append(
                ListedPerson(
                    str(payload["legal_rep_id_no"]).upper(),
                    payload.get("legal_rep_name"),
                    "法定代表人",
                    entry,
                )
            )
        for person in payload.get("responsible_persons") or ():
            if person.get("id_no") and person.get("role") in roles:
                found.append(
                    ListedPerson(
                        str(person["id_no"]).upper(), person.get("name"), person["role"], entry
                    )
                )
    if by_id:
        query = select(person_links).where(
            person_links.c.record_id.in_(sorted(by_id)),
            person_links.c.unlinked_at.is_(None),
            person_links.c.id_no.is_not(None),
        )
        with store.engine.connect() as conn:
            for row in conn.execute(query):
                if row.role in roles:
                    found.append(
                        ListedPerson(row.id_no, row.person_name, row.role, by_id[row.record_id])
                    )
    return found


def _rep_clause(id_no: str) -> object:
    needle = '"legal_rep_id_no":' + orjson.dumps(id_no).decode()
    return records.c.payload.contains(needle, autoescape=True)


def records_with_rep(store: Store, id_no: str) -> list[StoredRecord]:
    """Active records naming ``id_no`` as legal representative (of any entity)."""
    query = select(records).where(records.c.state == "active", _rep_clause(id_no))  # type: ignore[arg-type]
    with store.engine.connect() as conn:
        return [StoredRecord.from_row(row) for row in conn.execute(query).mappings()]


def _entries_in_force(store: Store, lists: Sequence[str], today: date) -> list[StoredRecord]:
    found: list[StoredRecord] = []
    for dataset in lists:
        after: str | None = None
        while True:
            page = store.records(dataset, after_record_id=after, limit=1000)
            found.extend(e for e in page if listed(e, today))
            if len(page) < 1000:
                break
            after = page[-1].record_id
    return found


def listed_persons(
    store: Store, lists: Sequence[str], roles: Sequence[str], today: date
) -> dict[str, list[ListedPerson]]:
    """Every person behind a list entry in force, by ID number (one pass over the lists,
    which are small beside the rest of the store; built once per evaluator run)."""
    index: dict[str, list[ListedPerson]] = {}
    for person in persons_of_entries(store, _entries_in_force(store, lists, today), roles):
        index.setdefault(person.id_no, []).append(person)
    return index


def entities_with_rep(store: Store, id_no: str) -> set[str]:
    """USCCs of the entities whose active records name ``id_no`` as legal representative."""
    return {r.uscc for r in records_with_rep(store, id_no) if r.uscc}


def mask_id(id_no: str) -> str:
    """An ID number with its middle hidden (alerts carry no full personal ID)."""
    if len(id_no) <= 10:
        return id_no[:2] + "*" * max(len(id_no) - 2, 0)
    return id_no[:6] + "*" * (len(id_no) - 10) + id_no[-4:]
