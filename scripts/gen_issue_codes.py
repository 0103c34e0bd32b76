"""Regenerate docs/issue-codes.md from publishers/issue-codes.yaml (the single source)."""

from __future__ import annotations

import sys
from pathlib import Path

from publishers import issue_codes

HEADER = """# Issue codes (问题代码)

Every issue in a validation report or a submission receipt carries one of these stable,
kebab-case codes. This page is generated from `publishers/issue-codes.yaml` by
`python scripts/gen_issue_codes.py`; a test fails when the two disagree.

| code | severity | level | title | 名称 | description |
|---|---|---|---|---|---|
"""


def render() -> str:
    rows = [
        f"| `{c.code}` | {c.severity} | {c.level} | {c.title} | {c.title_zh} | {c.description} |"
        for c in issue_codes().values()
    ]
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "issue-codes.md"
    target.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
