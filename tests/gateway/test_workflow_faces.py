"""Every workflow operation on every face, with every role: REST, GraphQL and the CLI allow and
refuse the same callers with the same status and problem codes — and those are the roles of
docs/workflows.md.

Each operation of :data:`face_ops.OPS` runs, for each role, on each face from a fresh case (its
own records, so one face's step cannot change what the next face sees); the outcomes
(``"ok"`` or ``(status, codes)``, :mod:`faces`) must be equal across the faces and equal to
the declared roles: allowed → ``ok``, no key → 401 ``key-required``, any other role → 403
``not-allowed``. The CLI has no "no key" caller (it acts as an admin or as a key), so the
public is compared on REST and GraphQL only. Then the expected refusals (422 with the
procedure's codes, 404, 409, 400) are compared the same way, and what the CLI writes in the
logs names the real actor.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from face_ops import (
    I_,
    OPS,
    Ctx,
    J,
    Op,
    S,
    listed,
    nothing,
    objection,
    pending_repair,
    submit,
)
from faces import ROLES, Call, Faces
from rest_helpers import NO_LIMITS, serving
from wf_factory import AMR, HRSS, TAX, TODAY, commitment, interview, list_entry, penalty

from gateway.app import create_app
from gateway.settings import Settings
from store import Role, Store, create_key, open_store
from workflows import steps_of

FACES = ("rest", "graphql", "cli")


def serve_faces(url: str, tmp_path: Path) -> Iterator[Faces]:
    app = create_app(Settings(db=url, today=TODAY.isoformat(), **NO_LIMITS), store=open_store(url))
    with serving(app) as api:
        yield Faces(api, url, tmp_path, TODAY.isoformat())


@pytest.fixture
def faces(tmp_path: Path) -> Iterator[Faces]:
    yield from serve_faces(f"sqlite:///{tmp_path / 'faces.sqlite'}", tmp_path)


@pytest.fixture
def faces_on(db_url: str, tmp_path: Path) -> Iterator[Faces]:
    """The faces on SQLite and on PostgreSQL."""
    yield from serve_faces(db_url, tmp_path)


def expected(op: Op, role: str) -> Any:
    if role in op.allowed:
        return "ok"
    return (401, ["key-required"]) if role == "public" else (403, ["not-allowed"])


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_every_face_allows_and_refuses_the_same_roles(faces: Faces, op: Op) -> None:
    compare_roles(faces, op, itertools.count(1))


STEPS_ON_BOTH = ("repair-decide", "objection-outcome", "listing-remove", "registration-verify")


def test_the_faces_agree_on_both_databases(faces_on: Faces) -> None:
    """The steps that change records, on SQLite and on PostgreSQL (the same rules, the same
    transactions under every face)."""
    numbers = itertools.count(1)  # one store: every case its own subject
    for op in OPS:
        if op.name in STEPS_ON_BOTH:
            compare_roles(faces_on, op, numbers)


def compare_roles(faces: Faces, op: Op, numbers: Iterator[int]) -> None:
    """Each role on each face from a fresh case: the outcomes agree with each other and with
    the declared roles."""
    other = TAX[1] if op.own != TAX[1] else AMR[1]
    for role_name in ROLES:
        role, department = faces.who(role_name, op.own, other)
        seen = {}
        for face in FACES:
            if face == "cli" and role is None:
                continue  # the command line always has an identity
            ctx = op.setup(faces.api.store, next(numbers))
            seen[face] = faces.run(face, op.call(ctx), role, department)
        want = expected(op, role_name)
        assert all(o == want for o in seen.values()), (op.name, role_name, seen)


# -- refusals: the procedure's problems and the errors, the same on every face ---------------


@dataclass(frozen=True)
class Refusal:
    name: str
    setup: Callable[[Store, int], Ctx]
    call: Callable[[Ctx], Call]
    want: tuple[int, list[str]]


def no_commitment(store: Store, i: int) -> Ctx:
    return {"rid": submit(store, "administrative-penalty", penalty(i)), "i": i}


# fmt: off
REFUSALS = [
    Refusal(
        "repair-without-commitment",
        no_commitment,
        OPS[2].call,
        (422, ["repair-no-commitment"]),
    ),
    Refusal(
        "correction-invalid",
        lambda s, i: objection(s, i, verifying=True),
        lambda c: Call(
            ("POST", f"/api/v1/objections/{c['case']}/outcome", {"outcome": "corrected",
             "corrected_record": {**penalty(c["i"]), "decision_date": "2025-02-30"}}),
            ("mutation", "answerObjection", {"caseId": (S, c["case"]),
             "outcome": ("ObjectionOutcome!", "CORRECTED"),
             "correctedRecord": ("JSON", {**penalty(c["i"]), "decision_date": "2025-02-30"})}),
            ["objection", "outcome", c["case"], "corrected", "--corrected-record", "@fixed"],
            {"fixed": {**penalty(c["i"]), "decision_date": "2025-02-30"}},
        ),
        (422, ["correction-invalid"]),
    ),
    Refusal(
        "breach-needs-decision",
        lambda s, i: {"rid": submit(s, "credit-commitment", commitment(i, kind="审批替代型"))},
        lambda c: Call(
            ("POST", f"/api/v1/commitments/{c['rid']}/fulfilment", {"status": "全部未履行"}),
            ("mutation", "recordFulfilment", {"recordId": (S, c["rid"]),
             "status": (S, "全部未履行")}),
            ["commitment", "fulfil", c["rid"], "--status", "全部未履行"],
        ),
        (422, ["breach-needs-decision"]),
    ),
    Refusal(
        "interview-not-government",
        nothing,
        lambda c: Call(
            ("POST", "/api/v1/interviews",
             {"interview": interview(c["i"], publication_scope="社会公开")}),
            ("mutation", "recordInterview",
             {"interview": (J, interview(c["i"], publication_scope="社会公开"))}),
            ["interview", "record", "@interview"],
            {"interview": interview(c["i"], publication_scope="社会公开")},
        ),
        (422, ["interview-not-government"]),
    ),
    Refusal(
        "unknown-case",
        nothing,
        lambda c: Call(
            ("GET", "/api/v1/repairs/rep-nosuch", None),
            ("query", "repairApplication", {"id": (S, "rep-nosuch")}),
            ["repair", "show", "rep-nosuch"],
        ),
        (404, ["not-found"]),
    ),
    Refusal(
        "decided-twice",
        lambda s, i: objection(s, i),
        lambda c: Call(
            ("POST", f"/api/v1/objections/{c['case']}/outcome", {"outcome": "revoked"}),
            ("mutation", "answerObjection", {"caseId": (S, c["case"]),
             "outcome": ("ObjectionOutcome!", "REVOKED")}),
            ["objection", "outcome", c["case"], "revoked"],
        ),
        (409, ["state-conflict"]),
    ),
    Refusal(
        "extension-too-long",
        lambda s, i: objection(s, i, verifying=True),
        lambda c: Call(
            ("POST", f"/api/v1/objections/{c['case']}/extension",
             {"working_days": 11, "reason": "复杂"}),
            ("mutation", "extendObjection", {"caseId": (S, c["case"]), "workingDays": (I_, 11),
             "reason": (S, "复杂")}),
            ["objection", "extend", c["case"], "--days", "11", "--reason", "复杂"],
        ),
        (400, ["invalid-request"]),
    ),
    Refusal(
        "note-too-long",
        listed,
        lambda c: Call(
            ("POST", f"/api/v1/listings/{c['rid']}/removal", {"reason": "revocation",
             "note": "x" * 5000}),
            ("mutation", "removeEntry", {"recordId": (S, c["rid"]), "reason": (S, "revocation"),
             "note": ("String", "x" * 5000)}),
            ["listing", "remove", c["rid"], "--reason", "revocation", "--note", "x" * 5000],
        ),
        (400, ["invalid-request"]),
    ),
]
# fmt: on


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.name for r in REFUSALS])
def test_every_face_refuses_with_the_same_codes(faces: Faces, refusal: Refusal) -> None:
    numbers = itertools.count(1)
    seen = {}
    for face in FACES:
        ctx = refusal.setup(faces.api.store, next(numbers))
        seen[face] = faces.run(face, refusal.call(ctx), *faces.who("admin", None, ""))
    if refusal.name == "note-too-long":  # REST's own validation: the declared limit
        assert seen.pop("rest")[0] == 400
    assert all(o == refusal.want for o in seen.values()), (refusal.name, seen)


def test_the_logs_name_who_acted_on_each_face(faces: Faces) -> None:
    """REST and the CLI with a key name the key; the CLI without one names its --actor as an
    admin — never an anonymous admin for a department's step."""
    store = faces.api.store
    for i, (face, extra) in enumerate(
        [("rest", []), ("cli", []), ("cli-actor", ["--actor", "cli:clerk-wang"])], start=900
    ):
        ctx = objection(store, i)
        call = OPS[7].call(ctx)
        if face == "cli-actor":
            call = Call(call.rest, call.graphql, call.cli + extra)
            assert faces.run("cli", call, None, None) == "ok"
        else:
            assert faces.run(face, call, *faces.who("dept-own", AMR[1], "")) == "ok"
        (step,) = [s for s in steps_of(store.engine, record_id=ctx["rid"]) if s.step == "verifying"]
        if face == "cli-actor":
            assert (step.actor, step.role) == ("cli:clerk-wang", "admin")
        else:
            assert step.actor.startswith("key:") and step.actor.endswith("test department")
            assert step.role == "department", face


def test_the_graphql_case_is_the_rest_case(faces: Faces) -> None:
    """GraphQL's types are built from REST's body: the same case, field for field."""
    ctx = pending_repair(faces.api.store, 950)
    rest = faces.api.json(f"/api/v1/repairs/{ctx['case']}", role=faces.who("admin", None, "")[0])
    query = """query($id: String!) { repairApplication(id: $id) { __typename
      ... on RepairApplication { id recordId state authorityUscc evidence decisionDue } } }"""
    r = faces.api.post("/graphql", json={"query": query, "variables": {"id": ctx["case"]}},
                       role=faces.who("admin", None, "")[0])  # fmt: skip
    node = r.json()["data"]["repairApplication"]
    case = rest["application"]
    assert node["__typename"] == "RepairApplication"
    assert (node["id"], node["recordId"], node["authorityUscc"], node["evidence"]) == (
        case["id"], case["record_id"], case["authority_uscc"], case["evidence"],
    )  # fmt: skip
    assert node["state"] == "PENDING" and case["state"] == "pending"
    assert node["decisionDue"] == case["decision_due"]


def test_a_whole_objection_across_the_faces(faces: Faces) -> None:
    """Filed over GraphQL, verified from the command line, answered over REST: one case."""
    store = faces.api.store
    rid = submit(store, "serious-dishonesty-list", list_entry(960))
    platform = faces.who("platform", None, "")
    filed = faces.api.post("/graphql", role=platform[0], json={
        "query": """mutation($r: String!) { fileObjection(recordId: $r, applicantName: "甲",
          grounds: "工资已支付") { __typename ... on Objection { id state verifyDue } } }""",
        "variables": {"r": rid},
    }).json()["data"]["fileObjection"]  # fmt: skip
    assert filed["__typename"] == "Objection" and filed["state"] == "SUBMITTED"
    own = faces.who("dept-own", HRSS[1], "")
    call = Call(("", "", None), ("", "", {}), ["objection", "verify", filed["id"]])
    assert faces.cli(call, *own) == "ok"
    r = faces.api.post(
        f"/api/v1/objections/{filed['id']}/outcome",
        role=own[0],
        department=own[1],
        json={"outcome": "revoked", "note": "异议成立"},
    )
    assert r.status_code == 200 and r.json()["objection"]["state"] == "revoked", r.text
    steps = [s.step for s in steps_of(store.engine, record_id=rid)]
    assert steps == ["filed", "marked", "verifying", "removed", "outcome"]
    assert store.get(rid).withdrawn_reason == "objection-upheld"


def test_the_command_line_itself(tmp_path: Path) -> None:
    """The installed ``creditgate``, as a clerk would run it: exit 1 with the reasons when the
    procedure refuses, 2 when the key may not, 0 and REST's body with ``--json``."""
    exe = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    with open_store(url) as store:
        rid = submit(store, "administrative-penalty", penalty(970))
        keys = {}
        for role in (Role.PLATFORM, Role.AGENCY):
            keys[role] = tmp_path / f"{role.value}.key"
            keys[role].write_text(create_key(store.engine, role=role, name=role.value)[1])
    common = ["--db", url, "--today", TODAY.isoformat()]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)

    apply = ["repair", "apply", rid, "--applicant", "甲", "--evidence", "缴款凭证", *common]
    refused = run(*apply, "--key-file", str(keys[Role.PLATFORM]))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "repair-no-commitment" in refused.stderr and "信用修复型" in refused.stderr
    barred = run(*apply, "--key-file", str(keys[Role.AGENCY]), "--json")
    assert barred.returncode == 2, barred.stdout + barred.stderr
    assert json.loads(barred.stdout)["errors"][0]["code"] == "not-allowed"
    shown = run("timeline", rid, "--db", url, "--json")
    assert shown.returncode == 0, shown.stderr
    answer = json.loads(shown.stdout)
    assert answer["ok"] and answer["view"] == "full"
    assert [i.get("step") or i["kind"] for i in answer["items"]] == ["version", "filed"]
