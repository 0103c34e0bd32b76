"""Workflow steps killed with SIGKILL at a named fault point (tests/workflows/test_atomic_steps.py).

Run as ``python crash_steps.py URL SCENARIO INDEX KILL_AT``: the scenario's preconditions are
stored first (no fault hook), then the step runs with a hook that kills this process at the
``KILL_AT``-th fault point it passes (:mod:`workflows.transaction`); a step with fewer points
completes and the script prints ``done``. Before dying it prints the point's name.

Each scenario also says, from the reopened store, which parts of its step are present
(:func:`parts`): the test asserts all of them or none.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import national_factory  # noqa: E402
from sqlalchemy import select  # noqa: E402
from wf_factory import (  # noqa: E402
    AMR,
    DRC,
    HRSS,
    NOW,
    PLATFORM,
    TODAY,
    commitment,
    dept,
    interview,
    list_entry,
    penalty,
    registration,
)

from store import Store, open_store  # noqa: E402
from store.schema import objections, repair_applications  # noqa: E402
from workflows import (  # noqa: E402
    ObjectionState,
    RepairState,
    apply_for_repair,
    decide_repair,
    file_objection,
    import_national_results,
    list_objections,
    list_repairs,
    record_fulfilment,
    record_interview,
    record_outcome,
    register,
    remove_entry,
    start_verification,
    steps_of,
    verify_registration,
)
from workflows.transaction import set_fault_hook  # noqa: E402


def _put(store: Store, dataset: str, record: dict[str, Any]) -> str:
    result = store.submit(dataset, [(1, record)], actor="dept", now=NOW)
    rid = result.outcomes[0].record_id
    assert rid is not None and not result.rejected, result.issues
    return rid


def _steps(store: Store, record_id: str) -> list[str]:
    return [s.step for s in steps_of(store.engine, record_id=record_id)]


def _file(store: Store, rid: str) -> str:
    case = file_objection(
        store, rid, applicant_name="申请人", grounds="处罚对象错误", caller=PLATFORM, today=TODAY,
        now=NOW,
    )  # fmt: skip
    return case.id


def _repair(store: Store, rid: str) -> None:
    apply_for_repair(
        store, rid, applicant_name="申请人", obligations_fulfilled=True, evidence=["缴款凭证"],
        caller=PLATFORM, today=TODAY, now=NOW,
    )  # fmt: skip


def _entry_by_other_provider(i: int) -> dict[str, Any]:
    """A list entry decided by HRSS but provided by AMR (the objection's provider)."""
    return {**list_entry(i), "source_org_name": AMR[0], "source_org_uscc": AMR[1]}


@dataclass(frozen=True)
class Scenario:
    setup: Callable[[Store, int], Any]
    step: Callable[[Store, Any], Any]
    parts: Callable[[Store, Any], dict[str, bool]]


# -- repair ---------------------------------------------------------------------------------


def _repair_apply_setup(store: Store, i: int) -> str:
    rid = _put(store, "administrative-penalty", penalty(i))
    _put(store, "credit-commitment", commitment(i))
    return rid


def _repair_apply_parts(store: Store, rid: str) -> dict[str, bool]:
    return {"case": bool(list_repairs(store, record_id=rid)), "step": "filed" in _steps(store, rid)}


def _decide_setup(dataset: str) -> Callable[[Store, int], str]:
    def setup(store: Store, i: int) -> str:
        record = penalty(i) if dataset == "administrative-penalty" else list_entry(i)
        rid = _put(store, dataset, record)
        _put(store, "credit-commitment", commitment(i))
        _repair(store, rid)
        return rid

    return setup


def _decide(store: Store, rid: str) -> None:
    (case,) = list_repairs(store, record_id=rid)
    decider = dept(AMR) if case.dataset == "administrative-penalty" else dept(HRSS)
    decide_repair(store, case.id, approve=True, caller=decider, today=TODAY, now=NOW)


def _decide_parts(store: Store, rid: str) -> dict[str, bool]:
    (case,) = list_repairs(store, record_id=rid)
    stored = store.get(rid)
    found = {
        "approved": case.state is RepairState.APPROVED,
        "withdrawn": stored.withdrawn_reason == "repaired",
        "decided-step": "decided" in _steps(store, rid),
        "takedown-seq": case.takedown_seq is not None,
    }
    if case.dataset != "administrative-penalty":
        found["removal-version"] = stored.payload.get("removal_reason") == "信用修复"
        found["removed-step"] = "removed" in _steps(store, rid)
    return found


# -- objections -----------------------------------------------------------------------------


def _objection_parts(store: Store, rid: str) -> dict[str, bool]:
    cases = list_objections(store, record_id=rid)
    return {
        "case": bool(cases),
        "filed-step": "filed" in _steps(store, rid),
        "marked-step": "marked" in _steps(store, rid),
        "marked": store.get(rid).under_objection,
        "mark-seq": bool(cases) and cases[0].mark_seq is not None,
    }


def _filed(store: Store, i: int) -> str:
    rid = _put(store, "administrative-penalty", penalty(i))
    _file(store, rid)
    return rid


def _verify(store: Store, rid: str) -> None:
    (case,) = list_objections(store, record_id=rid)
    start_verification(store, case.id, caller=dept(AMR), today=TODAY, now=NOW)


def _verify_parts(store: Store, rid: str) -> dict[str, bool]:
    (case,) = list_objections(store, record_id=rid)
    return {
        "verifying": case.state is ObjectionState.VERIFYING,
        "step": "verifying" in _steps(store, rid),
    }


def _verifying(dataset: str) -> Callable[[Store, int], str]:
    def setup(store: Store, i: int) -> str:
        record = penalty(i) if dataset == "administrative-penalty" else _entry_by_other_provider(i)
        rid = _put(store, dataset, record)
        case_id = _file(store, rid)
        start_verification(store, case_id, caller=dept(AMR), today=TODAY, now=NOW)
        return rid

    return setup


def _revoke(store: Store, rid: str) -> None:
    (case,) = list_objections(store, record_id=rid)
    done = record_outcome(store, case.id, outcome="revoked", caller=dept(AMR), today=TODAY, now=NOW)
    assert done.ok, done.problems


def _revoke_parts(store: Store, rid: str) -> dict[str, bool]:
    (case,) = list_objections(store, record_id=rid)
    stored = store.get(rid)
    steps = _steps(store, rid)
    return {
        "revoked": case.state is ObjectionState.REVOKED,
        "withdrawn": stored.withdrawn_reason == "objection-upheld",
        "removal-version": stored.payload.get("removal_reason") == "异议更正",
        "outcome-step": "outcome" in steps,
        "removed-step": "removed" in steps,
        "unmarked": not stored.under_objection,
    }


def _correct(store: Store, rid: str) -> None:
    (case,) = list_objections(store, record_id=rid)
    fixed = {**store.get(rid).payload, "penalty_content": "罚款人民币3000元"}
    fixed["fine_amount_wan"] = "0.3000"
    done = record_outcome(
        store, case.id, outcome="corrected", caller=dept(AMR), today=TODAY, now=NOW,
        corrected_record=fixed,
    )  # fmt: skip
    assert done.ok, done.problems


def _correct_parts(store: Store, rid: str) -> dict[str, bool]:
    (case,) = list_objections(store, record_id=rid)
    stored = store.get(rid)
    return {
        "corrected": case.state is ObjectionState.CORRECTED,
        "new-content": stored.payload.get("penalty_content") == "罚款人民币3000元",
        "outcome-step": "outcome" in _steps(store, rid),
        "unmarked": not stored.under_objection,
    }


# -- listings, commitments, interviews, registrations ---------------------------------------


def _listed(store: Store, i: int) -> str:
    return _put(store, "serious-dishonesty-list", list_entry(i))


def _remove(store: Store, rid: str) -> None:
    done = remove_entry(
        store, rid, reason="revocation", removal_date=TODAY, caller=dept(HRSS), today=TODAY,
        now=NOW,
    )  # fmt: skip
    assert done.ok and done.takedown is not None, done.problems


def _remove_parts(store: Store, rid: str) -> dict[str, bool]:
    stored = store.get(rid)
    return {
        "version": stored.payload.get("status") == "已撤销",
        "withdrawn": stored.withdrawn_reason == "revoked",
        "step": "removed" in _steps(store, rid),
    }


def _promised(store: Store, i: int) -> str:
    return _put(store, "credit-commitment", commitment(i, kind="审批替代型"))


def _breach(store: Store, rid: str) -> None:
    done = record_fulfilment(
        store, rid, status="全部未履行", caller=dept(DRC), today=TODAY, now=NOW,
        unperformed_content="未在承诺期限内补齐材料", liability_pursued="撤销许可",
        decision_doc_no="武发改信认〔2026〕7号",
    )  # fmt: skip
    assert done.ok and done.listing is not None, done.problems


def _breach_parts(store: Store, rid: str) -> dict[str, bool]:
    stored = store.get(rid)
    steps = _steps(store, rid)
    listed = [r for r in store.by_uscc(stored.uscc or "") if r.dataset == "watch-list"]
    return {
        "version": stored.payload.get("fulfilment_status") == "全部未履行",
        "fulfilment-step": "fulfilment" in steps,
        "breach-step": "breach-listed" in steps,
        "listed": bool(listed),
        "listed-step": bool(listed) and "listed" in _steps(store, listed[0].record_id),
    }


def _interview(store: Store, rid: str) -> None:
    i = int(store.get(rid).payload["decision_doc_no"].split("〕")[1].rstrip("号"))
    done = record_interview(
        store, interview(i), caller=dept(AMR), today=TODAY, now=NOW, about_record_id=rid
    )
    assert done.ok, done.problems


def _interview_parts(store: Store, rid: str) -> dict[str, bool]:
    about = [s for s in steps_of(store.engine, record_id=rid) if s.step == "interview"]
    made = [r for r in store.by_uscc(store.get(rid).uscc or "") if r.dataset == "interview-record"]
    return {
        "record": bool(made),
        "record-step": bool(made) and "interview" in _steps(store, made[0].record_id),
        "about-step": bool(about),
    }


def _registered(store: Store, i: int) -> str:
    result = register(store, registration(i), caller=PLATFORM, today=TODAY, now=NOW)
    assert result.record_id is not None, result.problems
    return result.record_id


def _verify_registration(store: Store, rid: str) -> None:
    done = verify_registration(store, rid, caller=dept(DRC), today=TODAY, now=NOW)
    assert done.ok, done.problems


def _registration_parts(store: Store, rid: str) -> dict[str, bool]:
    return {
        "version": store.get(rid).payload.get("verification_status") == "已核实",
        "step": "verified" in _steps(store, rid),
    }


def _national_setup(store: Store, i: int) -> str:
    result = store.submit(
        "administrative-penalty", [(1, national_factory.penalty(i))], actor="dept", now=NOW
    )
    rid = result.outcomes[0].record_id
    assert rid is not None and not result.rejected, result.issues
    return rid


def _national(store: Store, rid: str) -> None:
    i = int(store.get(rid).payload["decision_doc_no"].split("〕")[1].rstrip("号"))
    receipt = import_national_results(
        store, [(1, national_factory.line(i))], caller=PLATFORM, now=national_factory.LATER
    )
    assert receipt.count("accepted") == 1, receipt.to_dict()


def _national_parts(store: Store, rid: str) -> dict[str, bool]:
    return {
        "withdrawn": store.get(rid).withdrawn_reason == "repair_national",
        "step": "national-result" in _steps(store, rid),
    }


SCENARIOS: dict[str, Scenario] = {
    "repair-apply": Scenario(_repair_apply_setup, _repair, _repair_apply_parts),
    "repair-decide": Scenario(_decide_setup("administrative-penalty"), _decide, _decide_parts),
    "repair-decide-list": Scenario(
        _decide_setup("serious-dishonesty-list"), _decide, _decide_parts
    ),
    "objection-file": Scenario(
        lambda st, i: _put(st, "administrative-penalty", penalty(i)),
        lambda st, rid: _file(st, rid),
        _objection_parts,
    ),
    "objection-verify": Scenario(_filed, _verify, _verify_parts),
    "objection-revoke-list": Scenario(
        _verifying("serious-dishonesty-list"), _revoke, _revoke_parts
    ),
    "objection-correct": Scenario(_verifying("administrative-penalty"), _correct, _correct_parts),
    "listing-remove": Scenario(_listed, _remove, _remove_parts),
    "commitment-breach": Scenario(_promised, _breach, _breach_parts),
    "interview": Scenario(
        lambda st, i: _put(st, "administrative-penalty", penalty(i)), _interview, _interview_parts
    ),
    "registration-verify": Scenario(_registered, _verify_registration, _registration_parts),
    "national-line": Scenario(_national_setup, _national, _national_parts),
}


def stranded(store: Store) -> list[str]:
    """Cases left in a transient state: a pending repair with a decider, a verifying
    objection with a reply, an open objection whose record is not marked."""
    found: list[str] = []
    r, o = repair_applications.c, objections.c
    with store.engine.connect() as conn:
        for (case_id,) in conn.execute(
            select(r.id).where(r.state == RepairState.PENDING.value, r.decided_by.is_not(None))
        ):
            found.append(f"repair {case_id} claimed but pending")
        for (case_id,) in conn.execute(
            select(o.id).where(
                o.state == ObjectionState.VERIFYING.value, o.provider_reply_at.is_not(None)
            )
        ):
            found.append(f"objection {case_id} answered but verifying")
        for case_id, record_id in conn.execute(
            select(o.id, o.record_id).where(
                o.state.in_([ObjectionState.SUBMITTED.value, ObjectionState.VERIFYING.value])
            )
        ):
            if not store.get(record_id).under_objection:
                found.append(f"objection {case_id} open but {record_id} unmarked")
    return found


def main(url: str, scenario: str, index: int, kill_at: int) -> None:
    chosen = SCENARIOS[scenario]
    store = open_store(url)
    ctx = chosen.setup(store, index)
    print(f"ctx {ctx}", flush=True)
    hits = 0

    def hook(name: str) -> None:
        nonlocal hits
        hits += 1
        if hits == kill_at:
            print(f"killed {name}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    set_fault_hook(hook)
    chosen.step(store, ctx)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
