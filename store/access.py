"""Access: API keys and roles, the audit trail of authorised reads, and feed acknowledgements.

* ``api_keys`` — a key is shown once when created and stored only as its SHA-256; its role
  picks the audience view (public → public, agency → agency, platform/department/admin →
  government) and a department key carries the USCC of its 数据来源单位.
* ``audit_log`` — who read which entity or dataset, when, at which change-log position
  (the answer to "which data did this agency see?", yente#1032).
* ``feed_acks`` — how far each platform key says it has applied the change feed, so admins
  see the lag of every partner (and so whether a repair has reached it).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    func,
    select,
    update,
)

from store.changelog import head
from store.errors import InvalidQueryError
from store.tables import changes, metadata
from store.views import Audience

SEQ = BigInteger().with_variant(Integer, "sqlite")

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("department_uscc", String(18)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("key_id", String(32)),
    Column("actor", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(40), nullable=False),  # e.g. entity, records, download, changes
    Column("target", String(200), nullable=False),  # a USCC, a dataset id, "changes"
    Column("log_position", SEQ, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index(None, "key_id", "id"),
)

feed_acks = Table(
    "feed_acks",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("seq", SEQ, nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=False),
)

ACCESS_TABLES = (api_keys, audit_log, feed_acks)


class Role(StrEnum):
    """What a key may do; :attr:`audience` is the view its reads get."""

    PUBLIC = "public"
    AGENCY = "agency"
    PLATFORM = "platform"
    DEPARTMENT = "department"
    ADMIN = "admin"

    @property
    def audience(self) -> Audience:
        if self is Role.PUBLIC:
            return Audience.PUBLIC
        if self is Role.AGENCY:
            return Audience.AGENCY
        return Audience.GOVERNMENT


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key (never its secret)."""

    key_id: str
    name: str
    role: Role
    department_uscc: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    key_id: str | None
    actor: str
    role: str
    action: str
    target: str
    log_position: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class FeedAck:
    """How far a key has applied the feed, and how far behind the head it is."""

    key_id: str
    name: str
    role: str
    seq: int
    acknowledged_at: datetime
    lag: int
    pending_takedowns: int = 0
    """Take-downs (``delete`` events: expiries, repairs, revocations …) written after the
    acknowledged position: records the partner still shows although they are gone."""


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _key(row: object) -> ApiKey:
    m = row._mapping  # type: ignore[attr-defined]
    return ApiKey(
        key_id=m["key_id"],
        name=m["name"],
        role=Role(m["role"]),
        department_uscc=m["department_uscc"],
        created_at=_utc(m["created_at"]),  # type: ignore[arg-type]
        revoked_at=_utc(m["revoked_at"]),
    )


def create_key(
    engine: Engine,
    *,
    role: Role | str,
    name: str,
    department_uscc: str | None = None,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns it and its secret, which is shown once and stored only hashed."""
    role = Role(role)
    if role is Role.DEPARTMENT and not department_uscc:
        raise InvalidQueryError("a department key needs --department USCC")
    if role is not Role.DEPARTMENT and department_uscc:
        raise InvalidQueryError("only department keys carry a department USCC")
    key_id = secrets.token_hex(6)
    secret = f"cg_{role.value[:4]}_{key_id}_{secrets.token_urlsafe(24)}"
    created = _utc(now) or datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                key_id=key_id,
                key_hash=hash_secret(secret),
                name=name,
                role=role.value,
                department_uscc=department_uscc,
                created_at=created,
            )
        )
    return ApiKey(key_id, name, role, department_uscc, created, None), secret


def authenticate(engine: Engine, secret: str) -> ApiKey | None:
    """The active key whose secret this is, or None."""
    query = select(api_keys).where(api_keys.c.key_hash == hash_secret(secret))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    key = _key(row)
    return key if key.active else None


def list_keys(engine: Engine) -> list[ApiKey]:
    with engine.connect() as conn:
        return [_key(r) for r in conn.execute(select(api_keys).order_by(api_keys.c.created_at))]


def revoke_key(engine: Engine, key_id: str, *, now: datetime | None = None) -> bool:
    """Revoke a key; False when no active key has that id."""
    when = _utc(now) or datetime.now(UTC)
    with engine.begin() as conn:
        result = conn.execute(
            update(api_keys)
            .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=when)
        )
    return bool(result.rowcount)


def record_reads(engine: Engine, entries: list[dict[str, object]]) -> None:
    """Append audit entries (dicts with the ``audit_log`` columns except ``id``)."""
    if entries:
        with engine.begin() as conn:
            conn.execute(audit_log.insert(), entries)


def read_audit(
    engine: Engine, *, key_id: str | None = None, after: int = 0, limit: int = 1000
) -> list[AuditEntry]:
    """Audit entries with ``id > after``, oldest first, optionally of one key."""
    if not 1 <= limit <= 10_000:
        raise InvalidQueryError("limit must be between 1 and 10000")
    query = select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id).limit(limit)
    if key_id is not None:
        query = query.where(audit_log.c.key_id == key_id)
    with engine.connect() as conn:
        return [
            AuditEntry(**{**r._mapping, "occurred_at": _utc(r.occurred_at)})
            for r in conn.execute(query)
        ]


def acknowledge(engine: Engine, key_id: str, seq: int, *, now: datetime | None = None) -> int:
    """Record that a key has applied the feed up to ``seq``; never moves backwards.

    Returns the acknowledged position. Raises :class:`InvalidQueryError` for a seq beyond
    the head of the log.
    """
    when = _utc(now) or datetime.now(UTC)
    with engine.begin() as conn:
        latest = int(conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one())
        if seq < 0 or seq > latest:
            raise InvalidQueryError(f"cursor {seq} is outside the log (head is {latest})")
        current = conn.execute(select(feed_acks.c.seq).where(feed_acks.c.key_id == key_id)).first()
        if current is None:
            conn.execute(feed_acks.insert().values(key_id=key_id, seq=seq, acknowledged_at=when))
            return seq
        if seq > current.seq:
            conn.execute(
                update(feed_acks)
                .where(feed_acks.c.key_id == key_id)
                .values(seq=seq, acknowledged_at=when)
            )
            return seq
        return int(current.seq)


def pending_takedowns(engine: Engine, after: int) -> int:
    """How many take-downs (``delete`` events) the log holds after ``after``."""
    query = select(func.count()).where(changes.c.seq > after, changes.c.op == "delete")
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def acknowledgements(engine: Engine) -> list[FeedAck]:
    """Every key's acknowledged position, its lag behind the head of the log (every event
    after it, take-downs included) and how many of those are take-downs."""
    latest = head(engine)
    query = (
        select(
            feed_acks.c.key_id,
            api_keys.c.name,
            api_keys.c.role,
            feed_acks.c.seq,
            feed_acks.c.acknowledged_at,
        )
        .join(api_keys, api_keys.c.key_id == feed_acks.c.key_id)
        .order_by(feed_acks.c.key_id)
    )
    with engine.connect() as conn:
        return [
            FeedAck(
                key_id=r.key_id,
                name=r.name,
                role=r.role,
                seq=int(r.seq),
                acknowledged_at=_utc(r.acknowledged_at),  # type: ignore[arg-type]
                lag=latest - int(r.seq),
                pending_takedowns=pending_takedowns(engine, int(r.seq)),
            )
            for r in conn.execute(query).all()
        ]
