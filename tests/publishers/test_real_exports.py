"""Files shaped like the ones Wuhan's departments really export pass; real mistakes fail.

Every test writes a realistic file (CSV in GBK with Chinese headers, XLSX made with openpyxl)
from the committed penalty fixture and validates it as ``creditgate validate`` does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from publishers import Report, validate_file
from publishers.amounts import fine_unit_suspect, stated_fines
from publishers.intake import Intake
from publishers.parallel import validate_file_parallel
from publishers.readers import open_table

FILES = Path(__file__).parents[1] / "fixtures" / "files"
TODAY = dt.date(2027, 6, 30)
EXE = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"
PENALTY = "administrative-penalty"


def fixture_rows(name: str = "penalty-utf8.csv") -> tuple[list[str], list[list[str]]]:
    with (FILES / name).open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def write_gbk(path: Path, header: list[str], rows: list[list[str]], encoding: str = "gbk") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def penalty_file(
    tmp_path: Path,
    edit: Callable[[dict[str, str]], None] | None = None,
    *,
    header: list[str] | None = None,
    rows: int | None = None,
    name: str = "export.csv",
    encoding: str = "gbk",
) -> Path:
    labels, data = fixture_rows()
    data = data[:rows] if rows else data
    if edit is not None:
        first = dict(zip(labels, data[0], strict=True))
        edit(first)
        data = [[first[label] for label in labels], *data[1:]]
    return write_gbk(tmp_path / name, header or labels, data, encoding)


def report(path: Path, dataset: str = PENALTY) -> Report:
    return validate_file(dataset, path, today=TODAY)


def issues(rep: Report, code: str) -> list[Any]:
    return [i for i in rep.issues if i.code == code]


def records(path: Path, dataset: str = PENALTY) -> list[dict[str, Any]]:
    intake = Intake(dataset, today=TODAY)
    return [r.record or {} for r in intake.rows(open_table(path))]


# -- 1. list separators in 处罚类别 -------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", "；", ",", "，", "、", "|", " ; ", "，"])
def test_every_list_separator_splits_penalty_categories(tmp_path: Path, sep: str) -> None:
    def edit(row: dict[str, str]) -> None:
        row["处罚类别"] = f"警告{sep}罚款"

    path = penalty_file(tmp_path, edit)
    rep = report(path)
    assert rep.valid, [i.to_dict() for i in rep.issues]
    assert records(path)[0]["penalty_categories"] == ["警告", "罚款"]


def test_other_category_keeps_its_own_commas(tmp_path: Path) -> None:
    def edit(row: dict[str, str]) -> None:
        row["处罚类别"] = "罚款，其他-责令改正，限期整改"

    cats = records(penalty_file(tmp_path, edit))[0]["penalty_categories"]
    assert cats == ["罚款", "其他-责令改正，限期整改"]


# -- 2. legacy category names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "content", "expected", "code"),
    [
        ("吊销营业执照", "吊销营业执照", "吊销许可证件", "legacy-value"),
        ("暂扣或者吊销执照", "吊销营业执照", "吊销许可证件", "legacy-value"),
        ("暂扣或者吊销许可证", "暂扣食品经营许可证三个月", "暂扣许可证件", "legacy-value"),
        ("暂扣或吊销执照", "责令整改", "暂扣或者吊销执照", "legacy-value-undecided"),
    ],
)
def test_legacy_category_names_map_to_todays_with_a_warning(
    tmp_path: Path, legacy: str, content: str, expected: str, code: str
) -> None:
    def edit(row: dict[str, str]) -> None:
        row["处罚类别"] = f"罚款、{legacy}"
        row["处罚内容"] = f"罚款人民币2000元，{content}"
        row["备注"] = "食品经营许可证 JY14201030012345"

    labels, _ = fixture_rows()
    header = [*labels]
    header[header.index("备注")] = "暂扣或吊销证照名称及编号"  # the licence, as the rule asks
    path = penalty_file(tmp_path, edit, header=header)
    rep = report(path)
    assert rep.valid, [i.to_dict() for i in rep.issues if i.is_error]
    (warning,) = issues(rep, code)
    assert (warning.row, warning.field, warning.severity) == (1, "penalty_categories", "warning")
    assert legacy in warning.message_zh
    assert records(path)[0]["penalty_categories"] == ["罚款", expected]


# -- 3. header variants ------------------------------------------------------------------------


def test_header_variants_of_real_exports_are_recognised(tmp_path: Path) -> None:
    labels, _ = fixture_rows()
    variants = {
        "行政相对人代码_1（统一社会信用代码）": "行政相对人代码１(统一社会信用代码)",
        "没收违法所得、没收非法财物的金额（万元）": "没收违法所得没收非法财物的金额(万元)",
        "罚款金额（万元）": "罚款金额\u3000（万元）",
        "处罚决定日期": "*处罚决定日期（必填）",
        "行政相对人名称": "cf_xdr_mc",
        "处罚机关统一社会信用代码": "Cf_CfJgDm",
        "违法行为类型": "违法\u00a0行为\u00a0类型",
        "处罚有效期": "【处罚有效期】",
    }
    header = [variants.get(label, label) for label in labels]
    # GB18030: NBSP is outside GBK (a GBK export has U+3000 or ASCII blanks)
    rep = report(penalty_file(tmp_path, header=header, encoding="gb18030"))
    assert not issues(rep, "unknown-column") and not issues(rep, "missing-column"), rep.issues
    assert rep.valid


# -- 4. XLSX formula cells without a cached value ----------------------------------------------


def _workbook(path: Path, formula_row: int, cached: str | None = None) -> Path:
    labels, data = fixture_rows()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(labels)
    fine = labels.index("罚款金额（万元）")
    for n, row in enumerate(data[:3], start=1):
        cells: list[Any] = list(row)
        if n == formula_row:
            cells[fine] = "=2000/10000"  # openpyxl stores the formula, no value
        ws.append(cells)
    wb.save(path)
    if cached is not None:  # what a spreadsheet program writes: the formula and its value
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        sheet = parts["xl/worksheets/sheet1.xml"]
        parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<v />", f"<v>{cached}</v>".encode())
        with zipfile.ZipFile(path, "w") as z:
            for n, data_ in parts.items():
                z.writestr(n, data_)
    return path


def test_formula_without_value_is_a_located_error_naming_the_cell(tmp_path: Path) -> None:
    rep = report(_workbook(tmp_path / "export.xlsx", formula_row=2))
    (error,) = issues(rep, "formula-without-value")
    assert (error.row, error.field, error.severity, error.value) == (
        2,
        "fine_amount_wan",
        "error",
        "M3",
    )
    assert "M3" in error.message and "M3" in error.message_zh
    assert not [i for i in rep.issues if i.row == 2 and i.code == "conditional-required"]
    assert (rep.rows, rep.valid_rows, rep.invalid_rows) == (3, 2, 1)


def test_formula_with_a_cached_value_reads_the_value(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "export.xlsx", formula_row=2, cached="0.2")
    rep = report(path)
    assert rep.valid and not issues(rep, "formula-without-value")
    assert records(path)[1]["fine_amount_wan"] == "0.2"


# -- 5. duplicate natural keys inside one file -------------------------------------------------


def _with_duplicates(tmp_path: Path) -> Path:
    labels, data = fixture_rows()
    changed = list(data[0])
    changed[labels.index("处罚内容")] = "警告，罚款人民币2000元（更正）"
    rows = [*data, list(data[1]), changed]  # rows 9 and 10 repeat rows 2 and 1
    return write_gbk(tmp_path / "dups.csv", labels, rows)


def test_validate_catches_duplicate_keys_naming_both_rows(tmp_path: Path) -> None:
    rep = report(_with_duplicates(tmp_path))
    (error,) = issues(rep, "duplicate-key")
    assert (error.row, error.severity, error.value) == (10, "error", "row 1")
    assert "row 1" in error.message and "row 1" in error.message_zh
    (same,) = issues(rep, "duplicate-row")
    assert (same.row, same.severity, same.value) == (9, "warning", "2")
    assert (rep.rows, rep.valid_rows, rep.invalid_rows) == (10, 9, 1)
    assert not rep.valid


def test_cli_validate_reports_duplicates(tmp_path: Path) -> None:
    result = subprocess.run(
        [EXE, "validate", PENALTY, str(_with_duplicates(tmp_path)), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    found = json.loads(result.stdout)
    assert [(i["row"], i["code"]) for i in found["issues"] if "duplicate" in i["code"]] == [
        (9, "duplicate-row"),
        (10, "duplicate-key"),
    ]


def test_parallel_validation_gives_the_same_duplicates(tmp_path: Path) -> None:
    labels, data = fixture_rows()
    rows = []
    for n in range(3000):  # distinct keys: a new decision number per row
        row = list(data[n % len(data)])
        row[labels.index("行政处罚决定书文号")] = f"武市监罚〔2027〕{n + 1}号"
        rows.append(row)
    rows.insert(40, list(rows[3]))  # same piece: an exact repeat
    other = list(rows[10])
    other[labels.index("处罚内容")] += "（更正）"
    rows.insert(60, other)  # same piece, other content
    path = write_gbk(tmp_path / "big.csv", labels, rows)
    single = validate_file(PENALTY, path, today=TODAY)
    kw: dict[str, Any] = {"workers": 2, "today": TODAY, "min_rows": 0, "min_bytes": 0}
    assert validate_file_parallel(PENALTY, path, chunk_rows=2000, **kw) == single
    far = [*rows, list(rows[5])]  # a repeat in the last piece of a row in the first
    far[-1][labels.index("处罚内容")] += "（再次更正）"
    path = write_gbk(tmp_path / "far.csv", labels, far)
    single = validate_file(PENALTY, path, today=TODAY)
    assert validate_file_parallel(PENALTY, path, chunk_rows=2000, **kw) == single
    assert issues(single, "duplicate-key")[-1].row == len(far)


# -- 6. legacy licence status ------------------------------------------------------------------


def test_legacy_licence_status_zero_is_mapped_with_a_warning(tmp_path: Path) -> None:
    with (FILES / "licensing-utf8.csv").open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    rows[0][header.index("当前状态")] = "0"
    header[header.index("当前状态")] = "XK_ZT"
    path = write_gbk(tmp_path / "licences.csv", header, rows)
    rep = report(path, "administrative-licensing")
    assert rep.valid, rep.issues
    (warning,) = issues(rep, "legacy-value")
    assert (warning.row, warning.field, warning.value) == (1, "status", "0")
    assert records(path, "administrative-licensing")[0]["status"] == "1"


# -- 7. the placeholder rule on the field that is wrong ----------------------------------------


def test_placeholder_for_a_legal_person_is_reported_on_the_code(tmp_path: Path) -> None:
    def edit(row: dict[str, str]) -> None:
        row["行政相对人代码_1（统一社会信用代码）"] = "00000000000000000X"

    rep = report(penalty_file(tmp_path, edit))
    assert [(i.row, i.field, i.code) for i in rep.issues if i.is_error] == [
        (1, "uscc", "uscc-placeholder-misused")
    ]


# -- 8. a 万元 amount stated in yuan by the penalty text -----------------------------------------


@pytest.mark.parametrize(
    ("fine", "content", "likely"),
    [
        ("2000", "警告，罚款人民币2000元", "0.2"),
        ("2000", "警告，处以贰仟元罚款", "0.2"),
        ("20000", "罚款人民币2万元", "2"),
        ("5000", "罚款人民币5,000.00元", "0.5"),
        ("2000", "罚款人民币2千元", "0.2"),
        ("0.2", "警告，罚款人民币2000元", None),
        ("2", "罚款人民币2万元", None),
        ("15", "罚款人民币15万元", None),
        ("30", "责令改正", None),
    ],
)
def test_fine_in_yuan_in_the_wan_column_is_a_warning(
    tmp_path: Path, fine: str, content: str, likely: str | None
) -> None:
    def edit(row: dict[str, str]) -> None:
        row["罚款金额（万元）"] = fine
        row["处罚内容"] = content

    rep = report(penalty_file(tmp_path, edit))
    assert rep.valid
    found = issues(rep, "fine-unit-suspect")
    if likely is None:
        assert found == []
    else:
        (warning,) = found
        assert (warning.row, warning.field, warning.value) == (1, "fine_amount_wan", fine)
        assert f"{likely} 万元" in warning.message and f"{likely} 万元" in warning.message_zh


def test_stated_fines_read_chinese_numerals() -> None:
    assert [y for y, _ in stated_fines("罚款一万二千元，对法定代表人罚款贰仟伍佰元")] == [
        12000,
        2500,
    ]
    assert fine_unit_suspect("12000", "罚款一万二千元") == ("1.2", "罚款一万二千元")
    assert fine_unit_suspect("1000", "罚款1000元，对法定代表人罚款500元") == ("0.1", "罚款1000元")
    assert fine_unit_suspect("0.1", "罚款1000元，对法定代表人罚款500元") is None


def test_committed_fixtures_stay_valid_without_new_warnings() -> None:
    for name in ("penalty-gbk.csv", "penalty-codes.csv", "penalty.xlsx", "penalty.ndjson"):
        rep = validate_file(PENALTY, FILES / name, today=TODAY)
        assert rep.valid, name
        new = {"fine-unit-suspect", "duplicate-row", "duplicate-key", "formula-without-value"}
        assert not [i for i in rep.issues if i.code in new], name
