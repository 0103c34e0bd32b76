"""政务失信: public bodies' dishonesty, recorded and reported (通报) with delivery tracked.

A government body, public institution or state-owned enterprise that breaks the law or its
commitments (defaults on a court judgment or a contract, breaks a 承诺) — or one of its staff
— is recorded in ``public_dishonesty``. Recording creates the 通报 in
``public_dishonesty_notices``, one per recipient of ``store/evaluation/public-bodies.yaml``: a
body's to its superior unit and the audit department, a staff member's to their unit and the
discipline and personnel departments. Each notice moves ``pending → sent → acknowledged``
(who and when kept); moving backwards is refused, repeating a step does nothing.

These tables are separate from ``records`` on purpose: the evaluation model reads only
``records``, so 政务失信 never enters a market entity's grade (a state-owned enterprise keeps
the grade of its market conduct). Recording is idempotent on (subject, kind, basis document).

Errors: :class:`PublicDishonestyError` (a ``ValueError``) for a subject that is not a public
body, a missing unit, an unknown notice, a step backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from schemas import is_valid_uscc
from store.db import write_transaction
from store.evaluation.bodies import SOE, PublicBodies, load_public_bodies
from store.events import utc
from store.tables_evaluation import (
    PUBLIC_DISHONESTY_TABLES,
    public_dishonesty,
    public_dishonesty_notices,
)

KINDS = {
    "judgment-default": "拒不履行司法裁判",
    "contract-default": "政府合同违约（拖欠账款等）",
    "commitment-breach": "违背政务承诺",
    "law-breach": "违法违规失信",
}
"""What a public body did (失信情形)."""
STATES = ("pending", "sent", "acknowledged")
__all__ = [
    "KINDS",
    "PUBLIC_DISHONESTY_TABLES",
    "STATES",
    "PublicDishonestyError",
    "Recorded",
    "advance_notice",
    "list_public_dishonesty",
    "notice",
    "public_dishonesty",
    "public_dishonesty_notices",
    "record_public_dishonesty",
]


class PublicDishonestyError(ValueError):
    """A 政务失信 request that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What :func:`record_public_dishonesty` did: the record id and whether it was new."""

    id: int
    new: bool


def record_public_dishonesty(
    engine: Engine,
    *,
    body_uscc: str,
    body_name: str,
    kind: str,
    facts: str,
    basis_doc_no: str,
    decided_by: str,
    occurred_on: date,
    recorded_by: str,
    superior_unit: str | None = None,
    staff_name: str | None = None,
    staff_position: str | None = None,
    declared_soe: bool = False,
    now: datetime | None = None,
) -> Recorded:
    """Record a body's (or, with ``staff_name``, a staff member's) dishonesty and create its
    notices (idempotent; see the module doc for the rules)."""
    bodies = load_public_bodies()
    code, body_type = _public_body(bodies, body_uscc, kind, declared_soe)
    subject = "staff" if staff_name else "body"
    if subject == "body" and not superior_unit:
        raise PublicDishonestyError("a body's 通报 goes to its superior unit: name it")
    row = {
        "subject": subject, "body_uscc": code, "body_name": body_name, "body_type": body_type,
        "staff_name": staff_name, "staff_position": staff_position, "kind": kind,
        "facts": facts, "basis_doc_no": basis_doc_no, "decided_by": decided_by,
        "occurred_on": occurred_on, "superior_unit": superior_unit,
        "recorded_by": recorded_by, "recorded_at": now or datetime.now(UTC),
    }  # fmt: skip
    col = public_dishonesty.c
    key = (col.body_uscc == code) & (col.subject == subject) & (col.kind == kind)
    key &= col.basis_doc_no == basis_doc_no
    key &= col.staff_name == staff_name if staff_name else col.staff_name.is_(None)
    with write_transaction(engine) as conn:
        found = conn.scalar(select(col.id).where(key))
        if found is not None:
            return Recorded(int(found), False)
        pk = conn.execute(insert(public_dishonesty).values(**row)).inserted_primary_key
        assert pk is not None
        new_id = int(pk[0])
        recipients = bodies.staff_recipients if subject == "staff" else bodies.body_recipients
        notices = [
            {
                "dishonesty_id": new_id,
                "recipient_role": r.role,
                "recipient_name": (
                    r.name or (body_name if r.role == "staff-unit" else superior_unit) or r.zh
                ),
                "state": "pending",
            }
            for r in recipients
        ]
        conn.execute(insert(public_dishonesty_notices), notices)
    return Recorded(new_id, True)


def _public_body(
    bodies: PublicBodies, body_uscc: str, kind: str, declared_soe: bool
) -> tuple[str, str]:
    """The body's code and which kind of public body it is; :class:`PublicDishonestyError`
    when the code is not valid, the kind unknown, or the subject no public body."""
    code = body_uscc.strip().upper()
    if not is_valid_uscc(code):
        raise PublicDishonestyError(f"{body_uscc!r} is not a valid USCC")
    if kind not in KINDS:
        raise PublicDishonestyError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    body_type = bodies.body_type(code)
    if body_type is None and declared_soe and code[:2] == "91":
        body_type = SOE
    if body_type is None:
        raise PublicDishonestyError(
            f"{code} is not a public body (机关/事业单位 by its registration code, or a "
            "state-owned enterprise): 政务失信 applies to public bodies only"
        )
    return code, body_type


def advance_notice(
    engine: Engine,
    notice_id: int,
    state: str,
    *,
    actor: str,
    note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Mark a notice ``sent`` or ``acknowledged`` (forward only; repeating does nothing)."""
    if state not in STATES[1:]:
        raise PublicDishonestyError(f"a notice moves to sent or acknowledged, not {state!r}")
    when = now or datetime.now(UTC)
    table = public_dishonesty_notices
    with write_transaction(engine) as conn:
        row = conn.execute(select(table).where(table.c.id == notice_id)).first()
        if row is None:
            raise PublicDishonestyError(f"no notice {notice_id}")
        have, want = STATES.index(row.state), STATES.index(state)
        if want < have:
            raise PublicDishonestyError(f"notice {notice_id} is already {row.state}")
        if want > have:
            values: dict[str, Any] = {"state": state, "note": note or row.note}
            if row.sent_at is None:
                values.update(sent_at=when, sent_by=actor)
            if state == "acknowledged":
                values.update(acknowledged_at=when, acknowledged_by=actor)
            conn.execute(update(table).where(table.c.id == notice_id).values(**values))
    return notice(engine, notice_id)


def _iso(value: Any) -> str | None:
    found = utc(value)
    return found.isoformat() if found else None


def _notice(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "dishonesty_id": row.dishonesty_id, "recipient_role": row.recipient_role,
        "recipient_name": row.recipient_name, "state": row.state,
        "sent_at": _iso(row.sent_at), "sent_by": row.sent_by,
        "acknowledged_at": _iso(row.acknowledged_at), "acknowledged_by": row.acknowledged_by,
        "note": row.note,
    }  # fmt: skip


def notice(engine: Engine, notice_id: int) -> dict[str, Any]:
    """One notice (raises :class:`PublicDishonestyError` when unknown)."""
    table = public_dishonesty_notices
    with engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == notice_id)).first()
    if row is None:
        raise PublicDishonestyError(f"no notice {notice_id}")
    return _notice(row)


def list_public_dishonesty(
    engine: Engine, *, body_uscc: str | None = None, state: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Records with their notices, newest first; ``state``: only records with a notice in it."""
    t, n = public_dishonesty, public_dishonesty_notices
    query = select(t).order_by(t.c.id.desc()).limit(max(1, min(limit, 1000)))
    if body_uscc:
        query = query.where(t.c.body_uscc == body_uscc.strip().upper())
    if state:
        query = query.where(t.c.id.in_(select(n.c.dishonesty_id).where(n.c.state == state)))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        ids = [r.id for r in rows]
        notices = conn.execute(select(n).where(n.c.dishonesty_id.in_(ids)).order_by(n.c.id)).all()
    by_record: dict[int, list[dict[str, Any]]] = {}
    for row in notices:
        by_record.setdefault(row.dishonesty_id, []).append(_notice(row))
    return [
        {
            "id": r.id,
            "subject": r.subject,
            "body_uscc": r.body_uscc,
            "body_name": r.body_name,
            "body_type": r.body_type,
            "staff_name": r.staff_name,
            "staff_position": r.staff_position,
            "kind": r.kind,
            "kind_zh": KINDS[r.kind],
            "facts": r.facts,
            "basis_doc_no": r.basis_doc_no,
            "decided_by": r.decided_by,
            "occurred_on": r.occurred_on.isoformat() if r.occurred_on else None,
            "superior_unit": r.superior_unit,
            "recorded_by": r.recorded_by,
            "recorded_at": _iso(r.recorded_at),
            "notices": by_record.get(r.id, []),
        }
        for r in rows
    ]
