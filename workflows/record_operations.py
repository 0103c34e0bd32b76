"""The record operations every face offers (记录操作): the check, commitments, lists, persons,
interviews, voluntary registration and timelines.

Like :mod:`workflows.case_operations`: one function per operation, the same under REST,
GraphQL and the CLI, taking the :class:`Caller` and plain values and returning an
:class:`workflows.answers.Answer`; the rules live here and in the steps, never in a face.

==========================  ========================================  =======================
operation                   what                                      who
==========================  ========================================  =======================
``punishment_check``        may this subject do this, today?          any key (identity
                                                                      numbers: government)
``commitment_fulfil``       record a commitment's fulfilment          the accepting unit
``listing_add``             list a subject (名单 / 禁入)               the deciding authority
``listing_remove``          remove an entry (移出)                     the deciding authority
``persons_list``            persons linked to an entry                government keys
``persons_link`` / unlink   link a person by hand / end the link      the deciding authority
``interview_record``        record an interview (约谈)                 the interviewing body
``interview_rectify``       its rectification result (整改结果)         the interviewing body
``registration_register``   take a voluntary registration (自愿注册)   platform, admin
``registration_verify``     verify it (已核实)                          department, platform
``record_timeline``         every version, take-down and step         admin, the record's
                                                                      departments; platform
==========================  ========================================  =======================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from store import Role, Store, UnknownRecordError
from workflows.answers import Answer
from workflows.caller import Caller
from workflows.checks import CheckIndex
from workflows.commitments import record_fulfilment
from workflows.errors import CaseNotFoundError, InvalidRequestError, NotAllowedError
from workflows.inputs import MAX_NAME, identifier, optional_text, record, text
from workflows.interviews import record_interview, record_rectification
from workflows.listings import list_entry, remove_entry
from workflows.persons import link_person, linked_persons, unlink_person
from workflows.registrations import register, verify_registration
from workflows.timeline import TimelineAudience, timeline
from workflows.versions import VersionResult

MAX_LINK_ID = 2**63 - 1
OWN_FIELDS = (
    "source_org_uscc",
    "authority_uscc",
    "deciding_authority_uscc",
    "acceptance_unit_uscc",
)
"""The fields naming the departments a record belongs to (they read its full timeline)."""


def _version(key: str, result: VersionResult, refusal: str, *, created: bool = False) -> Answer:
    return Answer({key: result.to_dict()}, result.problems, refusal, created)


def _whole(value: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    checked = record(value, name)
    assert checked is not None
    return checked


def punishment_check(
    index: CheckIndex,
    caller: Caller,
    *,
    today: date,
    credit_code: str,
    scenario: str | None = None,
) -> Answer:
    """The joint-punishment check (联合惩戒核查); every check is logged by key."""
    caller.require_key(what="a check")
    if not 15 <= len(credit_code.strip()) <= 40:
        raise InvalidRequestError("creditCode must have 15 to 40 characters")
    found = index.check(
        credit_code,
        optional_text(scenario, "scenario", most=MAX_NAME),
        today=today,
        caller=caller,
    )
    return Answer(found.to_dict())


def commitment_fulfil(
    store: Store,
    caller: Caller,
    *,
    today: date,
    record_id: str,
    status: str,
    status_date: date | None = None,
    unperformed_content: str | None = None,
    liability_pursued: str | None = None,
    decision_doc_no: str | None = None,
    note: str | None = None,
) -> Answer:
    """Record a commitment's fulfilment; a breach is listed or recorded by its type."""
    caller.require_key(what="recording fulfilment")
    result = record_fulfilment(
        store,
        identifier(record_id, "record_id"),
        status=text(status, "status", most=MAX_NAME),
        status_date=status_date,
        unperformed_content=optional_text(unperformed_content, "unperformed_content"),
        liability_pursued=optional_text(liability_pursued, "liability_pursued"),
        decision_doc_no=optional_text(decision_doc_no, "decision_doc_no", most=MAX_NAME),
        note=optional_text(note, "note"),
        caller=caller,
        today=today,
    )
    return Answer(result.to_dict(), result.problems, "the fulfilment was not recorded")


def listing_add(
    store: Store,
    caller: Caller,
    *,
    today: date,
    dataset: str,
    entry: Mapping[str, Any],
    note: str | None = None,
) -> Answer:
    """List a subject: store the entry (validated) and log the step."""
    caller.require_key(what="listing")
    result = list_entry(
        store,
        identifier(dataset, "dataset"),
        _whole(entry, "entry"),
        caller=caller,
        today=today,
        note=optional_text(note, "note"),
    )
    return _version("entry", result, "the entry was not listed", created=True)


def listing_remove(
    store: Store,
    caller: Caller,
    *,
    today: date,
    record_id: str,
    reason: str,
    removal_date: date | None = None,
    note: str | None = None,
) -> Answer:
    """Remove an entry (移出): a version with 移出日期/移出原因, then, when due, the take-down."""
    caller.require_key(what="removing a list entry")
    removal = remove_entry(
        store,
        identifier(record_id, "record_id"),
        reason=text(reason, "reason", most=MAX_NAME),
        removal_date=removal_date or today,
        caller=caller,
        today=today,
        note=optional_text(note, "note"),
    )
    return Answer({"removal": removal.to_dict()}, removal.problems, "the removal was not recorded")


def persons_list(store: Store, caller: Caller, *, record_id: str) -> Answer:
    """Everyone linked to an entry (personal data: government keys)."""
    caller.require_key(what="reading linked persons")
    found = linked_persons(store, identifier(record_id, "record_id"), caller=caller)
    return Answer({"record_id": record_id, "persons": [p.to_dict() for p in found]})


def persons_link(
    store: Store,
    caller: Caller,
    *,
    record_id: str,
    person_name: str,
    role: str,
    id_type: str | None = None,
    id_no: str | None = None,
) -> Answer:
    """Link a person to an entry by hand (主要负责人, 实际控制人 …)."""
    caller.require_key(what="linking persons")
    link = link_person(
        store,
        identifier(record_id, "record_id"),
        person_name=text(person_name, "person_name", most=MAX_NAME, required=True),
        role=text(role, "role", most=MAX_NAME, required=True),
        id_type=optional_text(id_type, "id_type", most=MAX_NAME),
        id_no=optional_text(id_no, "id_no", most=MAX_NAME),
        caller=caller,
    )
    return Answer({"link": link.to_dict()}, created=True)


def persons_unlink(store: Store, caller: Caller, *, link_id: int) -> Answer:
    """End a manual link (kept, with who ended it)."""
    caller.require_key(what="unlinking persons")
    if not 1 <= link_id <= MAX_LINK_ID:
        raise CaseNotFoundError(f"no active person link {link_id}")
    unlink_person(store, link_id, caller=caller)
    return Answer({"link_id": link_id, "unlinked": True})


def interview_record(
    store: Store,
    caller: Caller,
    *,
    today: date,
    interview: Mapping[str, Any],
    about_record_id: str | None = None,
) -> Answer:
    """Record an interview (约谈; 政务共享 only), linked to the record that prompted it."""
    caller.require_key(what="recording an interview")
    result = record_interview(
        store,
        _whole(interview, "interview"),
        caller=caller,
        today=today,
        about_record_id=(
            None if about_record_id is None else identifier(about_record_id, "about_record_id")
        ),
    )
    return _version("interview", result, "the interview was not recorded", created=True)


def interview_rectify(
    store: Store,
    caller: Caller,
    *,
    today: date,
    record_id: str,
    result: str,
    kind: str | None = None,
) -> Answer:
    """Add the rectification result (整改结果) to an interview record."""
    caller.require_key(what="recording rectification")
    version = record_rectification(
        store,
        identifier(record_id, "record_id"),
        result=text(result, "result", required=True),
        caller=caller,
        today=today,
        kind=optional_text(kind, "kind", most=MAX_NAME),
    )
    return _version("interview", version, "the rectification was not recorded")


def registration_register(
    store: Store, caller: Caller, *, today: date, registration: Mapping[str, Any]
) -> Answer:
    """Take a voluntary registration (自愿注册), stored as 自我声明."""
    caller.require_key(what="taking a voluntary registration")
    result = register(store, _whole(registration, "registration"), caller=caller, today=today)
    return _version("registration", result, "the registration was not stored", created=True)


def registration_verify(
    store: Store, caller: Caller, *, today: date, record_id: str, note: str | None = None
) -> Answer:
    """An authority verifies a registration (核实状态 已核实)."""
    caller.require_key(what="verifying a registration")
    result = verify_registration(
        store,
        identifier(record_id, "record_id"),
        caller=caller,
        today=today,
        note=optional_text(note, "note"),
    )
    return _version("registration", result, "the registration was not verified")


def timeline_audience(
    store: Store, caller: Caller, record_id: str, wanted: str | None
) -> TimelineAudience:
    """Admins and the record's own departments read it all (``wanted``: ``entity`` for the
    entity's view); a platform, acting for the entity, reads the entity's view."""
    caller.require_key(what="a timeline")
    try:
        view = TimelineAudience(wanted or TimelineAudience.FULL)
    except ValueError:
        raise InvalidRequestError(f"unknown view {wanted!r}; use full or entity") from None
    if caller.is_admin:
        return view
    if caller.role is Role.PLATFORM:
        return TimelineAudience.ENTITY
    if caller.role is Role.DEPARTMENT:
        try:
            payload = store.get(record_id).payload
        except UnknownRecordError:
            raise CaseNotFoundError(f"no record {record_id!r}") from None
        if any(caller.is_department(payload.get(f)) for f in OWN_FIELDS):
            return view
        raise NotAllowedError("this record is another department's")
    raise NotAllowedError("timelines need an admin, department or platform key")


def record_timeline(
    store: Store, caller: Caller, *, record_id: str, view: str | None = None
) -> Answer:
    """Every version, take-down and workflow step of a record, in change-log order."""
    rid = identifier(record_id, "record_id")
    audience = timeline_audience(store, caller, rid, view)
    items = timeline(store, rid, audience=audience)
    return Answer({"record_id": rid, "view": audience.value, "items": [i.to_dict() for i in items]})
