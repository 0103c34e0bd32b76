"""Natural keys (自然键) of catalogue datasets and the stable record ids derived from them.

A dataset's key is a tuple of parts. A part is a field id, or a *coalesce group*: a tuple of
field ids whose first usable value is taken (a 双公示 counterpart is identified by its USCC,
else its business registration number, else a natural person's ID number).

A value is usable when it is a non-blank string (stripped), an ``int`` or a ``date``, and is
not the USCC placeholder ``00000000000000000X``: the placeholder stands for "no code", so it
never identifies anybody, whichever part it appears in.

The record id (记录标识) is a public contract: partners apply the change feed by it, so its
format must never change for an existing record::

    <dataset id> ":" lower(base32(hmac_sha256(SECRET, utf8(dataset_id US v_1 ... US v_n))))[:26]

where US is U+001F (unit separator), base32 is RFC 4648 (alphabet ``a-z2-7`` once
lower-cased) and SECRET is the deployment's identity secret. 26 characters carry 130 bits,
far beyond any collision risk, and every character is URL-safe.

Why keyed: a natural person's key holds his ID number, while the other parts (authority,
decision number) are public. ID numbers have little entropy, so a plain hash of the key could
be inverted by trying every number; with a secret it cannot. The secret is set once at the
edge (``CREDITGATE_IDENTITY_SECRET``) and must never change after the first publication;
:data:`DEVELOPMENT_IDENTITY_SECRET` serves development and tests only, and the gateway
refuses to start in production with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeAlias

KeyPart: TypeAlias = str | tuple[str, ...]
"""One part of a natural key: a field id, or a coalesce group of field ids."""

USCC_PLACEHOLDER = "00000000000000000X"
"""The 双公示 placeholder (17个0加X) of an individual business without a USCC."""

UNIT_SEPARATOR = "\x1f"
RECORD_ID_HASH_CHARS = 26
RECORD_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*:[a-z2-7]{26}$")
"""Every record id matches this."""

_DATASET_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

DEVELOPMENT_IDENTITY_SECRET = b"creditgate-development-identity-secret"
"""The identity secret of development and tests; never valid in production."""

_identity_secret = DEVELOPMENT_IDENTITY_SECRET


def use_identity_secret(secret: str | bytes) -> None:
    """Set the deployment's identity secret (once, at the edge, before any record id is made)."""
    global _identity_secret
    value = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(value) < 16:
        raise ValueError("the identity secret must have at least 16 bytes")
    _identity_secret = value


def identity_secret_is_default() -> bool:
    """True while record ids are keyed with the development secret."""
    return hmac.compare_digest(_identity_secret, DEVELOPMENT_IDENTITY_SECRET)


def parse_key(raw: Iterable[str | Mapping[str, Sequence[str]]]) -> tuple[KeyPart, ...]:
    """Turn the YAML form (``[a, {coalesce: [b, c]}]``) into key parts (``("a", ("b", "c"))``)."""
    parts: list[KeyPart] = []
    for item in raw:
        parts.append(item if isinstance(item, str) else tuple(item["coalesce"]))
    return tuple(parts)


def format_key_part(part: KeyPart) -> str:
    """A part as text: ``"uscc"`` or ``"uscc|business_reg_no|person_id_no"``."""
    return part if isinstance(part, str) else "|".join(part)


def key_fields(parts: Iterable[KeyPart]) -> tuple[str, ...]:
    """Every field id named by the key, coalesce members included, in order, without repeats."""
    out: dict[str, None] = {}
    for part in parts:
        for field in (part,) if isinstance(part, str) else part:
            out.setdefault(field, None)
    return tuple(out)


def key_value(value: Any) -> str | None:
    """The key form of one field value, or None when it cannot identify a record.

    Strings are stripped; ``int`` and ``date`` values are rendered (ISO 8601 for dates).
    Blank strings, the USCC placeholder, values holding the unit separator and every
    other type (None, bool, float, lists, mappings) give None.
    """
    if type(value) is not str:  # the usual case first: a cell is text
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if not isinstance(value, str):
            return None
    text = value.strip()
    if not text or UNIT_SEPARATOR in text or text.upper() == USCC_PLACEHOLDER:
        return None
    return text


def key_values(parts: Iterable[KeyPart], record: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The values of ``record`` for each key part, or None when any part has no usable value."""
    values: list[str] = []
    get = record.get
    for part in parts:
        if type(part) is str:
            found = key_value(get(part))
        else:
            found = None
            for field in part:
                found = key_value(get(field))
                if found is not None:
                    break
        if found is None:
            return None
        values.append(found)
    return tuple(values)


_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B32_PAIRS = tuple(_B32[i >> 5] + _B32[i & 31] for i in range(1024))
_B32_SHIFTS = tuple(range(120, -1, -10))  # 13 groups of 10 bits: the first 130 bits, 26 chars


@lru_cache(maxsize=4)
def _hmac_pads(secret: bytes) -> tuple[Any, Any]:
    """SHA-256 states after HMAC's inner and outer key pads (RFC 2104), copied per id."""
    key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def _mac_b32(material: bytes) -> str:
    """``lower(base32(hmac_sha256(secret, material)))[:26]``, without re-deriving the pads."""
    inner, outer = _hmac_pads(_identity_secret)
    inner, outer = inner.copy(), outer.copy()
    inner.update(material)
    outer.update(inner.digest())
    n = int.from_bytes(outer.digest()[:17], "big") >> 6
    return "".join([_B32_PAIRS[(n >> s) & 1023] for s in _B32_SHIFTS])


def record_id_for(dataset_id: str, key_values: Sequence[str]) -> str:
    """The stable record id of the record of ``dataset_id`` with these natural-key values.

    Format (a public contract, see the module docstring)::

        record_id_for("administrative-penalty", ["11420100MB1320102J", "武市监罚〔2024〕1号",
                      "914201007713589677"])
        == "administrative-penalty:" + 26 characters of [a-z2-7]

    Raises ``ValueError`` for a malformed dataset id, no values, or a value that is empty or
    holds U+001F (it would make two different key tuples hash alike).
    """
    if not _DATASET_ID.match(dataset_id):
        raise ValueError(f"not a dataset id: {dataset_id!r}")
    if isinstance(key_values, str) or not key_values:
        raise ValueError("record_id_for needs a non-empty sequence of key values")
    for value in key_values:
        if not isinstance(value, str) or not value or UNIT_SEPARATOR in value:
            raise ValueError(f"unusable key value: {value!r}")
    material = UNIT_SEPARATOR.join((dataset_id, *key_values)).encode("utf-8")
    return f"{dataset_id}:{_mac_b32(material)}"


def split_record_id(record_id: str) -> tuple[str, str]:
    """``(dataset id, hash)`` of a record id; raises ``ValueError`` when it is not one."""
    if not RECORD_ID_PATTERN.match(record_id):
        raise ValueError(f"not a record id: {record_id!r}")
    dataset_id, _, digest = record_id.partition(":")
    return dataset_id, digest
