"""Synthetic records for every catalogue dataset are valid, deterministic and realistic: codes
pass their check characters, entities spread over every district, penalties fall under every
rule generation. Also: value aliases never rewrite a value that is already a valid choice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from catalog import load_catalog
from demo import DISTRICTS, generate, population, sizes
from publishers import Intake, RecordValidator
from schemas import is_valid_resident_id, is_valid_uscc

POP = population(300, seed=5)
SIZES = sizes(300)


def records(dataset: str) -> list[dict[str, Any]]:
    return list(generate(dataset, SIZES.get(dataset, 0), pop=POP, seed=3))


@pytest.mark.parametrize("dataset", load_catalog().ids())
def test_every_generated_record_is_valid_with_a_unique_key(dataset: str) -> None:
    made = records(dataset)
    assert made
    entry = load_catalog()[dataset]
    if dataset == "catalogue":  # built from the catalogue files: checked as they are
        validator = RecordValidator(entry.schema_id)
        assert [validator.check(r, row=1) for r in made] == [[]] * len(made)
        return
    intake = Intake(dataset)
    checked = list(intake.records(made))
    problems = [i.to_dict() for i in intake.report.issues]
    assert all(row.valid for row in checked), problems[:3]
    assert not problems, problems[:3]
    ids = Counter(entry.record_id(row.record) for row in checked if row.record)
    assert None not in ids and max(ids.values()) == 1


def test_generation_is_deterministic() -> None:
    again = population(300, seed=5)
    for dataset in ("credit-commitment", "market-ban", "administrative-levy", "watch-list"):
        first = list(generate(dataset, 30, pop=POP, seed=9))
        assert first == list(generate(dataset, 30, pop=again, seed=9))
        assert first != list(generate(dataset, 30, pop=POP, seed=10))


def test_entities_cover_every_district_with_valid_codes() -> None:
    pop = population(1000, seed=11)
    assert {e["division_code"] for e in pop.entities.items} == set(DISTRICTS)
    codes = [e["uscc"] for e in pop.entities.items if "uscc" in e]
    assert len(set(codes)) == len(codes) and all(is_valid_uscc(c) for c in codes)
    assert {c[2:8] for c in codes} == set(DISTRICTS)
    people = [e["person_id_no"] for e in pop.entities.items if "person_id_no" in e]
    assert people and all(is_valid_resident_id(p) for p in people)
    assert all(is_valid_uscc(code) for _, _, code in pop.others)


def test_penalties_fall_under_every_rule_generation() -> None:
    made = list(generate("administrative-penalty", 600, pop=POP, seed=1))
    dates = [r["decision_date"] for r in made]
    assert any(d < "2023-05-01" for d in dates)  # 发改办财金〔2019〕527号
    assert any("2023-05-01" <= d <= "2026-03-31" for d in dates)  # 国家发展改革委令第58号
    assert any(d >= "2026-04-01" for d in dates)  # 国家发展改革委令第36号


def test_sizes_grow_with_the_population() -> None:
    small, large = sizes(100), sizes(3000)
    assert set(small) == set(large)
    assert all(large[d] > small[d] for d in small)
    assert large["administrative-penalty"] == 6000


def test_an_alias_never_rewrites_a_valid_choice() -> None:
    """``status`` aliases (有效 → "1") are for licences; a list entry's 有效 is a choice."""
    listing = records("serious-dishonesty-list")[0]
    intake = Intake("serious-dishonesty-list")
    [row] = list(intake.records([listing]))
    assert row.valid and row.record is not None and row.record["status"] == "有效"
    licence = dict(records("administrative-licensing")[0], status="有效")
    intake = Intake("administrative-licensing")
    [row] = list(intake.records([licence]))
    assert row.valid and row.record is not None and row.record["status"] == "1"
    assert [i.code for i in intake.report.issues] == ["legacy-value"]
