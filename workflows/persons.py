"""Persons linked to a listed entity (关联人员): legal representatives and principal persons.

Some measures reach the people behind a listed entity (限制乘坐飞机高铁, 任职资格, 行业禁入 …).
The entry itself names some of them — the legal representative (``legal_rep_id_no``) and a
ban's responsible persons (``responsible_persons``); a department may link others (主要负责人,
实际控制人) by hand. Links are personal data (政务共享): only government callers see them, and
they never appear in a public or agency view, a check answer or a feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from store import Audience, Store
from store.schema import person_links
from workflows.caller import Caller
from workflows.errors import CaseNotFoundError, NotAllowedError
from workflows.listings import deciding_authority, stored_entry
from workflows.steps import Workflow
from workflows.transaction import step_transaction


@dataclass(frozen=True, slots=True)
class PersonLink:
    """One person linked to an entry; ``source`` is ``record`` (named in it) or ``manual``."""

    record_id: str
    person_name: str | None
    id_type: str | None
    id_no: str | None
    role: str
    source: str
    link_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "person_name": self.person_name,
            "id_type": self.id_type,
            "id_no": self.id_no,
            "role": self.role,
            "source": self.source,
            "link_id": self.link_id,
        }


def _government(caller: Caller) -> None:
    if caller.role.audience is not Audience.GOVERNMENT:
        raise NotAllowedError("linked persons are personal data (政务共享): government keys only")


def _active_link(
    conn: Connection, record_id: str, person_name: str, role: str, id_no: str | None
) -> Row[Any, Any] | None:
    """The active manual link of this person in this role to this entry, if any."""
    p = person_links.c
    same_person = (
        p.id_no == id_no if id_no else (p.id_no.is_(None) & (p.person_name == person_name))
    )
    query = select(p.id, p.id_type).where(
        p.record_id == record_id, p.role == role, p.unlinked_at.is_(None), same_person
    )
    return conn.execute(query).first()


def link_person(
    store: Store,
    record_id: str,
    *,
    person_name: str,
    role: str,
    id_type: str | None = None,
    id_no: str | None = None,
    caller: Caller,
    now: datetime | None = None,
) -> PersonLink:
    """Link a person to a list entry or ban (the deciding department or an admin); linking
    the same person in the same role again answers the existing link."""
    stored = stored_entry(store, record_id)
    caller.require_department(deciding_authority(stored), what="linking persons")
    code = id_no.strip().upper() if id_no else None
    with step_transaction(store, caller, now, name="persons.link") as tx:
        same = _active_link(tx.conn, record_id, person_name, role, code)
        if same is not None:  # linking again changes nothing
            return PersonLink(record_id, person_name, same.id_type, code, role, "manual", same.id)
        link_id = tx.conn.execute(
            person_links.insert().values(
                record_id=record_id,
                credit_code=stored.uscc,
                person_name=person_name,
                id_type=id_type,
                id_no=code,
                role=role,
                linked_at=tx.now,
                linked_by=caller.actor,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        tx.point("persons.link:row")
        tx.log(
            record_id=record_id,
            workflow=Workflow.PERSONS,
            step="person-linked",
            note=role,
            details={"link_id": int(link_id), "person_name": person_name, "id_no": code},
        )
    return PersonLink(record_id, person_name, id_type, code, role, "manual", int(link_id))


def unlink_person(
    store: Store, link_id: int, *, caller: Caller, now: datetime | None = None
) -> None:
    """End a manual link (it stays in the table with who ended it and when)."""
    with step_transaction(store, caller, now, name="persons.unlink") as tx:
        row = tx.conn.execute(
            select(person_links).where(person_links.c.id == link_id).with_for_update()
        ).first()
        if row is None or row.unlinked_at is not None:
            raise CaseNotFoundError(f"no active person link {link_id}")
        stored = stored_entry(store, row.record_id)
        caller.require_department(deciding_authority(stored), what="unlinking persons")
        tx.conn.execute(
            update(person_links)
            .where(person_links.c.id == link_id)
            .values(unlinked_at=tx.now, unlinked_by=caller.actor)
        )
        tx.point("persons.unlink:row")
        tx.log(
            record_id=row.record_id,
            workflow=Workflow.PERSONS,
            step="person-unlinked",
            note=row.role,
            details={"link_id": link_id},
        )


def linked_persons(store: Store, record_id: str, *, caller: Caller) -> list[PersonLink]:
    """Everyone linked to an entry: named in the record, then linked by hand (government)."""
    _government(caller)
    stored = stored_entry(store, record_id)
    payload = stored.payload
    found: list[PersonLink] = []
    if payload.get("legal_rep_name") or payload.get("legal_rep_id_no"):
        found.append(
            PersonLink(
                record_id,
                payload.get("legal_rep_name"),
                payload.get("legal_rep_id_type"),
                payload.get("legal_rep_id_no"),
                "法定代表人",
                "record",
            )
        )
    for person in payload.get("responsible_persons") or ():
        found.append(
            PersonLink(
                record_id,
                person.get("name"),
                person.get("id_type"),
                person.get("id_no"),
                person.get("role") or "",
                "record",
            )
        )
    query = (
        select(person_links)
        .where(person_links.c.record_id == record_id, person_links.c.unlinked_at.is_(None))
        .order_by(person_links.c.id)
    )
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            found.append(
                PersonLink(
                    record_id, row.person_name, row.id_type, row.id_no, row.role, "manual", row.id
                )
            )
    return found
