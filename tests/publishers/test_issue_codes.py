"""Every issue code is documented, and every code the code base emits exists in the table."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from publishers import issue_codes, make_issue

ROOT = Path(__file__).resolve().parents[2]


def test_docs_page_is_generated_from_the_table() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, 'scripts'); "
            "import gen_issue_codes as g; sys.stdout.write(g.render())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (ROOT / "docs" / "issue-codes.md").read_text("utf-8") == result.stdout, (
        "run `python scripts/gen_issue_codes.py`"
    )


def test_codes_are_kebab_case_and_render_in_both_languages() -> None:
    for code, spec in issue_codes().items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code)
        issue = make_issue(code, row=1, field="uscc", value="x", label="统一社会信用代码")
        assert issue.message and issue.message_zh
        assert "{" not in issue.message and "{" not in issue.message_zh
        assert spec.severity in ("error", "warning")


def test_every_code_used_in_the_source_is_in_the_table() -> None:
    known = set(issue_codes())
    pattern = re.compile(
        r"""(?:make_issue|_warn|issue|_issue|RowProblem)\(\s*["']([a-z0-9-]+)["']"""
    )
    used: set[str] = set()
    for package in ("publishers", "store", "gateway"):
        for path in (ROOT / package).rglob("*.py"):
            used.update(pattern.findall(path.read_text("utf-8")))
    assert used, "the scan found no codes at all"
    assert used <= known, used - known
