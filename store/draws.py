"""Seed commitments and published draws of random inspections (双随机、一公开).

Commit–reveal makes the order provable: a department first publishes the SHA-256 of a secret
seed (``inspection_commitments``: the hash, optionally the plan and population hashes it binds,
who, and ``published_at``), then draws and publishes the draw with the seed revealed
(``inspection_draws``: the draw document and the population snapshot as canonical JSON, their
hashes, the seed, ``drawn_at``). :func:`record_draw` refuses a draw whose seed has no
commitment, whose commitment is not strictly older than the draw, belongs to another
department, binds other plan/population hashes, or was already used by another draw; recording
the same draw again returns the stored one (idempotent). The store does not rerun the draw —
that is :mod:`workflows.inspection_draws`; it keeps what was published, timestamps included.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    select,
)

from store.db import write_transaction
from store.errors import StoreError
from store.events import utc
from store.tables import metadata

_HEX64 = re.compile(r"^[0-9a-f]{64}$")

inspection_commitments = Table(
    "inspection_commitments",
    metadata,
    Column("commitment_id", String(40), primary_key=True),
    Column("seed_hash", String(64), nullable=False, unique=True),
    Column("department_uscc", String(18), nullable=False),
    Column("plan_id", String(64)),
    Column("plan_hash", String(64)),
    Column("population_hash", String(64)),
    Column("actor", String(200), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
)

inspection_draws = Table(
    "inspection_draws",
    metadata,
    Column("draw_id", String(40), primary_key=True),
    Column(
        "commitment_id",
        String(40),
        ForeignKey("inspection_commitments.commitment_id"),
        nullable=False,
        unique=True,
    ),
    Column("plan_id", String(64), nullable=False),
    Column("department_uscc", String(18), nullable=False, index=True),
    Column("draw_date", Date, nullable=False),
    Column("plan_hash", String(64), nullable=False),
    Column("population_hash", String(64), nullable=False),
    Column("seed_hash", String(64), nullable=False),
    Column("seed", Text, nullable=False),
    Column("targets", Integer, nullable=False),
    Column("public_grades", Boolean, nullable=False),
    Column("document", Text, nullable=False),
    Column("population", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("drawn_at", DateTime(timezone=True), nullable=False),
)

DRAW_TABLES = (inspection_commitments, inspection_draws)


class DrawRefusedError(StoreError):
    """A commitment or draw that breaks commit–reveal (no commitment, not older than the draw,
    another department's, other hashes bound, already used); HTTP 409."""


@dataclass(frozen=True, slots=True)
class Commitment:
    """A published seed commitment."""

    commitment_id: str
    seed_hash: str
    department_uscc: str
    plan_id: str | None
    plan_hash: str | None
    population_hash: str | None
    actor: str
    published_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "commitment_id": self.commitment_id,
            "seed_hash": self.seed_hash,
            "department_uscc": self.department_uscc,
            "plan_id": self.plan_id,
            "plan_hash": self.plan_hash,
            "population_hash": self.population_hash,
            "actor": self.actor,
            "published_at": self.published_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PublishedDraw:
    """A published draw: ``document`` and ``population`` are the canonical bytes."""

    draw_id: str
    commitment: Commitment
    plan_id: str
    department_uscc: str
    draw_date: date
    plan_hash: str
    population_hash: str
    seed: str
    targets: int
    public_grades: bool
    document: bytes
    population: bytes
    actor: str
    drawn_at: datetime

    def summary(self) -> dict[str, Any]:
        """What the public listing shows (no targets' grades)."""
        return {
            "draw_id": self.draw_id,
            "plan_id": self.plan_id,
            "department_uscc": self.department_uscc,
            "draw_date": self.draw_date.isoformat(),
            "plan_hash": self.plan_hash,
            "population_hash": self.population_hash,
            "seed_hash": self.commitment.seed_hash,
            "seed": self.seed,
            "committed_at": self.commitment.published_at.isoformat(),
            "drawn_at": self.drawn_at.isoformat(),
            "targets": self.targets,
            "public_grades": self.public_grades,
        }


def _at(value: Any) -> datetime:
    stamp = utc(value)
    assert stamp is not None  # the columns are NOT NULL
    return stamp


def _commitment(row: Any) -> Commitment:
    return Commitment(
        row.commitment_id,
        row.seed_hash,
        row.department_uscc,
        row.plan_id,
        row.plan_hash,
        row.population_hash,
        row.actor,
        _at(row.published_at),
    )


def commit_seed(
    engine: Engine,
    seed_hash: str,
    *,
    department_uscc: str,
    actor: str,
    plan_id: str | None = None,
    plan_hash: str | None = None,
    population_hash: str | None = None,
    now: datetime | None = None,
) -> Commitment:
    """Publish a seed commitment; the same ``seed_hash`` again returns the first one."""
    seed_hash = seed_hash.strip().lower()
    for name, value in (
        ("seed_hash", seed_hash),
        ("plan_hash", plan_hash),
        ("population_hash", population_hash),
    ):
        if value is not None and not _HEX64.match(value):
            raise DrawRefusedError(f"{name} must be 64 lowercase hex digits (SHA-256)")
    c = inspection_commitments
    with write_transaction(engine) as conn:
        held = conn.execute(select(c).where(c.c.seed_hash == seed_hash)).first()
        if held is not None:
            if held.department_uscc != department_uscc:
                raise DrawRefusedError("this seed hash is another department's commitment")
            return _commitment(held)
        values = {
            "commitment_id": f"commit-{secrets.token_hex(8)}",
            "seed_hash": seed_hash,
            "department_uscc": department_uscc,
            "plan_id": plan_id,
            "plan_hash": plan_hash,
            "population_hash": population_hash,
            "actor": actor[:200],
            "published_at": now or datetime.now(UTC),
        }
        conn.execute(c.insert().values(**values))
    return get_commitment(engine, seed_hash=seed_hash)


def get_commitment(engine: Engine, *, seed_hash: str) -> Commitment:
    """The commitment of a seed hash; :class:`DrawRefusedError` when there is none."""
    c = inspection_commitments
    with engine.connect() as conn:
        row = conn.execute(select(c).where(c.c.seed_hash == seed_hash)).first()
    if row is None:
        raise DrawRefusedError("no commitment was published for this seed: commit its hash first")
    return _commitment(row)


def list_commitments(engine: Engine, *, limit: int = 100) -> list[Commitment]:
    """Commitments, newest first."""
    c = inspection_commitments
    query = select(c).order_by(c.c.published_at.desc(), c.c.commitment_id).limit(limit)
    with engine.connect() as conn:
        return [_commitment(row) for row in conn.execute(query)]


def _check(commitment: Commitment, doc: dict[str, Any], at: datetime) -> None:
    if commitment.published_at >= at:
        raise DrawRefusedError("the commitment is not older than the draw (commit before drawing)")
    if commitment.department_uscc != doc["department_uscc"]:
        raise DrawRefusedError("the commitment belongs to another department")
    for name in ("plan_hash", "population_hash"):
        bound = getattr(commitment, name)
        if bound is not None and bound != doc[name]:
            raise DrawRefusedError(f"the commitment binds another {name.replace('_', ' ')}")


def record_draw(
    engine: Engine,
    document: bytes,
    population: bytes,
    *,
    actor: str,
    now: datetime | None = None,
) -> PublishedDraw:
    """Publish a draw (canonical bytes of the draw document and of its population snapshot)."""
    at = now or datetime.now(UTC)
    doc = orjson.loads(document)
    seed = str(doc["seed"])
    seed_hash = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    if seed_hash != doc["seed_commitment"]:
        raise DrawRefusedError("the draw's seed does not match its seed commitment")
    if hashlib.sha256(population).hexdigest() != doc["population_hash"]:
        raise DrawRefusedError("the population snapshot does not match the draw's population hash")
    draw_id = "draw-" + hashlib.sha256(document).hexdigest()[:24]
    commitment = get_commitment(engine, seed_hash=seed_hash)
    d = inspection_draws
    with write_transaction(engine) as conn:
        used = conn.execute(
            select(d.c.draw_id).where(d.c.commitment_id == commitment.commitment_id)
        ).scalar()
        if used == draw_id:
            return get_draw(engine, draw_id, conn=conn)
        if used is not None:
            raise DrawRefusedError(f"this commitment was already used by {used}")
        _check(commitment, doc, at)
        conn.execute(
            d.insert().values(
                draw_id=draw_id,
                commitment_id=commitment.commitment_id,
                plan_id=doc["plan_id"],
                department_uscc=doc["department_uscc"],
                draw_date=date.fromisoformat(doc["draw_date"]),
                plan_hash=doc["plan_hash"],
                population_hash=doc["population_hash"],
                seed_hash=seed_hash,
                seed=seed,
                targets=len(doc["targets"]),
                public_grades=bool(doc["plan"].get("public_grades")),
                document=document.decode("utf-8"),
                population=population.decode("utf-8"),
                actor=actor[:200],
                drawn_at=at,
            )
        )
    return get_draw(engine, draw_id)


def _draw(row: Any, commitment: Commitment) -> PublishedDraw:
    return PublishedDraw(
        row.draw_id,
        commitment,
        row.plan_id,
        row.department_uscc,
        row.draw_date if isinstance(row.draw_date, date) else date.fromisoformat(row.draw_date),
        row.plan_hash,
        row.population_hash,
        row.seed,
        row.targets,
        bool(row.public_grades),
        row.document.encode("utf-8"),
        row.population.encode("utf-8"),
        row.actor,
        _at(row.drawn_at),
    )


def get_draw(engine: Engine, draw_id: str, *, conn: Any = None) -> PublishedDraw:
    """One published draw; :class:`store.UnknownRecordError` when there is none."""
    from store.errors import UnknownRecordError

    d, c = inspection_draws, inspection_commitments
    query = (
        select(d, *[col.label(f"c_{col.name}") for col in c.columns])
        .join(c, c.c.commitment_id == d.c.commitment_id)
        .where(d.c.draw_id == draw_id)
    )
    if conn is None:
        with engine.connect() as own:
            row = own.execute(query).first()
    else:
        row = conn.execute(query).first()
    if row is None:
        raise UnknownRecordError(f"no draw {draw_id!r}")
    return _draw(row, _commitment_of(row))


def _commitment_of(row: Any) -> Commitment:
    m = row._mapping
    return Commitment(
        m["c_commitment_id"],
        m["c_seed_hash"],
        m["c_department_uscc"],
        m["c_plan_id"],
        m["c_plan_hash"],
        m["c_population_hash"],
        m["c_actor"],
        _at(m["c_published_at"]),
    )


def list_draws(
    engine: Engine, *, department_uscc: str | None = None, limit: int = 100
) -> list[PublishedDraw]:
    """Published draws, newest first."""
    d, c = inspection_draws, inspection_commitments
    query = (
        select(d, *[col.label(f"c_{col.name}") for col in c.columns])
        .join(c, c.c.commitment_id == d.c.commitment_id)
        .order_by(d.c.drawn_at.desc(), d.c.draw_id)
        .limit(limit)
    )
    if department_uscc is not None:
        query = query.where(d.c.department_uscc == department_uscc)
    with engine.connect() as conn:
        return [_draw(row, _commitment_of(row)) for row in conn.execute(query)]
