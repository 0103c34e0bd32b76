"""The entries the joint-punishment check holds (联合惩戒核查的名单条目): list entries and bans,
keyed by the subject's codes and the persons they name.

:class:`Entry` is one entry as :class:`workflows.CheckIndex` keeps it in memory, built from a
stored record or a change-log event; :class:`EntryState` the index's dictionaries, updated as
the change log brings new versions and take-downs. An entry as a check answer shows it
(:func:`entry_ref`) carries no personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from store import StoredRecord

LIST_DATASETS = ("serious-dishonesty-list", "watch-list", "market-ban")
"""The datasets whose entries restrict: list entries and market bans."""

_SUBJECT_FIELDS = ("uscc", "business_reg_no", "person_id_no")
_PLACEHOLDER = "00000000000000000X"


@dataclass(frozen=True, slots=True)
class Entry:
    """One list entry or market ban as the index holds it."""

    record_id: str
    dataset: str
    version: int
    subject_name: str | None
    codes: tuple[str, ...]
    persons: tuple[tuple[str, str], ...]  # (identity number, role) named in the entry
    list_type: str | None
    list_name: str | None
    ban_scope: str | None
    decision_doc_no: str | None
    basis: str | None
    authority: str | None
    authority_uscc: str | None
    start: date | None
    end: date | None
    publishable: bool
    named_measures: tuple[str, ...] | None
    under_objection: bool

    def in_force(self, day: date) -> bool:
        """Published and inside its window (listing date … removal / planned expiry)."""
        return (
            self.publishable
            and (self.start is None or self.start <= day)
            and (self.end is None or day <= self.end)
        )

    @classmethod
    def build(
        cls,
        *,
        record_id: str,
        dataset: str,
        version: int,
        payload: Mapping[str, Any],
        publishable: bool | None,
        start: date | None,
        end: date | None,
        under_objection: bool,
    ) -> Entry:
        ban = dataset == "market-ban"
        codes = tuple(
            str(payload[f]).strip().upper()
            for f in _SUBJECT_FIELDS
            if payload.get(f) and str(payload[f]).strip().upper() != _PLACEHOLDER
        )
        persons: list[tuple[str, str]] = []
        if payload.get("legal_rep_id_no"):
            persons.append((str(payload["legal_rep_id_no"]).upper(), "法定代表人"))
        for person in payload.get("responsible_persons") or ():
            if isinstance(person, Mapping) and person.get("id_no"):
                persons.append((str(person["id_no"]).upper(), str(person.get("role") or "")))
        named = payload.get("measures")
        return cls(
            record_id=record_id,
            dataset=dataset,
            version=version,
            subject_name=payload.get("counterpart_name"),
            codes=codes,
            persons=tuple(persons),
            list_type=None if ban else payload.get("list_type"),
            list_name=payload.get("ban_content") if ban else payload.get("list_name"),
            ban_scope=payload.get("ban_scope") if ban else None,
            decision_doc_no=payload.get("decision_doc_no" if ban else "listing_decision_doc_no"),
            basis=payload.get("legal_basis" if ban else "listing_basis"),
            authority=payload.get("deciding_authority"),
            authority_uscc=payload.get("deciding_authority_uscc"),
            start=start,
            end=end,
            publishable=bool(publishable),
            named_measures=tuple(named) if isinstance(named, list) and named else None,
            under_objection=under_objection,
        )


@dataclass(slots=True)
class EntryState:
    entries: dict[str, Entry] = field(default_factory=dict)
    by_code: dict[str, set[str]] = field(default_factory=dict)
    by_person: dict[str, set[str]] = field(default_factory=dict)

    def put(self, entry: Entry) -> None:
        self.drop(entry.record_id)
        self.entries[entry.record_id] = entry
        for code in entry.codes:
            self.by_code.setdefault(code, set()).add(entry.record_id)
        for person, _role in entry.persons:
            self.by_person.setdefault(person, set()).add(entry.record_id)

    def drop(self, record_id: str) -> None:
        old = self.entries.pop(record_id, None)
        if old is None:
            return
        for index, keys in (
            (self.by_code, old.codes),
            (self.by_person, [p for p, _ in old.persons]),
        ):
            for key in keys:
                ids = index.get(key)
                if ids is not None:
                    ids.discard(record_id)
                    if not ids:
                        del index[key]


def entry_ref(entry: Entry, via: str, measure_ids: list[str]) -> dict[str, Any]:
    """An entry as a check answer shows it (no personal data: persons are not listed)."""
    return {
        "record_id": entry.record_id,
        "dataset": entry.dataset,
        "subject_name": entry.subject_name,
        "list_type": entry.list_type,
        "list_name": entry.list_name,
        "ban_scope": entry.ban_scope,
        "decision_doc_no": entry.decision_doc_no,
        "basis": entry.basis,
        "deciding_authority": entry.authority,
        "in_force_from": entry.start.isoformat() if entry.start else None,
        "in_force_until": entry.end.isoformat() if entry.end else None,
        "under_objection": entry.under_objection,
        "via": via,
        "measure_ids": measure_ids,
    }


def entry_of(stored: StoredRecord) -> Entry:
    return Entry.build(
        record_id=stored.record_id,
        dataset=stored.dataset,
        version=stored.version,
        payload=stored.payload,
        publishable=stored.publishable,
        start=stored.window_start,
        end=stored.window_end,
        under_objection=stored.under_objection,
    )
