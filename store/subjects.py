"""Record openness by subject (按行政相对人类别确定公开属性): which audiences may see one record.

A dataset's openness (:attr:`catalog.CatalogEntry.openness`) is the ceiling; the subject of a
record can narrow it. The catalogue's policy (``subject_openness`` in ``catalog/catalogue.yaml``
and the entries) says how open records about natural persons, individual businesses and
organisations are; :meth:`catalog.SubjectRules.classify` reads the subject of a record and fails
closed (an unknown category with a person's identifiers is a natural person). With the
default policy, natural persons' records are authorised-query and government-sharing only:
the public sees none of them, on any channel.

:func:`record_openness` decides from a payload. A take-down event carries no payload, so the
feeds ask :func:`hidden_record_ids` which of the records they are about to tombstone the
audience may not see (judged on the record's stored payload): the public feed says nothing at
all about a natural person's record, not even that it was taken down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import Engine, select

import schemas
from catalog import Openness, SubjectRules, get_entry, load_catalog
from store import payloads
from store.tables import records

OPENNESS_FOR: Mapping[str, frozenset[Openness]] = {
    "public": frozenset({Openness.PUBLIC}),
    "agency": frozenset({Openness.PUBLIC, Openness.AUTHORISED}),
    "government": frozenset(Openness),
}
"""What each audience (:class:`store.Audience` value) may see, by openness."""

_LOOKUP_CHUNK = 500


@cache
def subject_rules(dataset: str) -> SubjectRules | None:
    """The catalogue's subject rules when the dataset's records have a subject (its schema
    declares the category field), else None (reference data: measures, the catalogue)."""
    rules = load_catalog().subjects
    if rules is None:
        return None
    declared = {f.id for f in schemas.fields(get_entry(dataset).schema_id)}
    return rules if rules.category_field in declared else None


def record_openness(dataset: str, payload: Mapping[str, Any]) -> Openness:
    """How open one record is: the narrower of its dataset's and its subject's openness."""
    entry = get_entry(dataset)
    rules = subject_rules(dataset)
    if rules is None:
        return entry.openness
    return entry.openness_for(rules.classify(payload))


def may_see_record(dataset: str, payload: Mapping[str, Any], audience: str) -> bool:
    """Whether ``audience`` may see this record at all (openness only; windows and
    take-downs are :mod:`store.views`'s)."""
    if audience == "government":
        return True
    return record_openness(dataset, payload) in OPENNESS_FOR[audience]


@cache
def subject_may_narrow(dataset: str, audience: str) -> bool:
    """Whether the audience sees the dataset but not every subject in it (so feeds must
    look at each record)."""
    if audience == "government" or subject_rules(dataset) is None:
        return False
    entry = get_entry(dataset)
    allowed = OPENNESS_FOR[audience]
    if entry.openness not in allowed:
        return False  # none of it, whatever the subject
    return any(entry.openness_for(c) not in allowed for c in entry.subject_openness)


def hidden_record_ids(engine: Engine, record_ids: Iterable[str], audience: str) -> frozenset[str]:
    """Of ``record_ids``, those whose stored record ``audience`` may not see by openness
    (judged on each record's current payload; unknown ids are not hidden)."""
    wanted = sorted({r for r in record_ids if subject_may_narrow(r.split(":", 1)[0], audience)})
    hidden: set[str] = set()
    if not wanted:
        return frozenset()
    with engine.connect() as conn:
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            query = select(records.c.record_id, records.c.dataset, records.c.payload).where(
                records.c.record_id.in_(chunk)
            )
            for record_id, dataset, payload in conn.execute(query):
                if not may_see_record(dataset, payloads.load(payload) or {}, audience):
                    hidden.add(record_id)
    return frozenset(hidden)
