"""The publisher's confirmed position (同步位置) in one CKAN portal, kept in that portal.

Each published dataset carries its state as dataset extras, written by the same kind of call
that publishes (``package_patch``) and only after the rows it confirms are in the DataStore:

``creditgate_seq``
    the last change-log seq whose effect is in the DataStore; the next run reads the change
    log after it. A crash after the rows and before this write re-applies those rows next
    time, which changes nothing (upserts by primary key, deletes by key).
``creditgate_today``
    the day the public view was computed for (publication windows depend on it); when a run
    has another day, records whose window opened or closed in between are upserted/deleted.
``creditgate_phase``
    ``snapshot`` while the first load runs (rows are inserted in record-id order, so the
    largest ``record_id`` in the table is where it resumes), absent afterwards.
``creditgate_files``
    ``<seq>@<today>`` of the state the downloadable files were generated from; when it lags,
    the files are regenerated (and uploaded only if their content hash changed).

Keeping the position in CKAN makes it "confirmed for that CKAN": a fresh creditgate host, or
a portal restored from a backup, resumes from what that portal really holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

SEQ = "creditgate_seq"
TODAY = "creditgate_today"
PHASE = "creditgate_phase"
FILES = "creditgate_files"
STATE_KEYS = frozenset({SEQ, TODAY, PHASE, FILES})
SNAPSHOT = "snapshot"


@dataclass(frozen=True, slots=True)
class SyncState:
    """Where a dataset's publication stands in one portal (see the module docstring)."""

    seq: int | None = None
    today: date | None = None
    phase: str | None = None
    files: str | None = None

    @property
    def fresh(self) -> bool:
        """Nothing was ever confirmed in this portal."""
        return self.seq is None

    @property
    def loading(self) -> bool:
        """A first load (snapshot) started and has not finished."""
        return self.phase == SNAPSHOT

    @property
    def marker(self) -> str:
        """The marker the files must carry to be current: ``<seq>@<today>``."""
        return f"{self.seq or 0}@{self.today.isoformat() if self.today else '-'}"

    def advanced(self, **changes: Any) -> SyncState:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def from_extras(cls, extras: Iterable[Mapping[str, Any]]) -> SyncState:
        """Read the state from a package's ``extras`` list (unknown or bad values: fresh)."""
        values = {str(e.get("key")): str(e.get("value") or "") for e in extras}
        try:
            seq = int(values[SEQ]) if values.get(SEQ) else None
            day = values.get(TODAY)
            today = date.fromisoformat(day) if day else None
        except ValueError:
            return cls()
        return cls(
            seq=seq, today=today, phase=values.get(PHASE) or None, files=values.get(FILES) or None
        )

    def extras(self) -> dict[str, str]:
        """The state as extras (keys with no value are left out)."""
        out: dict[str, str] = {}
        if self.seq is not None:
            out[SEQ] = str(self.seq)
        if self.today is not None:
            out[TODAY] = self.today.isoformat()
        if self.phase:
            out[PHASE] = self.phase
        if self.files:
            out[FILES] = self.files
        return out
