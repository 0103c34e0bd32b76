"""Uploads kept with their receipts (上传文件与回执), so a department can come back to a batch.

When a clerk uploads a spreadsheet through the workspace, the file itself and the receipt
(every issue, by row and field) are kept under the batch id: the receipt page can be shown
again later, and the same spreadsheet can be handed back annotated. Only uploads made through
the workspace are kept (API clients keep their own files); each is bounded by the upload limit.

Batch history is read from the ``batches`` table for every key of the department, so batches
sent through the API appear too (without a stored file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    LargeBinary,
    String,
    Table,
    Text,
    select,
)

from store.access import api_keys
from store.db import write_transaction
from store.tables import batches, metadata

batch_uploads = Table(
    "batch_uploads",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("dataset", String(100), nullable=False),
    Column("department_uscc", String(18)),
    Column("filename", String(300), nullable=False),
    Column("file_format", String(10), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("receipt", Text, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
)

UPLOAD_TABLES = (batch_uploads,)


@dataclass(frozen=True, slots=True)
class Upload:
    """A kept upload: the file as sent and its receipt (``Receipt.to_dict()`` plus counts)."""

    batch_id: str
    dataset: str
    department_uscc: str | None
    filename: str
    file_format: str
    body: bytes
    receipt: dict[str, Any]
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """One row of a batch history."""

    batch_id: str
    dataset: str
    actor: str
    source: str
    status: str
    submitted_at: datetime
    rows: int
    accepted: int
    unchanged: int
    rejected: int
    kept: bool


def keep_upload(
    engine: Engine,
    *,
    batch_id: str,
    dataset: str,
    department_uscc: str | None,
    filename: str,
    file_format: str,
    body: bytes,
    receipt: dict[str, Any],
) -> None:
    """Keep an upload and its receipt; keeping the same batch twice changes nothing."""
    with write_transaction(engine) as conn:
        exists = conn.execute(
            select(batch_uploads.c.batch_id).where(batch_uploads.c.batch_id == batch_id)
        ).first()
        if exists:
            return
        conn.execute(
            batch_uploads.insert().values(
                batch_id=batch_id,
                dataset=dataset,
                department_uscc=department_uscc,
                filename=filename[:300],
                file_format=file_format,
                body=body,
                receipt=orjson.dumps(receipt).decode(),
                uploaded_at=datetime.now(UTC),
            )
        )


def get_upload(engine: Engine, batch_id: str) -> Upload | None:
    """The kept upload of a batch, or None (not uploaded through the workspace)."""
    with engine.connect() as conn:
        row = (
            conn.execute(select(batch_uploads).where(batch_uploads.c.batch_id == batch_id))
            .mappings()
            .first()
        )
    if row is None:
        return None
    stamp = row["uploaded_at"]
    return Upload(
        batch_id=row["batch_id"],
        dataset=row["dataset"],
        department_uscc=row["department_uscc"],
        filename=row["filename"],
        file_format=row["file_format"],
        body=bytes(row["body"]),
        receipt=orjson.loads(row["receipt"]),
        uploaded_at=stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC),
    )


def department_actors(engine: Engine, department_uscc: str) -> list[str]:
    """How the change log names every key (active or not) of a department."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(api_keys.c.key_id, api_keys.c.name).where(
                api_keys.c.department_uscc == department_uscc
            )
        ).all()
    return [f"key:{key_id}:{name}" for key_id, name in rows]


def batch_history(
    engine: Engine, *, actors: list[str] | None, limit: int = 50
) -> list[BatchSummary]:
    """The newest batches of the given actors (all batches when ``actors`` is None)."""
    query = select(batches).order_by(batches.c.submitted_at.desc()).limit(limit)
    if actors is not None:
        if not actors:
            return []
        query = query.where(batches.c.actor.in_(actors))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        ids = [r["batch_id"] for r in rows]
        kept = (
            set(
                conn.scalars(
                    select(batch_uploads.c.batch_id).where(batch_uploads.c.batch_id.in_(ids))
                )
            )
            if ids
            else set()
        )
    return [
        BatchSummary(
            batch_id=r["batch_id"],
            dataset=r["dataset"],
            actor=r["actor"],
            source=r["source"],
            status=r["status"],
            submitted_at=r["submitted_at"],
            rows=r["rows_seen"] or 0,
            accepted=r["accepted"] or 0,
            unchanged=r["unchanged"] or 0,
            rejected=r["rejected"] or 0,
            kept=r["batch_id"] in kept,
        )
        for r in rows
    ]
