"""Report signing keys (报告签名密钥): Ed25519, rotated without invalidating what they signed.

A credit report that another city should trust (异地互认) carries an Ed25519 signature over its
canonical JSON. The keys live in the store (``report_keys``), so every gateway process signs
with the same key and publishes the same key set:

* exactly one key is *current* (it signs); :func:`rotate_key` makes a new current key and
  retires the old one — a retired key signs nothing more but stays published, with the period in
  which it signed, so every report it signed still verifies;
* :func:`published_keys` is the public key set served at ``/.well-known/creditgate-keys.json``
  (key id, algorithm, public key, ``valid_from``, ``valid_to``);
* :func:`verify_document` checks a signed document against such a key set, offline.

The private key is a 32-byte seed in the store; a deployment that must keep it elsewhere (an
HSM) replaces :func:`current_key`. Signatures are over :func:`store.canonical_json` of the
``report`` member (keys sorted at every depth, no whitespace), so re-serialising a report with
another JSON library does not break it — changing any value does.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import Engine, select, update

from store.db import write_transaction
from store.payloads import canonical_json
from store.tables import report_keys

ALGORITHM = "Ed25519"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ReportKey:
    """A signing key: its id, public key (base64url) and validity; ``seed`` only when current."""

    kid: str
    public_key: str
    valid_from: datetime
    valid_to: datetime | None
    seed: bytes | None = None

    def published(self) -> dict[str, Any]:
        """The key as the key set publishes it (never the seed)."""
        return {
            "kid": self.kid,
            "alg": ALGORITHM,
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.public_key,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


def _new_key(conn: Any, now: datetime) -> ReportKey:
    seed = secrets.token_bytes(32)
    public = _b64(bytes(SigningKey(seed).verify_key))
    kid = f"cg-{now:%Y%m%d}-{secrets.token_hex(4)}"
    conn.execute(
        report_keys.insert().values(
            kid=kid, seed=seed, public_key=public, valid_from=now, valid_to=None
        )
    )
    return ReportKey(kid, public, now, None, seed)


def current_key(engine: Engine, *, now: datetime | None = None) -> ReportKey:
    """The key that signs now; the first call makes one."""
    with engine.connect() as conn:
        row = (
            conn.execute(select(report_keys).where(report_keys.c.valid_to.is_(None)))
            .mappings()
            .first()
        )
    if row is not None:
        return ReportKey(
            row["kid"],
            row["public_key"],
            _utc(row["valid_from"]) or now or datetime.now(UTC),
            None,
            bytes(row["seed"]),
        )
    with write_transaction(engine) as conn:
        row = (
            conn.execute(select(report_keys).where(report_keys.c.valid_to.is_(None)))
            .mappings()
            .first()
        )
        if row is not None:  # another process made it first
            return ReportKey(
                row["kid"],
                row["public_key"],
                _utc(row["valid_from"]) or datetime.now(UTC),
                None,
                bytes(row["seed"]),
            )
        return _new_key(conn, now or datetime.now(UTC))


def rotate_key(engine: Engine, *, now: datetime | None = None) -> ReportKey:
    """Retire the current key (it stays published) and make a new current key."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        conn.execute(
            update(report_keys).where(report_keys.c.valid_to.is_(None)).values(valid_to=when)
        )
        return _new_key(conn, when)


def published_keys(engine: Engine) -> list[ReportKey]:
    """Every key ever used, newest first, without seeds."""
    with engine.connect() as conn:
        rows = (
            conn.execute(select(report_keys).order_by(report_keys.c.valid_from.desc()))
            .mappings()
            .all()
        )
    return [
        ReportKey(
            r["kid"],
            r["public_key"],
            _utc(r["valid_from"]) or datetime.now(UTC),
            _utc(r["valid_to"]),
        )
        for r in rows
    ]


def sign_document(body: dict[str, Any], key: ReportKey) -> dict[str, Any]:
    """``{"report": body, "signature": {...}}`` signed with ``key``."""
    if key.seed is None:
        raise ValueError(f"key {key.kid} has no private part: it cannot sign")
    signature = SigningKey(key.seed).sign(canonical_json(body)).signature
    return {
        "report": body,
        "signature": {"alg": ALGORITHM, "kid": key.kid, "value": _b64(signature)},
    }


@dataclass(frozen=True, slots=True)
class Verification:
    """The answer of :func:`verify_document`."""

    valid: bool
    kid: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "kid": self.kid, "reason": self.reason}


def verify_document(document: Any, keys: list[dict[str, Any]]) -> Verification:
    """Check a signed report against a published key set (``[{"kid", "x", "valid_from",
    "valid_to"}, …]``): the key exists, the report was issued while it was valid, and the
    signature matches the canonical JSON of ``report``."""
    if not isinstance(document, dict) or not isinstance(document.get("report"), dict):
        return Verification(False, None, "not a signed report: no 'report' object")
    sig = document.get("signature")
    if not isinstance(sig, dict) or sig.get("alg") != ALGORITHM:
        return Verification(False, None, f"not signed with {ALGORITHM}")
    kid = sig.get("kid")
    key = next((k for k in keys if k.get("kid") == kid), None)
    if key is None:
        return Verification(False, kid if isinstance(kid, str) else None, "unknown key id")
    try:
        VerifyKey(_unb64(str(key["x"]))).verify(
            canonical_json(document["report"]), _unb64(str(sig.get("value", "")))
        )
    except (BadSignatureError, ValueError, TypeError):
        return Verification(False, kid, "the signature does not match the report")
    try:
        issued = datetime.fromisoformat(str(document["report"].get("issued_at")))
        start = datetime.fromisoformat(str(key.get("valid_from")))
        end = datetime.fromisoformat(str(key["valid_to"])) if key.get("valid_to") else None
    except ValueError:
        return Verification(False, kid, "issued_at or the key's validity is not a date-time")
    if issued < start or (end is not None and issued > end):
        return Verification(False, kid, "the report was issued outside the key's validity")
    return Verification(True, kid, "valid")
