"""The joint-punishment measure list (失信惩戒措施清单, credit-domain §4.2), as data.

``workflows/data/measures.yaml`` is the source: each measure's class (1/2/3), name, legal
basis, implementer, the list types it applies to and the business scenarios it restricts.
:func:`load_measures` validates the file twice — its structure (``measures.schema.json``)
and every measure's published fields against the ``punishment-measure`` record schema — and
:func:`publish_measures` mirrors it into the store as the ``punishment-measures`` dataset, so
the list is published and versioned like any other record (an unchanged measure stays
unchanged; a removed one is taken down as ``revoked``).

Which measures restrict an entry (see :meth:`MeasureList.matching`): a measure in force on
the day, for the scenario asked about, and

* for a list entry: its ``list_types`` contain the entry's 名单类型 and it is not a ban
  measure; when the entry names its measures (``measures``), only those;
* for a market ban (市场禁入 / 行业禁入): its ``ban_scopes`` contain the ban's scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from publishers import RecordValidator
from store import Store, StoreError
from workflows.caller import SYSTEM, Caller
from workflows.datafiles import DATA, read_data_file
from workflows.errors import InvalidRequestError, ProceduresError

MEASURES_FILE = DATA / "measures.yaml"
DATASET = "punishment-measures"
SCHEMA = "punishment-measure"
IN_FORCE = "有效"
OTHER_PREFIX = "其他-"

_PUBLISHED = (
    "measure_id", "measure_class", "name", "target", "legal_basis", "implementer",
    "list_types", "scenarios", "valid_from", "valid_to", "status", "remarks",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Measure:
    """One punishment measure (``ban_scopes``/``persons`` are gateway-only, see the file)."""

    measure_id: str
    measure_class: str
    name: str
    target: str
    legal_basis: tuple[str, ...]
    implementer: str
    list_types: frozenset[str]
    scenarios: frozenset[str]
    valid_from: date
    valid_to: date | None
    status: str
    ban_scopes: frozenset[str]
    persons: bool
    raw: Mapping[str, Any]

    def in_force(self, day: date) -> bool:
        """Whether the measure applies on ``day`` (status 有效 and inside its validity)."""
        return (
            self.status == IN_FORCE
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )

    def restricts(self, scenario: str | None) -> bool:
        """Whether the measure restricts ``scenario`` (None: any scenario)."""
        return scenario is None or scenario in self.scenarios

    def to_dict(self) -> dict[str, Any]:
        """The measure as the API shows it (published fields plus ``persons``)."""
        return {
            "measure_id": self.measure_id,
            "measure_class": self.measure_class,
            "name": self.name,
            "legal_basis": list(self.legal_basis),
            "implementer": self.implementer,
            "scenarios": sorted(self.scenarios),
            "persons": self.persons,
        }


@dataclass(frozen=True, slots=True)
class MeasureList:
    """The whole list: its version, publisher, scenario aliases and measures."""

    version: str
    title: str
    publisher_name: str
    publisher_uscc: str
    scenario_aliases: Mapping[str, str]
    measures: tuple[Measure, ...]

    def get(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.measure_id == measure_id), None)

    @property
    def known_scenarios(self) -> frozenset[str]:
        return frozenset(s for m in self.measures for s in m.scenarios)

    def scenario(self, value: str | None) -> str | None:
        """The canonical scenario for a Chinese name or English alias (None stays None).

        Raises :class:`InvalidRequestError` for a value no measure knows and that is not
        ``其他-<scenario>`` (such a scenario is valid but restricted by no measure).
        """
        if value is None or not value.strip():
            return None
        text = value.strip()
        canonical = self.scenario_aliases.get(text.lower(), text)
        if canonical in self.known_scenarios or canonical in self.scenario_aliases.values():
            return canonical
        if canonical.startswith(OTHER_PREFIX) and len(canonical) > len(OTHER_PREFIX):
            return canonical
        known = ", ".join(sorted(self.scenario_aliases))
        raise InvalidRequestError(
            f"unknown scenario {value!r}: use a scenario of the measure list, an alias "
            f"({known}) or 其他-<scenario>"
        )

    def matching(
        self,
        *,
        day: date,
        scenario: str | None,
        list_type: str | None = None,
        ban_scope: str | None = None,
        named: Iterable[str] | None = None,
        persons_only: bool = False,
    ) -> list[Measure]:
        """The measures an entry triggers on ``day`` for ``scenario`` (rules: module doc)."""
        wanted = None if named is None else frozenset(named)
        found = []
        for m in self.measures:
            if not m.in_force(day) or not m.restricts(scenario):
                continue
            if persons_only and not m.persons:
                continue
            if ban_scope is not None:
                applies = ban_scope in m.ban_scopes
            else:
                applies = (
                    not m.ban_scopes
                    and list_type in m.list_types
                    and (wanted is None or m.measure_id in wanted)
                )
            if applies:
                found.append(m)
        return found

    def records(self) -> list[dict[str, Any]]:
        """Every measure as a ``punishment-measure`` record (the published fields only)."""
        return [self._record(m) for m in self.measures]

    def _record(self, measure: Measure) -> dict[str, Any]:
        record = {k: measure.raw[k] for k in _PUBLISHED if k in measure.raw}
        record["source_org_name"] = self.publisher_name
        record["source_org_uscc"] = self.publisher_uscc
        return record


def _measure(raw: Mapping[str, Any]) -> Measure:
    return Measure(
        measure_id=raw["measure_id"],
        measure_class=raw["measure_class"],
        name=raw["name"],
        target=raw["target"],
        legal_basis=tuple(raw["legal_basis"]),
        implementer=raw["implementer"],
        list_types=frozenset(raw["list_types"]),
        scenarios=frozenset(raw["scenarios"]),
        valid_from=date.fromisoformat(raw["valid_from"]),
        valid_to=date.fromisoformat(raw["valid_to"]) if raw.get("valid_to") else None,
        status=raw["status"],
        ban_scopes=frozenset(raw.get("ban_scopes", ())),
        persons=bool(raw.get("persons", False)),
        raw=dict(raw),
    )


def read_measures(path: Path = MEASURES_FILE) -> MeasureList:
    """Read and validate a measure file; raises :class:`ProceduresError` listing problems."""
    raw = read_data_file(path, "measures.schema.json")
    measures = tuple(_measure(m) for m in raw["measures"])
    found = MeasureList(
        version=raw["version"],
        title=raw["title"],
        publisher_name=raw["publisher"]["name"],
        publisher_uscc=raw["publisher"]["uscc"],
        scenario_aliases=dict(raw["scenarios"]),
        measures=measures,
    )
    problems: list[str] = []
    seen: set[str] = set()
    validator = RecordValidator(SCHEMA, today=date(2100, 1, 1))
    for measure, record in zip(measures, found.records(), strict=True):
        if measure.measure_id in seen:
            problems.append(f"{measure.measure_id}: duplicate measure_id")
        seen.add(measure.measure_id)
        errors = [i for i in validator.check(record) if i.is_error]
        problems.extend(f"{measure.measure_id}: {i.field}: {i.message}" for i in errors)
    if problems:
        raise ProceduresError(f"{path.name} is invalid:\n" + "\n".join(problems))
    return found


@cache
def load_measures() -> MeasureList:
    """The package's measure list (read and validated once)."""
    return read_measures()


@dataclass(frozen=True, slots=True)
class MeasurePublication:
    """What :func:`publish_measures` did."""

    version: str
    new: int
    updated: int
    unchanged: int
    withdrawn: int


def publish_measures(
    store: Store,
    measures: MeasureList | None = None,
    *,
    caller: Caller = SYSTEM,
    now: datetime | None = None,
) -> MeasurePublication:
    """Mirror the measure list into the ``punishment-measures`` dataset; idempotent.

    New and changed measures become versions; a stored measure no longer in the list is taken
    down as ``revoked`` (repeal a measure by status 已废止 in the file to keep it visible).
    """
    listing = measures or load_measures()
    result = store.submit(
        DATASET,
        list(enumerate(listing.records(), start=1)),
        actor=caller.actor,
        source=f"measures:{listing.version}",
        all_or_nothing=True,
        now=now,
    )
    if not result.ok:
        raise ProceduresError(f"the measure list was refused by the store: {result.issues}")
    counts = {o.outcome.value: 0 for o in result.outcomes}
    for o in result.outcomes:
        counts[o.outcome.value] += 1
    kept = {o.record_id for o in result.outcomes}
    withdrawn = 0
    after: str | None = None
    while page := store.records(DATASET, after_record_id=after, limit=1000):
        for stored in page:
            if stored.record_id not in kept:
                try:
                    event = store.withdraw(
                        DATASET,
                        record_id=stored.record_id,
                        reason="revoked",
                        note=f"not in measure list {listing.version}",
                        actor=caller.actor,
                        now=now,
                    )
                except StoreError as exc:  # pragma: no cover - raced with another writer
                    raise ProceduresError(str(exc)) from exc
                withdrawn += event is not None
        after = page[-1].record_id
    return MeasurePublication(
        version=listing.version,
        new=counts.get("new", 0),
        updated=counts.get("updated", 0),
        unchanged=counts.get("unchanged", 0),
        withdrawn=withdrawn,
    )
