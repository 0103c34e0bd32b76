"""Procedure settings (程序规则): working-day deadlines and repair conditions, as data.

``workflows/data/procedures.yaml`` holds every figure with its source and confidence tag
(credit-domain.md §3.5, §4.4, §4.5); :func:`load_procedures` reads and validates it once.
Tests and deployments may pass their own :class:`Procedures` to every workflow function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from store.windows import add_period
from workflows.datafiles import DATA, read_data_file

PROCEDURES_FILE = DATA / "procedures.yaml"


@dataclass(frozen=True, slots=True)
class RepairExclusion:
    """Records with any of ``values`` in ``field`` (in the given sectors) cannot be repaired."""

    field: str
    values: frozenset[str]
    sectors: frozenset[str] | None
    reason: str
    reason_en: str

    def applies(self, payload: Mapping[str, Any]) -> bool:
        if self.sectors is not None and payload.get("sector") not in self.sectors:
            return False
        value = payload.get(self.field)
        items = value if isinstance(value, list) else [value]
        return any(item in self.values for item in items)


@dataclass(frozen=True, slots=True)
class RepairRule:
    """How a dataset's records are repaired: repairable at all, from when, decided by whom.

    ``minimum_from``/``minimum_period``: the minimum runs ``period`` from that payload date;
    both None means the record's publication window gives it (``StoredRecord.min_end``).
    """

    dataset: str
    repairable: bool
    minimum_from: str | None
    minimum_period: str | None
    authority_field: str | None
    exclusions: tuple[RepairExclusion, ...]
    reason: str | None
    reason_en: str | None

    def minimum_end(self, payload: Mapping[str, Any], window_min_end: date | None) -> date | None:
        """The last day of the minimum period (repair only after it); None if unknown."""
        if self.minimum_from is None or self.minimum_period is None:
            return window_min_end
        raw = payload.get(self.minimum_from)
        try:
            start = date.fromisoformat(str(raw))
        except ValueError:
            return None
        return add_period(start, self.minimum_period)


@dataclass(frozen=True, slots=True)
class Procedures:
    """Every setting of the workflows (see ``data/procedures.yaml`` for sources)."""

    version: str
    objection_verify_days: int
    objection_answer_days: int
    objection_max_extension_days: int
    repair_decide_days: int
    repair_commitment_type: str
    repair_rules: Mapping[str, RepairRule]
    breach_statuses: frozenset[str]

    def repair_rule(self, dataset: str) -> RepairRule | None:
        """The dataset's repair rule; None when its records are not subject to repair."""
        return self.repair_rules.get(dataset)


def _repair_rule(dataset: str, raw: Mapping[str, Any]) -> RepairRule:
    minimum = raw.get("minimum")
    exclusions = tuple(
        RepairExclusion(
            field=e["field"],
            values=frozenset(e["any_of"]),
            sectors=frozenset(e["when_sector"]) if "when_sector" in e else None,
            reason=e["reason"],
            reason_en=e["reason_en"],
        )
        for e in raw.get("exclusions", ())
    )
    return RepairRule(
        dataset=dataset,
        repairable=raw.get("repairable", True),
        minimum_from=minimum["from"] if isinstance(minimum, Mapping) else None,
        minimum_period=minimum["period"] if isinstance(minimum, Mapping) else None,
        authority_field=raw.get("authority_field"),
        exclusions=exclusions,
        reason=raw.get("reason"),
        reason_en=raw.get("reason_en"),
    )


def read_procedures(path: Path = PROCEDURES_FILE) -> Procedures:
    """Read and validate a procedures file (raises :class:`workflows.ProceduresError`)."""
    raw = read_data_file(path, "procedures.schema.json")
    obj, rep, com = raw["objections"], raw["repairs"], raw["commitments"]
    return Procedures(
        version=raw["version"],
        objection_verify_days=obj["verify_within_working_days"],
        objection_answer_days=obj["answer_within_working_days"],
        objection_max_extension_days=obj["max_extension_working_days"],
        repair_decide_days=rep["decide_within_working_days"],
        repair_commitment_type=rep["commitment_type"],
        repair_rules={ds: _repair_rule(ds, r) for ds, r in rep["datasets"].items()},
        breach_statuses=frozenset(com["breach_statuses"]),
    )


@cache
def load_procedures() -> Procedures:
    """The package's own procedures (read once)."""
    return read_procedures()
