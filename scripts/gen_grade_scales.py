"""Rewrite the credit-evaluation schema's grade code list and grade-scale rule from
schemas/data/grade-scales.yaml (the single source); a test fails when the two disagree."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from schemas.grades import RULE_ID, grade_definition, grade_scale_rules, load_grade_scales

TARGET = (
    Path(__file__).resolve().parent.parent / "schemas" / "json" / "credit-evaluation.schema.json"
)


def render(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ``$defs/grade`` and the grade-scale rule derived from the data."""
    scales = load_grade_scales()
    out = dict(document)
    out["$defs"] = {**document["$defs"], "grade": grade_definition(scales)}
    rules = [r for r in document.get("allOf", []) if r.get("x-rule") != RULE_ID]
    out["allOf"] = [*rules, *grade_scale_rules(scales)]
    return out


if __name__ == "__main__":
    current = json.loads(TARGET.read_text("utf-8"))
    TARGET.write_text(json.dumps(render(current), ensure_ascii=False, indent=2) + "\n", "utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")
