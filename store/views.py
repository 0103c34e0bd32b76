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

A record is as open as the narrower of its dataset and its subject (:mod:`store.subjects`):
by the catalogue's ``subject_openness``, natural persons' records (自然人) are authorised query
and government sharing only, so :func:`view` gives the public nothing of them and the public
feed carries no item about them at all (no upsert, no tombstone). Public views also mask any
resident ID number that a free-text field quotes (:mod:`store.masking`).

Withdrawn records (repaired, expired, revoked …) are gone for every audience: repair means
终止公示 *and* 停止共享 (信用修复管理办法 Art. 3). Public and agency views keep only fields the
schema declares (fail closed), so an undeclared field can never leak.

A view is a flat dict: ``record_id``, ``dataset``, the visible fields, and ``_meta`` (version,
updated_at, window_start, window_end, under_objection, objection_status, self_declared);
schemas never use those three names as field ids. ``under_objection`` marks a version an
objection (异议) is being handled against — for every audience, in views and feeds alike
(:mod:`store.marks`); ``self_declared`` marks information the subject registered itself
(catalogue category 市场主体自愿提供的信用信息) until an authority has verified it.

:func:`feed_lines` is :func:`view_event` + ``orjson.dumps`` for whole pages of raw change
rows, byte for byte, without building events: the government feed splices the stored
canonical payload text into the line instead of parsing and re-encoding it.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

import orjson

import schemas
from catalog import Openness, get_entry
from store.declared_end import end_mismatch, end_mismatch_in_text
from store.events import ChangeEvent, Op, RecordState, StoredRecord, in_window, utc
from store.marks import OBJECTION_MARK, OBJECTION_STATUS_ZH
from store.masking import public_value
from store.subjects import may_see_record, subject_may_narrow

ENVELOPE_KEYS = ("record_id", "dataset", "_meta")

SELF_DECLARED_CATEGORY = "voluntary-information"
"""Catalogue category of self-declared information (市场主体自愿提供的信用信息)."""

VERIFIED = ("verification_status", "已核实")
"""The field and value by which such information counts as verified by an authority."""


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
        return public_value(value) if audience is Audience.PUBLIC else value
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


def _self_declared(dataset: str, payload: Mapping[str, Any]) -> bool:
    if get_entry(dataset).category != SELF_DECLARED_CATEGORY:
        return False
    field, verified = VERIFIED
    return payload.get(field) != verified


def _envelope(
    dataset: str,
    record_id: str,
    fields: dict[str, Any],
    *,
    version: int,
    updated_at: datetime,
    start: date | None,
    end: date | None,
    under_objection: bool,
    self_declared: bool,
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
            "under_objection": under_objection,
            "objection_status": OBJECTION_STATUS_ZH if under_objection else None,
            "self_declared": self_declared,
        },
    }


def view(stored: StoredRecord, audience: Audience | str, *, today: date) -> dict[str, Any] | None:
    """What ``audience`` sees of a stored record on ``today``, or None if nothing at all."""
    who = Audience(audience)
    entry = get_entry(stored.dataset)
    if entry.openness not in _OPENNESS_FOR[who]:
        return None
    if not may_see_record(stored.dataset, stored.payload, who.value):
        return None
    if not _visible(
        who, stored.state, stored.publishable, stored.window_start, stored.window_end, today
    ):
        return None
    fields = _redact(stored.payload, disclosure_rules(entry.schema_id), who)
    shown = _envelope(
        stored.dataset,
        stored.record_id,
        fields,
        version=stored.version,
        updated_at=stored.updated_at,
        start=stored.window_start,
        end=stored.window_end,
        under_objection=stored.under_objection,
        self_declared=_self_declared(stored.dataset, stored.payload),
    )
    if who is not Audience.PUBLIC:  # a data-quality note for authorities, not the public
        mismatch = end_mismatch(stored.payload, stored.publishable, stored.window_end)
        shown["_meta"]["publication_end_mismatch"] = mismatch
    return shown


def view_event(
    event: ChangeEvent,
    audience: Audience | str,
    *,
    today: date,
    hidden: Container[str] = frozenset(),
) -> dict[str, Any] | None:
    """A change event as a feed item for ``audience``; None when the dataset or the record
    is not theirs.

    A record the audience may not see by its subject (:mod:`store.subjects`) gives no item
    at all: an upsert is judged on its payload, a take-down (no payload) by ``hidden``, the
    record ids :func:`store.subjects.hidden_record_ids` found (:meth:`store.Store.hidden`).

    Every event of a visible dataset becomes either an ``upsert`` carrying the record's view
    or a ``delete`` (a tombstone: "make sure this record is absent"), so a consumer applying
    the feed in order ends with exactly what :func:`view` shows. A new version the audience
    may not see (not publishable, outside its window, stored while withdrawn) is a
    ``delete`` with reason ``not-published``, ``outside-window`` or the standing
    withdrawal reason. An objection mark (:mod:`store.marks`) is an ``upsert`` whose reason
    is ``under-objection`` or ``objection-closed`` and whose ``_meta`` says so.
    """
    who = Audience(audience)
    entry = get_entry(event.dataset)
    if entry.openness not in _OPENNESS_FOR[who]:
        return None
    if event.payload is None:
        if event.record_id in hidden:
            return None
    elif not may_see_record(event.dataset, event.payload, who.value):
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
            under_objection=event.reason == OBJECTION_MARK,
            self_declared=_self_declared(event.dataset, event.payload or {}),
        )
        if who is not Audience.PUBLIC:  # a data-quality note for authorities, as in view()
            item["record"]["_meta"]["publication_end_mismatch"] = end_mismatch(
                event.payload or {}, bool(event.publishable), event.window_end
            )
    elif event.state is not RecordState.ACTIVE:
        item["reason"] = event.reason
    elif not event.publishable:
        item["reason"] = "not-published"
    else:
        item["reason"] = "outside-window"
    return item


@dataclass(frozen=True, slots=True)
class _FeedDataset:
    """What :func:`feed_lines` needs to know about a dataset, looked up once per page."""

    visible: bool
    rules: Mapping[str, _Rule]
    self_declared: bool
    by_subject: bool


_META_AT = b',"_meta":{'
# A payload holding one of these keys (at any depth) is not spliced: the envelope's own keys
# must win exactly as in the dict of _envelope; schemas never use them, so this is a guard.
_ENVELOPE_KEYS = tuple(f'"{k}":' for k in ENVELOPE_KEYS)


def feed_lines(
    rows: Iterable[Sequence[Any]],
    audience: Audience | str,
    *,
    today: date,
    hidden: Container[str] = frozenset(),
) -> bytes:
    """The NDJSON lines of :func:`view_event` for raw change rows, as one bytes object.

    ``rows`` are driver rows in :data:`store.events.EVENT_COLUMNS` order
    (:func:`store.changelog.change_rows`); the result equals ``orjson.dumps(item) + b"\\n"``
    for every item :func:`view_event` gives for the same events. Stored payloads are the
    canonical JSON of :mod:`store.payloads` (an object, no whitespace), which is what makes
    splicing them byte-identical to encoding the parsed dict. ``hidden``: as for
    :func:`view_event`, the take-downs to leave out.
    """
    who = Audience(audience)
    government = who is Audience.GOVERNMENT
    openness = _OPENNESS_FOR[who]
    datasets: dict[str, _FeedDataset] = {}
    stamps: dict[Any, str] = {}
    days: dict[Any, tuple[date | None, str | None]] = {}
    dumps = orjson.dumps
    out: list[bytes] = []
    for row in rows:
        (seq, dataset, record_id, op, reason, version, _hash, occurred_at, payload, _actor,
         _note, _batch, state, publishable, window_start, window_end) = row  # fmt: skip
        info = datasets.get(dataset)
        if info is None:
            entry = get_entry(dataset)
            info = datasets[dataset] = _FeedDataset(
                entry.openness in openness,
                disclosure_rules(entry.schema_id),
                entry.category == SELF_DECLARED_CATEGORY,
                subject_may_narrow(dataset, who.value),
            )
        if not info.visible:
            continue
        values: dict[str, Any] | None = None
        if info.by_subject:
            if payload is None:
                if record_id in hidden:
                    continue
            else:
                values = orjson.loads(payload)
                if not may_see_record(dataset, values, who.value):
                    continue
        stamp = stamps.get(occurred_at)
        if stamp is None:
            stamp = stamps[occurred_at] = utc(occurred_at).isoformat()  # type: ignore[union-attr]
        item: dict[str, Any] = {
            "seq": int(seq),
            "op": "delete",
            "dataset": dataset,
            "record_id": record_id,
            "version": int(version),
            "occurred_at": stamp,
            "reason": reason,
            "record": None,
        }
        if op == "delete" or state != "active":
            out.append(dumps(item) + b"\n")
            continue
        start, start_text = days.get(window_start) or _day(days, window_start)
        end, end_text = days.get(window_end) or _day(days, window_end)
        if not government and not (publishable and in_window(start, end, today)):
            item["reason"] = "outside-window" if publishable else "not-published"
            out.append(dumps(item) + b"\n")
            continue
        marked = reason == OBJECTION_MARK
        meta = {
            "version": item["version"],
            "updated_at": stamp,
            "window_start": start_text,
            "window_end": end_text,
            "under_objection": marked,
            "objection_status": OBJECTION_STATUS_ZH if marked else None,
            "self_declared": False,
        }
        if who is not Audience.PUBLIC:  # as in view(): authorities see the 公示截止期 mismatch
            meta["publication_end_mismatch"] = end_mismatch_in_text(payload, publishable, end)
        item["op"] = "upsert"
        inner = _splice_inner(payload) if government and not info.self_declared else None
        if inner is not None:
            item["record"] = {"record_id": record_id, "dataset": dataset, "_meta": meta}
            line = dumps(item)
            if inner:
                at = line.rfind(_META_AT)
                line = b"".join((line[:at], b",", inner, line[at:]))
            out.append(line + b"\n")
            continue
        if values is None:
            values = orjson.loads(payload) if payload is not None else {}
        if info.self_declared:
            meta["self_declared"] = _self_declared(dataset, values)
        item["record"] = {
            "record_id": record_id,
            "dataset": dataset,
            **_redact(values, info.rules, who),
            "_meta": meta,
        }
        out.append(dumps(item) + b"\n")
    return b"".join(out)


def _day(memo: dict[Any, tuple[date | None, str | None]], value: Any) -> tuple[Any, Any]:
    """A stored date (a ``date`` or ISO text) and its ISO text, remembered in ``memo``."""
    if value is None:
        return None, None
    day = value if isinstance(value, date) else date.fromisoformat(value)
    found = memo[value] = (day, day.isoformat())
    return found


def _splice_inner(payload: str | None) -> bytes | None:
    """The members of a stored payload object as bytes (``b""`` for ``{}``), or None when it
    cannot be spliced as it is."""
    if payload is None:
        return b""
    if payload[:1] != "{" or payload[-1:] != "}":
        return None
    for key in _ENVELOPE_KEYS:
        if key in payload:
            return None
    return payload[1:-1].encode()
