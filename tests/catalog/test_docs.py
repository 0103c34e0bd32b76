"""docs/catalogue.md agrees with the catalogue it documents."""

from __future__ import annotations

import re
from pathlib import Path

from catalog import load_catalog, record_id_for

DOC = (Path(__file__).resolve().parents[2] / "docs" / "catalogue.md").read_text("utf-8")


def cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_dataset_table_matches_the_catalogue() -> None:
    header = "| id | 中文名 | openness | schema | key | rule |"
    table = DOC.split(header, 1)[1].strip().split("\n\n", 1)[0]
    rows = [cells(line) for line in table.splitlines()[1:]]
    expected = []
    for e in load_catalog().values():
        key = " + ".join(
            f"`{p}`" if isinstance(p, str) else "(" + r" \| ".join(f"`{m}`" for m in p) + ")"
            for p in e.natural_key
        )
        expected.append(
            [
                f"`{e.id}`",
                e.title_zh,
                f"{e.openness.value} ({e.openness.zh})",
                f"`{e.schema_id}` {e.schema_version}",
                key,
                f"`{e.publication_rule}`",
            ]
        )
    assert rows == expected


def test_documented_record_id_example_holds() -> None:
    key = ["11420100MB1320102J", "武市监罚〔2024〕1号", "914201007713589677"]
    assert f'== "{record_id_for("administrative-penalty", key)}"' in DOC
