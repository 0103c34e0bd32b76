"""Signed credit reports (信用报告): what one audience may see about an entity, as of a log
position, signed so that another city can trust it offline (异地互认).

:func:`issue_report` builds the report from the same profile the entity page and the REST API
use (:func:`store.entity_profile`), states its scope (public or government version), the as-of
time and change-log position, the evaluation model and grade when one exists, signs it with the
current Ed25519 key (:mod:`store.signing`) and logs the issue — who asked, for whom, why — in
``report_log``. The returned document is ``{"report": {...}, "signature": {...}}``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select

from store.db import write_transaction
from store.exchange import Store
from store.payloads import canonical_json
from store.profiles import entity_profile
from store.signing import current_key, sign_document
from store.tables import report_log
from store.views import Audience

REPORT_VERSION = "1.0"
SCOPES = {
    Audience.PUBLIC: ("public", "公开版：社会公开的信用信息"),
    Audience.AGENCY: ("agency", "授权查询版：社会公开及授权查询的信用信息（个人证件号码脱敏）"),
    Audience.GOVERNMENT: ("government", "政务版：政务共享范围内的全部信用信息"),
}


@dataclass(frozen=True, slots=True)
class IssuedReport:
    """A row of the report log."""

    report_id: str
    uscc: str
    audience: str
    kid: str
    log_position: int
    requested_by: str
    purpose: str | None
    digest: str
    issued_at: datetime


def issue_report(
    store: Store,
    uscc: str,
    audience: Audience,
    *,
    today: date,
    requested_by: str,
    purpose: str | None = None,
    grade: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Build, sign and log the report of ``uscc`` for ``audience``."""
    issued = now or datetime.now(UTC)
    profile = entity_profile(store, uscc, audience, today=today)
    scope, scope_zh = SCOPES[audience]
    key = current_key(store.engine, now=issued)
    body: dict[str, Any] = {
        "type": "creditgate-credit-report",
        "version": REPORT_VERSION,
        "issuer": "武汉市公共信用信息平台 (creditgate)",
        "report_id": "",
        "subject": {"uscc": profile.uscc, "name": profile.name},
        "scope": scope,
        "scope_zh": scope_zh,
        "as_of": today.isoformat(),
        "issued_at": issued.isoformat(),
        "log_position": profile.log_position,
        "evaluation": grade
        or {
            "model_version": None,
            "grade": None,
            "note": "no evaluation model has graded this entity yet",
        },
        "purpose": purpose,
        "counts": {s.key: len(s.records) for s in profile.sections},
        "sections": [
            {"key": s.key, "title_zh": s.title_zh, "title_en": s.title_en, "records": s.records}
            for s in profile.sections
        ],
    }
    body["report_id"] = hashlib.sha256(
        canonical_json({**body, "report_id": None, "kid": key.kid})
    ).hexdigest()[:32]
    document = sign_document(body, key)
    digest = hashlib.sha256(canonical_json(body)).hexdigest()
    with write_transaction(store.engine) as conn:
        conn.execute(
            report_log.insert().values(
                report_id=body["report_id"],
                uscc=uscc,
                audience=scope,
                kid=key.kid,
                log_position=profile.log_position,
                requested_by=requested_by[:200],
                purpose=(purpose or None) and purpose[:500],
                digest=digest,
                issued_at=issued,
            )
        )
    return document


def report_history(
    engine: Engine, *, uscc: str | None = None, limit: int = 100
) -> list[IssuedReport]:
    """Issued reports, newest first (optionally of one entity)."""
    query = select(report_log).order_by(report_log.c.id.desc()).limit(limit)
    if uscc is not None:
        query = query.where(report_log.c.uscc == uscc)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        IssuedReport(
            r["report_id"],
            r["uscc"],
            r["audience"],
            r["kid"],
            r["log_position"],
            r["requested_by"],
            r["purpose"],
            r["digest"],
            r["issued_at"] if r["issued_at"].tzinfo else r["issued_at"].replace(tzinfo=UTC),
        )
        for r in rows
    ]
