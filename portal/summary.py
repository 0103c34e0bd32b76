"""What a publish run did (发布摘要): per dataset counts, rejected rows, CKAN calls, timing.

A row CKAN rejects is a :class:`RejectedRow` — its record id, the public part of its natural
key (never an ID number: only public columns exist) and CKAN's message — not an exception.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol


class Progress(Protocol):
    """Receives progress while publishing (a terminal bar, a log, a test)."""

    def dataset(self, name: str, total: int | None) -> None:
        """Work on the dataset ``name`` starts; ``total`` rows if known."""

    def advance(self, rows: int) -> None:
        """``rows`` more rows were written or checked."""


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row CKAN refused: which record, its public key values and CKAN's message."""

    dataset: str
    record_id: str
    key: dict[str, str]
    message: str


@dataclass(slots=True)
class DatasetSummary:
    """What one dataset's publication did in this run."""

    dataset: str
    name: str
    upserted: int = 0
    deleted: int = 0
    rejected: int = 0
    files_uploaded: int = 0
    metadata_written: int = 0
    first_load: bool = False
    reconciled: bool = False
    seq: int | None = None

    @property
    def changed(self) -> bool:
        """Whether this run wrote anything for the dataset."""
        return bool(self.upserted or self.deleted or self.files_uploaded or self.metadata_written)


@dataclass(slots=True)
class PublishSummary:
    """The outcome of :func:`portal.publish`.

    ``reads`` and ``writes`` count CKAN action calls (a run with nothing new has
    ``writes == 0``); ``rows`` counts rows upserted or deleted in the DataStore.
    """

    ckan_url: str
    today: date
    datasets: list[DatasetSummary] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    organisations_written: int = 0
    removed: list[str] = field(default_factory=list)
    reads: int = 0
    writes: int = 0
    retried: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when CKAN accepted every row."""
        return not self.rejected

    @property
    def rows(self) -> int:
        """Rows upserted or deleted, over all datasets."""
        return sum(d.upserted + d.deleted for d in self.datasets)

    @property
    def rows_per_second(self) -> float:
        """``rows / seconds`` (0 when nothing was written)."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``--json`` summary line)."""
        return {
            "ok": self.ok,
            "ckan_url": self.ckan_url,
            "today": self.today.isoformat(),
            "rows": self.rows,
            "upserted": sum(d.upserted for d in self.datasets),
            "deleted": sum(d.deleted for d in self.datasets),
            "rejected": len(self.rejected),
            "files_uploaded": sum(d.files_uploaded for d in self.datasets),
            "reads": self.reads,
            "writes": self.writes,
            "retried": self.retried,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "organisations_written": self.organisations_written,
            "removed": self.removed,
            "datasets": [
                {k: v for k, v in asdict(d).items()} | {"changed": d.changed} for d in self.datasets
            ],
            "rejected_rows": [asdict(r) for r in self.rejected],
        }
