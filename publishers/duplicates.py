"""Duplicate natural keys inside one file (同一文件内业务主键重复), found while validating.

``submit`` settles duplicates against the store; ``validate`` must say the same without one,
so :class:`KeyTracker` remembers, for every valid row, a 64-bit hash of its natural key (the
catalogue entry's key, :mod:`catalog.keys`) and a 32-bit hash of its content, packed with the
row number into one integer: about 100 bytes per distinct key, whatever the size of the
values (~100 MB for a million rows). The first row of a key is kept; a later row with the
same key and other content is a ``duplicate-key`` error naming the first, and one with the
same content a ``duplicate-row`` warning (the store counts it ``unchanged``).

Hashes are the process's own (fast); for parallel validation each piece also lists a
process-independent digest (BLAKE2b, 8 bytes) of each key it met first, so the parent can
tell whether two pieces share a key.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Hashable
from typing import Any

from catalog import CatalogEntry
from catalog.keys import USCC_PLACEHOLDER, key_value

_ROW_MASK = 0xFFFFFFFF
_SEPARATOR = "\x1f"


class KeyTracker:
    """The natural keys met so far in one file (see the module docstring)."""

    def __init__(self, entry: CatalogEntry, *, digests: bool = False) -> None:
        self._parts = tuple(
            (part,) if isinstance(part, str) else tuple(part) for part in entry.natural_key
        )
        self._seen: dict[int, int] = {}
        self.digests: array[int] | None = array("Q") if digests else None

    def key(self, record: dict[str, Any]) -> tuple[Any, ...] | None:
        """The natural key of a *normalised* record, as :func:`catalog.keys.key_values` reads
        it (strings arrive stripped and codes upper-cased, so no second pass over them)."""
        get = record.get
        out = []
        for members in self._parts:
            for fid in members:
                value = get(fid)
                if value and value != USCC_PLACEHOLDER:
                    if value.__class__ is not str:
                        value = key_value(value)
                        if value is None:
                            continue
                    out.append(value)
                    break
            else:
                return None
        return tuple(out)

    def see(self, record: dict[str, Any], content: Hashable, row: int) -> tuple[int, bool] | None:
        """None for a new key (or no usable key); else ``(first row, same content)``."""
        get = record.get
        out = []
        for members in self._parts:  # key() inlined: this runs once per valid row
            for fid in members:
                value = get(fid)
                if value and value != USCC_PLACEHOLDER:
                    if value.__class__ is not str:
                        value = key_value(value)
                        if value is None:
                            continue
                    out.append(value)
                    break
            else:
                return None
        key = tuple(out)
        h = hash(key)
        seen = self._seen.get(h)
        if seen is None:
            self._seen[h] = ((hash(content) & _ROW_MASK) << 32) | (row & _ROW_MASK)
            if self.digests is not None:
                material = _SEPARATOR.join(map(str, key)).encode("utf-8")
                self.digests.append(
                    int.from_bytes(hashlib.blake2b(material, digest_size=8).digest(), "big")
                )
            return None
        return seen & _ROW_MASK, (seen >> 32) == hash(content) & _ROW_MASK
