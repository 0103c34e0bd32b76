"""The workflow operations as the face tests run them: a fresh case per call, and each
operation's call on REST, GraphQL and the CLI with the roles docs/workflows.md allows.

Each setup stores a case for subject number ``i`` (its own records, so a step on one face
cannot change what the next face sees) and returns what the call needs (``rid``, ``case``,
``link``). Department roles are relative to the operation: ``dept-own`` is the department
it is for (``Op.own``), ``dept-other`` another one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faces import Call

from store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))
from wf_factory import (
    AMR,
    DRC,
    HRSS,
    PLATFORM,
    TODAY,
    commitment,
    dept,
    interview,
    list_entry,
    penalty,
    registration,
    resident_id,
    uscc,
)

from workflows import (
    apply_for_repair,
    file_objection,
    link_person,
    record_interview,
    register,
    start_verification,
)

Ctx = dict[str, Any]


def submit(store: Store, dataset: str, record: dict[str, Any]) -> str:
    result = store.submit(dataset, [(1, record)], actor="test:seed")
    (row,) = result.outcomes
    assert row.record_id is not None, result.issues
    return row.record_id


# -- setups: a fresh case for subject number i ---------------------------------------------


def penalty_case(store: Store, i: int) -> Ctx:
    rid = submit(store, "administrative-penalty", penalty(i))
    submit(store, "credit-commitment", commitment(i))
    return {"rid": rid, "i": i}


def pending_repair(store: Store, i: int) -> Ctx:
    ctx = penalty_case(store, i)
    case = apply_for_repair(
        store, ctx["rid"], applicant_name="申请人", obligations_fulfilled=True,
        evidence=["缴款凭证"], caller=PLATFORM, today=TODAY,
    )  # fmt: skip
    assert case.state.value == "pending", case.problems
    return {**ctx, "case": case.id}


def listed(store: Store, i: int) -> Ctx:
    return {"rid": submit(store, "serious-dishonesty-list", list_entry(i)), "i": i}


def objection(store: Store, i: int, *, verifying: bool = False) -> Ctx:
    rid = submit(store, "administrative-penalty", penalty(i))
    case = file_objection(
        store, rid, applicant_name="申请人", grounds="处罚对象错误", caller=PLATFORM, today=TODAY
    )
    if verifying:
        start_verification(store, case.id, caller=dept(AMR), today=TODAY)
    return {"rid": rid, "case": case.id, "i": i}


def linked(store: Store, i: int) -> Ctx:
    ctx = listed(store, i)
    link = link_person(
        store, ctx["rid"], person_name="实控人", role="实际控制人", caller=dept(HRSS)
    )
    return {**ctx, "link": link.link_id}


def interviewed(store: Store, i: int) -> Ctx:
    result = record_interview(store, interview(i), caller=dept(AMR), today=TODAY)
    return {"rid": result.record_id, "i": i}


def registered(store: Store, i: int) -> Ctx:
    return {"rid": register(store, registration(i), caller=PLATFORM, today=TODAY).record_id}


def nothing(store: Store, i: int) -> Ctx:
    return {"i": i}


# -- the operations ------------------------------------------------------------------------

S, B, I_, D, J = "String!", "Boolean!", "Int!", "Date", "JSON!"
GOVERNMENT = {"platform", "dept-own", "dept-other", "admin"}


@dataclass(frozen=True)
class Op:
    name: str
    setup: Callable[[Store, int], Ctx]
    call: Callable[[Ctx], Call]
    allowed: set[str]
    own: str | None = None


def _check(code: Callable[[Ctx], str]) -> Callable[[Ctx], Call]:
    return lambda c: Call(
        ("GET", f"/api/v1/checks?creditCode={code(c)}", None),
        ("query", "check", {"creditCode": (S, code(c))}),
        ["check", code(c)],
    )


# fmt: off
OPS = [
    Op("check-uscc", listed, _check(lambda c: uscc(c["i"])), GOVERNMENT | {"agency"}, HRSS[1]),
    Op("check-person", listed, _check(lambda c: resident_id(c["i"])), GOVERNMENT, HRSS[1]),
    Op(
        "repair-apply",
        penalty_case,
        lambda c: Call(
            ("POST", "/api/v1/repairs", {"record_id": c["rid"], "applicant_name": "甲",
             "obligations_fulfilled": True, "evidence": ["凭证"]}),
            ("mutation", "applyForRepair", {"recordId": (S, c["rid"]), "applicantName": (S, "甲"),
             "obligationsFulfilled": (B, True), "evidence": ("[String!]!", ["凭证"])}),
            ["repair", "apply", c["rid"], "--applicant", "甲", "--evidence", "凭证"],
        ),
        {"platform", "admin"},
        AMR[1],
    ),
    Op(
        "repair-decide",
        pending_repair,
        lambda c: Call(
            ("POST", f"/api/v1/repairs/{c['case']}/decision", {"approve": True}),
            ("mutation", "decideRepair", {"caseId": (S, c["case"]), "approve": (B, True)}),
            ["repair", "decide", c["case"], "--approve"],
        ),
        {"dept-own", "admin"},
        AMR[1],
    ),
    Op(
        "repair-show",
        pending_repair,
        lambda c: Call(
            ("GET", f"/api/v1/repairs/{c['case']}", None),
            ("query", "repairApplication", {"id": (S, c["case"])}),
            ["repair", "show", c["case"]],
        ),
        {"platform", "dept-own", "admin"},
        AMR[1],
    ),
    Op(
        "repair-list",
        pending_repair,
        lambda c: Call(
            ("GET", f"/api/v1/repairs?recordId={c['rid']}", None),
            ("query", "repairApplications", {"recordId": (S, c["rid"])}),
            ["repair", "list", "--record-id", c["rid"]],
        ),
        GOVERNMENT,
        AMR[1],
    ),
    Op(
        "objection-file",
        penalty_case,
        lambda c: Call(
            ("POST", "/api/v1/objections", {"record_id": c["rid"], "applicant_name": "甲",
             "grounds": "有误"}),
            ("mutation", "fileObjection", {"recordId": (S, c["rid"]), "applicantName": (S, "甲"),
             "grounds": (S, "有误")}),
            ["objection", "file", c["rid"], "--applicant", "甲", "--grounds", "有误"],
        ),
        {"platform", "admin"},
        AMR[1],
    ),
    Op(
        "objection-verify",
        objection,
        lambda c: Call(
            ("POST", f"/api/v1/objections/{c['case']}/verify", {"note": "受理"}),
            ("mutation", "verifyObjection", {"caseId": (S, c["case"])}),
            ["objection", "verify", c["case"]],
        ),
        {"dept-own", "admin"},
        AMR[1],
    ),
    Op(
        "objection-extend",
        lambda s, i: objection(s, i, verifying=True),
        lambda c: Call(
            ("POST", f"/api/v1/objections/{c['case']}/extension",
             {"working_days": 5, "reason": "情况复杂"}),
            ("mutation", "extendObjection", {"caseId": (S, c["case"]), "workingDays": (I_, 5),
             "reason": (S, "情况复杂")}),
            ["objection", "extend", c["case"], "--days", "5", "--reason", "情况复杂"],
        ),
        {"dept-own", "admin"},
        AMR[1],
    ),
    Op(
        "objection-outcome",
        lambda s, i: objection(s, i, verifying=True),
        lambda c: Call(
            ("POST", f"/api/v1/objections/{c['case']}/outcome", {"outcome": "upheld"}),
            ("mutation", "answerObjection", {"caseId": (S, c["case"]),
             "outcome": ("ObjectionOutcome!", "UPHELD")}),
            ["objection", "outcome", c["case"], "upheld"],
        ),
        {"dept-own", "admin"},
        AMR[1],
    ),
    Op(
        "objection-show",
        objection,
        lambda c: Call(
            ("GET", f"/api/v1/objections/{c['case']}", None),
            ("query", "objection", {"id": (S, c["case"])}),
            ["objection", "show", c["case"]],
        ),
        {"platform", "dept-own", "admin"},
        AMR[1],
    ),
    Op(
        "objection-list",
        objection,
        lambda c: Call(
            ("GET", f"/api/v1/objections?recordId={c['rid']}", None),
            ("query", "objections", {"recordId": (S, c["rid"])}),
            ["objection", "list", "--record-id", c["rid"]],
        ),
        GOVERNMENT,
        AMR[1],
    ),
    Op(
        "commitment-fulfil",
        lambda s, i: {"rid": submit(s, "credit-commitment", commitment(i)), "i": i},
        lambda c: Call(
            ("POST", f"/api/v1/commitments/{c['rid']}/fulfilment", {"status": "全部履行"}),
            ("mutation", "recordFulfilment", {"recordId": (S, c["rid"]),
             "status": (S, "全部履行")}),
            ["commitment", "fulfil", c["rid"], "--status", "全部履行"],
        ),
        {"dept-own", "admin"},
        DRC[1],
    ),
    Op(
        "listing-add",
        nothing,
        lambda c: Call(
            ("POST", "/api/v1/listings",
             {"dataset": "serious-dishonesty-list", "entry": list_entry(c["i"])}),
            ("mutation", "listEntry", {"dataset": (S, "serious-dishonesty-list"),
             "entry": (J, list_entry(c["i"]))}),
            ["listing", "add", "serious-dishonesty-list", "@entry"],
            {"entry": list_entry(c["i"])},
        ),
        {"dept-own", "admin"},
        HRSS[1],
    ),
    Op(
        "listing-remove",
        listed,
        lambda c: Call(
            ("POST", f"/api/v1/listings/{c['rid']}/removal", {"reason": "决定撤销"}),
            ("mutation", "removeEntry", {"recordId": (S, c["rid"]), "reason": (S, "决定撤销")}),
            ["listing", "remove", c["rid"], "--reason", "决定撤销"],
        ),
        {"dept-own", "admin"},
        HRSS[1],
    ),
    Op(
        "persons-list",
        linked,
        lambda c: Call(
            ("GET", f"/api/v1/listings/{c['rid']}/persons", None),
            ("query", "linkedPersons", {"recordId": (S, c["rid"])}),
            ["listing", "persons", c["rid"]],
        ),
        GOVERNMENT,
        HRSS[1],
    ),
    Op(
        "persons-link",
        listed,
        lambda c: Call(
            ("POST", f"/api/v1/listings/{c['rid']}/persons",
             {"person_name": "乙", "role": "主要负责人"}),
            ("mutation", "linkPerson", {"recordId": (S, c["rid"]), "personName": (S, "乙"),
             "role": (S, "主要负责人")}),
            ["listing", "link", c["rid"], "--name", "乙", "--role", "主要负责人"],
        ),
        {"dept-own", "admin"},
        HRSS[1],
    ),
    Op(
        "persons-unlink",
        linked,
        lambda c: Call(
            ("DELETE", f"/api/v1/person-links/{c['link']}", None),
            ("mutation", "unlinkPerson", {"linkId": (I_, c["link"])}),
            ["listing", "unlink", str(c["link"])],
        ),
        {"dept-own", "admin"},
        HRSS[1],
    ),
    Op(
        "interview-record",
        nothing,
        lambda c: Call(
            ("POST", "/api/v1/interviews", {"interview": interview(c["i"])}),
            ("mutation", "recordInterview", {"interview": (J, interview(c["i"]))}),
            ["interview", "record", "@interview"],
            {"interview": interview(c["i"])},
        ),
        {"dept-own", "admin"},
        AMR[1],
    ),
    Op(
        "interview-rectify",
        interviewed,
        lambda c: Call(
            ("POST", f"/api/v1/interviews/{c['rid']}/rectification", {"result": "已整改"}),
            ("mutation", "recordRectification", {"recordId": (S, c["rid"]),
             "result": (S, "已整改")}),
            ["interview", "rectify", c["rid"], "--result", "已整改"],
        ),
        {"dept-own", "admin"},
        AMR[1],
    ),
    Op(
        "registration-register",
        nothing,
        lambda c: Call(
            ("POST", "/api/v1/registrations", {"registration": registration(c["i"])}),
            ("mutation", "registerVoluntarily", {"registration": (J, registration(c["i"]))}),
            ["registration", "register", "@registration"],
            {"registration": registration(c["i"])},
        ),
        {"platform", "admin"},
        DRC[1],
    ),
    Op(
        "registration-verify",
        registered,
        lambda c: Call(
            ("POST", f"/api/v1/registrations/{c['rid']}/verification", None),
            ("mutation", "verifyRegistration", {"recordId": (S, c["rid"])}),
            ["registration", "verify", c["rid"]],
        ),
        GOVERNMENT,
        DRC[1],
    ),
    Op(
        "record-timeline",
        listed,
        lambda c: Call(
            ("GET", f"/api/v1/records/{c['rid']}/timeline", None),
            ("query", "timeline", {"recordId": (S, c["rid"])}),
            ["timeline", c["rid"]],
        ),
        {"platform", "dept-own", "admin"},
        HRSS[1],
    ),
]
# fmt: on
