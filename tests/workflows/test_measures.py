"""The measure list: valid data, the matching rules, idempotent publication as records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from wf_factory import NOW, TODAY

from store import Audience, Store, view
from workflows import (
    InvalidRequestError,
    ProceduresError,
    load_measures,
    publish_measures,
    read_measures,
)
from workflows.measures import MEASURES_FILE

SERIOUS, WATCH = "严重失信主体名单", "重点关注对象名单"


def test_the_list_is_national_base_list_shaped() -> None:
    measures = load_measures()
    assert len(measures.measures) >= 30
    classes = {m.measure_class for m in measures.measures}
    assert classes == {"1", "2", "3"}
    ids = [m.measure_id for m in measures.measures]
    assert len(ids) == len(set(ids))
    # watch-list entries carry no rights-reducing (class 1) measures (catalogue: watch-list)
    assert not [m for m in measures.measures if m.measure_class == "1" and WATCH in m.list_types]
    for m in measures.measures:
        assert m.legal_basis and m.implementer and m.scenarios


def test_every_scenario_of_the_schema_is_restricted_by_some_measure() -> None:
    measures = load_measures()
    for alias, scenario in measures.scenario_aliases.items():
        assert measures.matching(
            day=TODAY, scenario=scenario, list_type=SERIOUS
        ) or measures.matching(day=TODAY, scenario=scenario, ban_scope="行业"), alias


def test_matching_rules() -> None:
    measures = load_measures()
    procurement = {
        m.measure_id
        for m in measures.matching(day=TODAY, scenario="政府采购与招标投标", list_type=SERIOUS)
    }
    assert {"GJ-1-001", "GJ-1-002"} <= procurement
    assert "GJ-2-005" not in procurement  # a watch-list measure
    # an entry naming its measures gets only those
    named = measures.matching(
        day=TODAY, scenario=None, list_type=SERIOUS, named=["GJ-1-001", "GJ-1-012"]
    )
    assert {m.measure_id for m in named} == {"GJ-1-001", "GJ-1-012"}
    # ban measures apply through bans only
    assert "GJ-1-014" not in {
        m.measure_id for m in measures.matching(day=TODAY, scenario="市场准入", list_type=SERIOUS)
    }
    assert {
        m.measure_id for m in measures.matching(day=TODAY, scenario="市场准入", ban_scope="行业")
    } == {"GJ-1-014"}
    # a repealed measure never applies, not even inside its old validity
    assert "WH-1-001" not in {
        m.measure_id
        for m in measures.matching(day=date(2020, 6, 1), scenario="财政资金", list_type=SERIOUS)
    }
    # persons_only keeps the measures that reach linked persons
    flights = measures.matching(
        day=TODAY, scenario="乘坐飞机与高铁", list_type=SERIOUS, persons_only=True
    )
    assert [m.measure_id for m in flights] == ["GJ-1-012"]
    assert not measures.matching(
        day=TODAY, scenario="政府采购与招标投标", list_type=SERIOUS, persons_only=True
    )
    # a measure not yet in force does not apply
    assert not measures.matching(
        day=date(2021, 6, 1), scenario="政府采购与招标投标", list_type=SERIOUS
    )


def test_scenarios_accept_aliases_and_other() -> None:
    measures = load_measures()
    assert measures.scenario("procurement") == "政府采购与招标投标"
    assert measures.scenario("Flights-Rail") == "乘坐飞机与高铁"
    assert measures.scenario("评优评先") == "评优评先"
    assert measures.scenario("其他-房屋租赁") == "其他-房屋租赁"
    assert measures.scenario(None) is None and measures.scenario(" ") is None
    with pytest.raises(InvalidRequestError, match="unknown scenario"):
        measures.scenario("lottery")
    with pytest.raises(InvalidRequestError):
        measures.scenario("其他-")


def _edited(tmp_path: Path, edit: object) -> Path:
    data = yaml.safe_load(MEASURES_FILE.read_text("utf-8"))
    edit(data)  # type: ignore[operator]
    path = tmp_path / "measures.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_invalid_files_are_refused_with_every_problem(tmp_path: Path) -> None:
    def structure(data: dict) -> None:  # type: ignore[type-arg]
        data["measures"][0]["measure_class"] = "4"
        del data["measures"][1]["implementer"]

    with pytest.raises(ProceduresError) as caught:
        read_measures(_edited(tmp_path, structure))
    assert "/measures/0/measure_class" in caught.value.message
    assert "/measures/1" in caught.value.message

    def record_level(data: dict) -> None:  # type: ignore[type-arg]
        data["measures"][0]["scenarios"] = ["抽奖"]  # not a scenario of the record schema
        data["measures"][2]["measure_id"] = data["measures"][3]["measure_id"]

    with pytest.raises(ProceduresError) as caught:
        read_measures(_edited(tmp_path, record_level))
    assert "GJ-1-001: scenarios" in caught.value.message
    assert "duplicate measure_id" in caught.value.message


def test_publication_is_idempotent_and_versioned(store: Store, tmp_path: Path) -> None:
    first = publish_measures(store, now=NOW)
    assert first.new == len(load_measures().measures) and first.unchanged == 0
    head = store.head()
    again = publish_measures(store, now=NOW)
    assert (again.new, again.updated, again.withdrawn) == (0, 0, 0)
    assert again.unchanged == first.new and store.head() == head

    def revise(data: dict) -> None:  # type: ignore[type-arg]
        data["version"] = "2026.2"
        data["measures"][0]["implementer"] = "各级财政部门、采购人、采购代理机构"
        data["measures"] = [m for m in data["measures"] if m["measure_id"] != "GJ-3-002"]

    revised = read_measures(_edited(tmp_path, revise))
    result = publish_measures(store, revised, now=NOW)
    assert (result.new, result.updated, result.withdrawn) == (0, 1, 1)
    first_measure = store.records("punishment-measures", filters={"measure_id": "GJ-1-001"})[0]
    assert first_measure.version == 2
    assert [e.version for e in store.history(first_measure.record_id)] == [1, 2]
    dropped = store.records("punishment-measures", state="withdrawn")
    assert [s.payload["measure_id"] for s in dropped] == ["GJ-3-002"]
    assert dropped[0].withdrawn_reason == "revoked"


def test_published_measures_are_public(store: Store) -> None:
    publish_measures(store, now=NOW)
    shown = [
        view(s, Audience.PUBLIC, today=TODAY)
        for s in store.records("punishment-measures", limit=100)
    ]
    assert all(v is not None for v in shown)
    by_id = {v["measure_id"]: v for v in shown if v}
    assert by_id["GJ-1-001"]["source_org_uscc"] == load_measures().publisher_uscc
    assert "ban_scopes" not in by_id["GJ-1-014"] and "persons" not in by_id["GJ-1-014"]
    assert by_id["WH-1-001"]["status"] == "已废止"
