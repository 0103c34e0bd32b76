"""Commitment types (信用承诺类型) and what a breach of each leads to, as data.

``workflows/data/commitment-types.yaml`` says, per 承诺类型, what the law or policy attaches
to a breach (部分履行 / 全部未履行) and on what basis, and — only for the types that carry
one — the list a breach may lead to (dataset, 名单名称, period, 认定依据). A breach of a type
without a configured listing is recorded on the commitment (its version and timeline), never
listed: under 国办发〔2020〕49号 a list needs a basis in law, regulation or central policy.
Types written 其他-<类型> and not named in the file take its ``other`` entry (recorded only).

:func:`load_commitment_types` reads and validates the file once; tests and deployments may
pass their own :class:`CommitmentTypes` to :func:`workflows.record_fulfilment`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from workflows.datafiles import DATA, read_data_file

COMMITMENT_TYPES_FILE = DATA / "commitment-types.yaml"
OTHER_PREFIX = "其他-"


@dataclass(frozen=True, slots=True)
class BreachListing:
    """The list a breach may lead to, with the basis written on the entry."""

    dataset: str
    list_name: str
    period: str
    listing_basis: str


@dataclass(frozen=True, slots=True)
class CommitmentType:
    """One 承诺类型: the consequence of a breach, its basis and (maybe) a listing."""

    name: str
    breach: str
    basis: str
    source: str
    confidence: str
    listing: BreachListing | None = None
    name_en: str | None = None

    @property
    def lists(self) -> bool:
        """Whether a breach of this type leads to listing (a basis is configured)."""
        return self.listing is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "commitment_type": self.name,
            "consequence": "listed" if self.listing else "recorded",
            "breach": self.breach,
            "basis": self.basis,
            "list": None if self.listing is None else self.listing.dataset,
            "list_name": None if self.listing is None else self.listing.list_name,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class CommitmentTypes:
    """Every configured type and the default for 其他-<类型> (``data/commitment-types.yaml``)."""

    version: str
    types: Mapping[str, CommitmentType]
    other: CommitmentType

    def of(self, commitment_type: str | None) -> CommitmentType:
        """The type's entry; an unnamed or missing type gets the ``other`` entry (recorded)."""
        found = self.types.get(commitment_type or "")
        if found is not None:
            return found
        return CommitmentType(
            name=commitment_type or OTHER_PREFIX,
            breach=self.other.breach,
            basis=self.other.basis,
            source=self.other.source,
            confidence=self.other.confidence,
        )


def _type(name: str, raw: Mapping[str, Any]) -> CommitmentType:
    listing = raw.get("listing")
    return CommitmentType(
        name=name,
        breach=raw["breach"],
        basis=raw["basis"],
        source=raw["source"],
        confidence=raw["confidence"],
        listing=BreachListing(**listing) if listing else None,
        name_en=raw.get("name_en"),
    )


def read_commitment_types(path: Path = COMMITMENT_TYPES_FILE) -> CommitmentTypes:
    """Read and validate a commitment-types file (raises :class:`workflows.ProceduresError`)."""
    raw = read_data_file(path, "commitment-types.schema.json")
    return CommitmentTypes(
        version=raw["version"],
        types={name: _type(name, entry) for name, entry in raw["types"].items()},
        other=_type(OTHER_PREFIX, raw["other"]),
    )


@cache
def load_commitment_types() -> CommitmentTypes:
    """The package's own commitment types (read once)."""
    return read_commitment_types()
