"""Audience views (受众视图): the one place that decides what each audience may see.

Every channel — CKAN, GraphQL, downloads, partner feeds — passes stored records (or change
events) through :func:`view` / :func:`view_event`, so channels can never disagree. The rules
come only from the catalogue's openness and the schemas' ``x-disclosure`` annotations
(nested arrays of objects included):

=============  =======================  ===============================  ==================
audience       datasets (openness)      records                          fields
=============  =======================  ===============================  ==================
public         社会公开 only             active, publishable, in window   ``public`` only
agency         社会公开 + 授权查询        active, publishable, in window   ``masked`` masked,
                                                                         ``restricted`` gone
government     all                      active (window not required)     everything
=============  =======================  ===============================  ==================

Withdrawn records (repaired, expired, revoked …) are gone for every audience: repair means
终止公示 *and* 停止共享 (信用修复管理办法 Art. 3). Public and agency views keep only fields the
schema declares (fail closed), so an undeclared field can never leak.

A view is a flat dict: ``record_id``, ``dataset``, the visible fields, and ``_meta`` (version,
updated_at, window_start, window_end); schemas never use those three names as field ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

import schemas
from catalog import Openness, get_entry
from store.events import ChangeEvent, Op, RecordState, StoredRecord, in_window

ENVELOPE_KEYS = ("record_id", "dataset", "_meta")


class Audience(StrEnum):
    """Who is looking: the public (社会公开), an authorised agency (授权查询) or government
    (政务共享)."""

    PUBLIC = "public"
    AGENCY = "agency"
    GOVERNMENT = "government"


_OPENNESS_FOR = {
    Audience.PUBLIC: frozenset({Openness.PUBLIC}),
    Audience.AGENCY: frozenset({Openness.PUBLIC, Openness.AUTHORISED}),
    Audience.GOVERNMENT: frozenset(Openness),
}


@dataclass(frozen=True, slots=True)
class _Rule:
    disclosure: str
    nested: Mapping[str, _Rule] | None


def _nested_rules(
    node: Mapping[str, Any], schema_id: str, depth: int = 0
) -> dict[str, _Rule] | None:
    """Rules for the properties of an object (or of an array's object items), if any."""
    if depth > 8:
        return None
    node = schemas.resolve(dict(node), schema_id)
    if "items" in node and isinstance(node["items"], Mapping):
        node = schemas.resolve(dict(node["items"]), schema_id)
    props = node.get("properties")
    if not isinstance(props, Mapping):
        return None
    out: dict[str, _Rule] = {}
    for name, prop in props.items():
        resolved = schemas.resolve(dict(prop), schema_id)
        disclosure = prop.get("x-disclosure") or resolved.get("x-disclosure") or "public"
        out[name] = _Rule(disclosure, _nested_rules(prop, schema_id, depth + 1))
    return out


@cache
def disclosure_rules(schema_id: str) -> Mapping[str, _Rule]:
    """``field id -> rule`` of a schema, nested objects included (cached)."""
    return {
        f.id: _Rule(f.disclosure, _nested_rules(f.schema, schema_id))
        for f in schemas.fields(schema_id)
    }


def may_see_dataset(dataset: str, audience: Audience) -> bool:
    """Whether the audience may see any record of the dataset (by catalogue openness)."""
    return get_entry(dataset).openness in _OPENNESS_FOR[Audience(audience)]


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return schemas.mask_id_number(value)
    if isinstance(value, list):
        return [schemas.mask_id_number(v) for v in value if isinstance(v, str)]
    return None


def _redact_value(value: Any, rule: _Rule, audience: Audience) -> Any:
    if rule.nested is None:
        return value
    if isinstance(value, list):
        return [_redact(v, rule.nested, audience) if isinstance(v, Mapping) else v for v in value]
    if isinstance(value, Mapping):
        return _redact(value, rule.nested, audience)
    return value


def _redact(
    record: Mapping[str, Any], rules: Mapping[str, _Rule], audience: Audience
) -> dict[str, Any]:
    if audience is Audience.GOVERNMENT:
        return dict(record)
    out: dict[str, Any] = {}
    for name, value in record.items():
        rule = rules.get(name)
        if rule is None or rule.disclosure == "restricted":
            continue  # undeclared or restricted: never outside government
        if rule.disclosure == "masked":
            if audience is Audience.PUBLIC:
                continue
            masked = _mask(value)
            if masked is not None:
                out[name] = masked
            continue
        out[name] = _redact_value(value, rule, audience)
    return out


def redact(record: Mapping[str, Any], schema_id: str, audience: Audience) -> dict[str, Any]:
    """The fields of ``record`` the audience may see (no visibility check of the record)."""
    return _redact(record, disclosure_rules(schema_id), Audience(audience))


def _visible(
    audience: Audience,
    state: RecordState,
    publishable: bool | None,
    start: date | None,
    end: date | None,
    today: date,
) -> bool:
    if state is not RecordState.ACTIVE:
        return False
    if audience is Audience.GOVERNMENT:
        return True
    return bool(publishable) and in_window(start, end, today)


def _envelope(
    dataset: str,
    record_id: str,
    fields: dict[str, Any],
    *,
    version: int,
    updated_at: datetime,
    start: date | None,
    end: date | None,
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "dataset": dataset,
        **fields,
        "_meta": {
            "version": version,
            "updated_at": updated_at.isoformat(),
            "window_start": start.isoformat() if start else None,
            "window_end": end.isoformat() if end else None,
        },
    }


def view(stored: StoredRecord, audience: Audience | str, *, today: date) -> dict[str, Any] | None:
    """What ``audience`` sees of a stored record on ``today``, or None if nothing at all."""
    who = Audience(audience)
    entry = get_entry(stored.dataset)
    if entry.openness not in _OPENNESS_FOR[who]:
        return None
    if not _visible(
        who, stored.state, stored.publishable, stored.window_start, stored.window_end, today
    ):
        return None
    fields = _redact(stored.payload, disclosure_rules(entry.schema_id), who)
    return _envelope(
        stored.dataset,
        stored.record_id,
        fields,
        version=stored.version,
        updated_at=stored.updated_at,
        start=stored.window_start,
        end=stored.window_end,
    )


def view_event(
    event: ChangeEvent, audience: Audience | str, *, today: date
) -> dict[str, Any] | None:
    """A change event as a feed item for ``audience``; None when the dataset is not theirs.

    Every event of a visible dataset becomes either an ``upsert`` carrying the record's view
    or a ``delete`` (a tombstone: "make sure this record is absent"), so a consumer applying
    the feed in order ends with exactly what :func:`view` shows. A new version the audience
    may not see (not publishable, outside its window, stored while withdrawn) is a
    ``delete`` with reason ``not-published``, ``outside-window`` or the standing
    withdrawal reason.
    """
    who = Audience(audience)
    entry = get_entry(event.dataset)
    if entry.openness not in _OPENNESS_FOR[who]:
        return None
    item: dict[str, Any] = {
        "seq": event.seq,
        "op": Op.DELETE.value,
        "dataset": event.dataset,
        "record_id": event.record_id,
        "version": event.version,
        "occurred_at": event.occurred_at.isoformat(),
        "reason": event.reason,
        "record": None,
    }
    if event.op is Op.DELETE:
        return item
    if _visible(who, event.state, event.publishable, event.window_start, event.window_end, today):
        fields = _redact(event.payload or {}, disclosure_rules(entry.schema_id), who)
        item["op"] = Op.UPSERT.value
        item["record"] = _envelope(
            event.dataset,
            event.record_id,
            fields,
            version=event.version,
            updated_at=event.occurred_at,
            start=event.window_start,
            end=event.window_end,
        )
    elif event.state is not RecordState.ACTIVE:
        item["reason"] = event.reason
    elif not event.publishable:
        item["reason"] = "not-published"
    else:
        item["reason"] = "outside-window"
    return item
