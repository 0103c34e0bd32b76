"""A breach lists only where the commitment type carries a configured basis; else it is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from wf_factory import DRC, PLATFORM, commitment, dept, uscc

from schemas import schema_document
from store import Store
from workflows import (
    CheckIndex,
    ProceduresError,
    load_commitment_types,
    read_commitment_types,
    record_fulfilment,
    steps_of,
    timeline,
)
from workflows.commitment_types import COMMITMENT_TYPES_FILE

TODAY = date(2027, 3, 15)
NOW = datetime(2027, 3, 15, 2, 0, tzinfo=UTC)
MADE = date(2027, 1, 11)


def _store(store: Store, record: dict[str, Any]) -> str:
    result = store.submit("credit-commitment", [(1, record)], actor="dept", now=NOW)
    rid = result.outcomes[0].record_id
    assert rid is not None and result.ok, result.issues
    return rid


def _breach(store: Store, rid: str, **extra: Any) -> Any:
    return record_fulfilment(
        store,
        rid,
        status="全部未履行",
        caller=dept(DRC),
        today=TODAY,
        now=NOW,
        unperformed_content="未在承诺期限内补齐材料",
        liability_pursued="终止办理",
        **extra,
    )


def test_the_types_are_the_schema_code_list() -> None:
    node = schema_document("credit-commitment")["$defs"]["commitment_type"]
    named = set(node["anyOf"][0]["enum"])
    types = load_commitment_types()
    assert named <= set(types.types), named - set(types.types)
    assert {name for name in types.types if not name.startswith("其他-")} == named
    assert {n for n, t in types.types.items() if t.lists} == {"审批替代型", "证明事项型"}
    assert not types.other.lists
    for kind in types.types.values():
        assert kind.basis and kind.breach and kind.source, kind.name


@pytest.mark.parametrize("kind", ["审批替代型", "证明事项型"])
def test_a_type_with_a_basis_lists(store: Store, kind: str) -> None:
    rid = _store(store, commitment(31, kind=kind, made=MADE))
    refused = _breach(store, rid)
    assert [p.code for p in refused.problems] == ["breach-needs-decision"]
    result = _breach(store, rid, decision_doc_no="武发改信认〔2027〕3号")
    assert result.ok, result.problems
    assert result.breach is not None and result.breach.name == kind
    assert result.listing is not None and result.listing.record_id is not None
    entry = store.get(result.listing.record_id)
    basis = load_commitment_types().of(kind).listing
    assert basis is not None
    assert entry.dataset == basis.dataset == "watch-list"
    assert entry.payload["listing_basis"].startswith(basis.listing_basis)
    assert entry.payload["valid_to"] == "2028-03-15"
    assert CheckIndex(store).check(uscc(31), "approvals", today=TODAY, caller=PLATFORM).restricted
    steps = steps_of(store.engine, record_id=rid)
    assert [s.step for s in steps] == ["fulfilment", "breach-listed"]
    assert steps[1].details["consequence"] == "listed"
    assert steps[1].details["listing_record_id"] == entry.record_id
    assert result.to_dict()["breach"]["consequence"] == "listed"


@pytest.mark.parametrize(
    "kind", ["容缺受理型", "信用修复型", "行业自律型", "主动型", "其他-质量承诺"]
)
def test_a_type_without_a_basis_is_recorded_not_listed(store: Store, kind: str) -> None:
    rid = _store(store, commitment(32, kind=kind, made=MADE))
    head = store.head()
    result = _breach(store, rid)  # no decision document is needed: nothing is listed
    assert result.ok, result.problems
    assert result.listing is None
    assert result.breach is not None and not result.breach.lists
    assert result.to_dict()["breach"]["consequence"] == "recorded"
    stored = store.get(rid)
    assert stored.version == 2 and stored.payload["fulfilment_status"] == "全部未履行"
    assert {e.dataset for e in store.changes(after=head)} == {"credit-commitment"}
    check = CheckIndex(store).check(uscc(32), "approvals", today=TODAY, caller=PLATFORM)
    assert not check.restricted and not check.entries
    items = timeline(store, rid)
    steps = [i for i in items if i.kind == "step"]
    assert [s.step for s in steps] == ["fulfilment", "breach-recorded"]
    recorded = steps[1]
    assert recorded.state_to == "全部未履行" and recorded.why == result.breach.breach
    assert recorded.details is not None and recorded.details["consequence"] == "recorded"
    assert recorded.details["basis"] == result.breach.basis
    entity = [i for i in timeline(store, rid, audience="entity") if i.kind == "step"]
    assert entity[1].step == "breach-recorded" and entity[1].why == result.breach.breach


def test_a_given_decision_document_is_kept_on_the_recorded_step(store: Store) -> None:
    rid = _store(store, commitment(33, kind="容缺受理型", made=MADE))
    result = _breach(store, rid, decision_doc_no="武发改信认〔2027〕5号")
    assert result.ok and result.listing is None
    step = steps_of(store.engine, record_id=rid)[-1]
    assert step.details["decision_doc_no"] == "武发改信认〔2027〕5号"


def test_the_configuration_decides(store: Store, tmp_path: Path) -> None:
    """A deployment that gives 容缺受理型 a basis lists its breaches; one that removes the
    basis of 审批替代型 only records them."""
    data = yaml.safe_load(COMMITMENT_TYPES_FILE.read_text("utf-8"))
    data["types"]["容缺受理型"]["listing"] = data["types"]["审批替代型"].pop("listing")
    path = tmp_path / "commitment-types.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    types = read_commitment_types(path)
    listed = _store(store, commitment(34, kind="容缺受理型", made=MADE))
    result = _breach(store, listed, decision_doc_no="武发改信认〔2027〕6号", commitment_types=types)
    assert result.listing is not None and result.listing.record_id is not None
    recorded = _store(store, commitment(35, kind="审批替代型", made=MADE))
    result = _breach(store, recorded, commitment_types=types)
    assert result.ok and result.listing is None


def test_the_file_is_validated(tmp_path: Path) -> None:
    data = yaml.safe_load(COMMITMENT_TYPES_FILE.read_text("utf-8"))
    data["types"]["审批替代型"]["listing"]["dataset"] = "market-ban"
    data["types"]["承诺型"] = data["types"]["主动型"]
    data["other"]["listing"] = data["types"]["证明事项型"]["listing"]
    bad = tmp_path / "commitment-types.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ProceduresError) as caught:
        read_commitment_types(bad)
    message = caught.value.message
    assert "/types/审批替代型/listing/dataset" in message
    assert "承诺型" in message and "/other" in message
