"""The streaming readers: formats, encodings, row numbering, errors and flat memory."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import random
import re
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import schemas
from publishers import readers
from publishers.encoding import SAMPLE_LIMIT, SAMPLE_SIZE, looks_chinese
from publishers.readers import ReadError, RowProblem, Table, open_bytes, open_table

FILES = Path(__file__).parents[1] / "fixtures" / "files"
PENALTY_TITLES = {spec.title_zh for spec in schemas.fields("administrative-penalty")}
PENALTY_CODES = {spec.national_code for spec in schemas.fields("administrative-penalty")}


def rows(table: Table) -> list[tuple[int, Any]]:
    return list(table.rows())


def fixture(name: str, **kw: Any) -> Table:
    return open_table(FILES / name, **kw)


def read_error(call: Any, *args: Any, **kw: Any) -> ReadError:
    """The ReadError raised by opening *and* reading (a stream may fail on either)."""
    with pytest.raises(ReadError) as caught:
        table = call(*args, **kw)
        rows(table)
    return caught.value


def line_of(data: bytes, needle: bytes) -> int:
    return data.count(b"\n", 0, data.index(needle)) + 1


# -- fixtures on disk ------------------------------------------------------------------------


def test_committed_fixtures_are_what_the_generator_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_fixtures", FILES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in FILES.iterdir() if p.suffix != ".py" and p.is_file())
    assert written == committed
    for name in written:
        fresh, kept = (tmp_path / name).read_bytes(), (FILES / name).read_bytes()
        if name.endswith(".xlsx"):  # compare the parts: deflate output varies with zlib builds
            assert _zip_parts(fresh) == _zip_parts(kept), name
        else:
            assert fresh == kept, name


def _zip_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# -- CSV encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("penalty-utf8.csv", "utf-8"),
        ("penalty-utf8-bom.csv", "utf-8-sig"),
        ("penalty-gbk.csv", "gb18030"),
        ("penalty-gb18030.csv", "gb18030"),
        ("penalty-legacy-2016.csv", "gb18030"),
        ("licensing-utf8.csv", "utf-8"),
        ("mixed-late-gbk.csv", "utf-8"),
    ],
)
def test_auto_detection_resolves_the_encoding(name: str, encoding: str) -> None:
    table = fixture(name)
    assert (table.format, table.encoding, table.delimiter) == ("csv", encoding, ",")


@pytest.mark.parametrize(
    "name", ["penalty-utf8-bom.csv", "penalty-gbk.csv", "penalty-tab.tsv", "penalty-codes.csv"]
)
def test_every_export_of_the_penalties_reads_the_same_cells(name: str) -> None:
    reference = rows(fixture("penalty-utf8.csv"))
    assert rows(fixture(name)) == reference
    assert len(reference) == 8 and all(len(cells) == 22 for _, cells in reference)


def test_headers_are_the_schema_labels_without_a_bom() -> None:
    plain, bom, gbk = (
        fixture(n) for n in ("penalty-utf8.csv", "penalty-utf8-bom.csv", "penalty-gbk.csv")
    )
    assert plain.headers is not None and set(plain.headers) <= PENALTY_TITLES
    assert bom.headers == plain.headers == gbk.headers
    assert not bom.headers[0].startswith("\ufeff")
    codes = fixture("penalty-codes.csv").headers
    assert codes is not None and set(codes) <= PENALTY_CODES


def test_gb18030_file_keeps_characters_outside_gbk() -> None:
    table = fixture("penalty-gb18030.csv")
    got = rows(table)
    assert got[:8] == rows(fixture("penalty-utf8.csv"))
    number, cells = got[8]
    assert number == 9 and "䶮" in cells[0] and "𠀀" in cells[8]


def test_explicit_gbk_decodes_a_gbk_file_strictly() -> None:
    table = fixture("penalty-gbk.csv", encoding="gbk")
    assert table.encoding == "gbk"
    assert rows(table) == rows(fixture("penalty-utf8.csv"))
    assert rows(fixture("penalty-gbk.csv", encoding="gb18030")) == rows(table)


def test_explicit_gbk_refuses_characters_only_gb18030_has() -> None:
    data = (FILES / "penalty-gb18030.csv").read_bytes()
    error = read_error(open_table, FILES / "penalty-gb18030.csv", encoding="gbk")
    assert error.code == "decode-error"
    assert f"line {line_of(data, '䶮'.encode('gb18030'))} " in error.message


def test_explicit_utf8_on_a_gbk_file_is_an_error_not_mojibake() -> None:
    error = read_error(open_table, FILES / "penalty-gbk.csv", encoding="utf-8")
    assert error.code == "decode-error"
    assert "line 1 " in error.message and "--encoding" in error.message


def test_explicit_gbk_on_a_file_with_a_bom_is_refused() -> None:
    error = read_error(open_table, FILES / "penalty-utf8-bom.csv", encoding="gbk")
    assert error.code == "decode-error" and "byte-order mark" in error.message


def test_utf8_bom_with_explicit_utf8_strips_the_bom() -> None:
    table = fixture("penalty-utf8-bom.csv", encoding="utf-8")
    assert table.encoding == "utf-8-sig" and table.headers == fixture("penalty-utf8.csv").headers


def test_a_late_gbk_line_in_a_utf8_file_raises_naming_the_line() -> None:
    path = FILES / "mixed-late-gbk.csv"
    data = path.read_bytes()
    bad = "武汉".encode("gbk")
    assert data.index(bad) > SAMPLE_SIZE  # the sample alone looks like UTF-8
    seen: list[list[str]] = []
    with pytest.raises(ReadError) as caught:
        for _, cells in open_table(path).rows():
            seen.append(cells)
    assert caught.value.code == "decode-error"
    assert f"line {line_of(data, bad)} (byte {data.index(bad)})" in caught.value.message
    assert all(cell.isascii() for cells in seen for cell in cells)


@pytest.mark.parametrize("format", ["csv", "ndjson", "json"])
def test_late_decode_errors_surface_in_every_text_format(tmp_path: Path, format: str) -> None:
    # UTF-8 Chinese first (so the sample decides "utf-8"), ASCII past the sample, then GBK.
    names = ["武汉市", *(f"company {i:06d}" for i in range(6000))]
    late = "汉阳区"
    if format == "csv":
        text = "名称\n" + "\n".join([*names, late]) + "\n"
    elif format == "ndjson":
        text = "".join(json.dumps({"name": n}, ensure_ascii=False) + "\n" for n in [*names, late])
    else:
        text = (
            "["
            + ",\n".join(json.dumps({"name": n}, ensure_ascii=False) for n in [*names, late])
            + "]"
        )
    head, tail = text.split(late, 1)
    data = head.encode() + late.encode("gbk") + tail.encode()
    offset = len(head.encode())
    assert offset > SAMPLE_SIZE
    path = tmp_path / f"late.{format}"
    path.write_bytes(data)
    assert open_table(path).encoding == "utf-8"
    error = read_error(open_table, path)
    assert error.code == "decode-error"
    assert f"line {head.count(chr(10)) + 1} (byte {offset})" in error.message


def test_ascii_rows_then_gbk_are_judged_on_the_first_chinese_line() -> None:
    ascii_rows = "".join(f"company {i:06d},91420103MA4K2R7U7H\n" for i in range(4000))
    data = b"CF_XDR_MC,CF_XDR_SHXYM\n" + ascii_rows.encode() + "武汉市某某公司,1\n".encode("gbk")
    assert len(data) > 2 * SAMPLE_SIZE
    table = open_bytes(data, format="csv")
    assert table.encoding == "gb18030"
    assert rows(table)[-1] == (4001, ["武汉市某某公司", "1"])


def test_ascii_beyond_the_sample_limit_then_gbk_is_a_decode_error() -> None:
    line = b"company 000000,91420103MA4K2R7U7H\n"
    data = b"CF_XDR_MC,CF_XDR_SHXYM\n" + line * (SAMPLE_LIMIT // len(line) + 10)
    data += "武汉市某某公司,1\n".encode("gbk")
    table = open_bytes(data, format="csv")
    assert table.encoding == "utf-8"
    error = read_error(open_bytes, data, format="csv")
    assert error.code == "decode-error" and "mixes encodings" in error.message


def test_latin1_that_decodes_as_gb18030_is_still_undecidable() -> None:
    data = (FILES / "latin1-garbage.csv").read_bytes()
    data.decode("gb18030")  # valid GB18030 bytes: only the "reads as Chinese" test rejects it
    error = read_error(open_table, FILES / "latin1-garbage.csv")
    assert error.code == "encoding-undecidable"
    assert "--encoding" in error.message
    assert read_error(open_table, FILES / "latin1-garbage.csv", encoding="utf-8").code == (
        "decode-error"
    )


def test_utf8_and_gbk_mixed_within_the_sample_name_the_line() -> None:
    data = "名称,代码\n武汉,1\n".encode() + "汉阳,2\n".encode("gbk")
    error = read_error(open_bytes, data, format="csv")
    assert error.code == "encoding-undecidable"
    assert "starts as UTF-8 but is not UTF-8 at line 3 " in error.message


def test_gbk_with_pasted_utf8_is_undecidable_not_mojibake() -> None:
    data = "名称,代码\n武汉市江汉区某公司,1\n".encode("gbk") + "汉阳区某商行,2\n".encode()
    data.decode("gb18030")  # the UTF-8 part is valid GB18030 too, as mojibake
    error = read_error(open_bytes, data, format="csv")
    assert error.code == "encoding-undecidable"
    assert "mixes GBK and UTF-8" in error.message


def test_random_high_bytes_are_undecidable() -> None:
    noise = random.Random(7).randbytes(4000)
    data = b"name,code\n" + bytes(b | 0x80 for b in noise)
    assert read_error(open_bytes, data, format="csv").code == "encoding-undecidable"


@pytest.mark.parametrize(("codec", "expected"), [("utf-8", "utf-8"), ("gb18030", "gb18030")])
def test_a_character_cut_by_the_sample_end_is_not_an_error(codec: str, expected: str) -> None:
    head = b"name\n" + b"x" * 200 + b"\n"
    char = "武".encode(codec)
    padding = b"a" * (SAMPLE_SIZE - len(head) - 1)
    data = head + padding + "武汉市江汉区\n".encode(codec) * 50
    assert data[SAMPLE_SIZE - 1 : SAMPLE_SIZE + len(char) - 1] == char  # straddles the edge
    table = open_bytes(data, format="csv")
    assert table.encoding == expected
    got = rows(table)
    assert got[1] == (2, [padding.decode() + "武汉市江汉区"])
    assert got[-1] == (51, ["武汉市江汉区"])


def test_utf16_with_bom_from_excel_unicode_text() -> None:
    data = "名称\t代码\r\n武汉市某某公司\t91420103MA4K2R7U7H\r\n".encode("utf-16")
    table = open_bytes(data, format="auto")
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-16", "\t")
    assert rows(table) == [(1, ["武汉市某某公司", "91420103MA4K2R7U7H"])]


def test_looks_chinese_measures_common_hanzi() -> None:
    assert looks_chinese("武汉市江汉区餐饮有限公司，罚款。")
    assert not looks_chinese("Müller Zürich".encode("latin-1").decode("gb18030"))
    assert not looks_chinese("plain ascii")
    utf8_as_gb = "武汉光谷云帆科技有限公司".encode().decode("gb18030")  # 姝︽眽鍏夎胺…
    assert not looks_chinese(utf8_as_gb)


# -- CSV structure -----------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_the_delimiter_is_sniffed_from_the_header(delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["名称", "类别,说明;备注|其他", "金额"])
    writer.writerow(["武汉,某;公司|甲", "警告;罚款", "0.2"])
    table = open_bytes(buffer.getvalue().encode(), format="csv")
    assert table.delimiter == delimiter
    assert table.headers == ["名称", "类别,说明;备注|其他", "金额"]
    assert rows(table) == [(1, ["武汉,某;公司|甲", "警告;罚款", "0.2"])]


def test_a_quoted_cell_with_line_breaks_is_one_row() -> None:
    got = rows(fixture("penalty-utf8.csv"))
    facts = got[0][1][8]
    assert '"鲜牛奶"' in facts and "\n" in facts and "，" in facts
    assert [number for number, _ in got] == list(range(1, 9))


def test_empty_rows_are_counted_but_not_yielded() -> None:
    data = b'\n  \nname,code\n a ,1\n\n,\n"",""\nb,2\n  ,  \n'
    table = open_bytes(data, format="csv")
    assert table.headers == ["name", "code"]
    # 1: " a ",  2: blank line, 3: ",", 4: '"",""', 5: "b",  6: spaces are not empty
    assert rows(table) == [(1, [" a ", "1"]), (5, ["b", "2"]), (6, ["  ", "  "])]


def test_ragged_records_are_yielded_as_parsed() -> None:
    table = open_bytes(b"a,b,c\n1\n1,2,3,4\n,,,x\n", format="csv")
    assert rows(table) == [(1, ["1"]), (2, ["1", "2", "3", "4"]), (3, ["", "", "", "x"])]


def test_header_only_is_a_table_without_rows() -> None:
    table = open_bytes(b"\xef\xbb\xbf name , code \r\n\r\n", format="csv")
    assert table.headers == ["name", "code"] and rows(table) == []


def test_crlf_line_ends_leave_no_carriage_return() -> None:
    table = open_bytes("名称,金额\r\n武汉,0.2\r\n汉阳,1\r\n".encode("gbk"), format="csv")
    assert rows(table) == [(1, ["武汉", "0.2"]), (2, ["汉阳", "1"])]


def test_rows_can_be_read_twice_and_abandoned(tmp_path: Path) -> None:
    table = fixture("penalty-gbk.csv")
    assert rows(table) == rows(table)
    stream = table.rows()
    assert next(stream)[0] == 1
    del stream  # the generator closes its file: no ResourceWarning (warnings are errors)


# -- errors ------------------------------------------------------------------------------------


def test_a_zero_byte_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert read_error(open_table, path).code == "empty-file"
    assert read_error(open_bytes, b"", format="json").code == "empty-file"


@pytest.mark.parametrize("data", [b" \r\n\n\t", b",,,\n;;\n"])
def test_a_file_without_a_header_is_empty(data: bytes) -> None:
    assert read_error(open_bytes, data, format="csv").code == "empty-file"


def test_missing_paths_and_directories(tmp_path: Path) -> None:
    missing = read_error(open_table, tmp_path / "nope.csv")
    assert missing.code == "file-not-found" and missing.path == str(tmp_path / "nope.csv")
    assert str(tmp_path / "nope.csv") in str(missing)
    assert read_error(open_table, tmp_path).code == "not-a-file"


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.csv"
    path.write_text("a\n1\n")

    def refuse(self: Path, *args: Any, **kw: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # the tests run as root, whom chmod cannot stop
    assert read_error(open_table, path).code == "permission-denied"


@pytest.mark.parametrize(
    ("name", "data", "format"),
    [
        ("penalty.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "auto"),
        ("upload", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "auto"),
        ("upload.bin", b"\x00\x01\x02binary", "auto"),
        ("penalty.csv", b"a\n1\n", "xml"),
    ],
)
def test_unsupported_formats(name: str, data: bytes, format: Any) -> None:
    error = read_error(open_bytes, data, format=format, name=name)
    assert error.code == "unsupported-format"
    if name.endswith(".xls"):
        assert ".xlsx" in error.message


def test_an_unknown_encoding_is_refused() -> None:
    bad: Any = "latin-1"
    assert read_error(open_bytes, b"a\n1\n", format="csv", encoding=bad).code == (
        "unsupported-encoding"
    )


@pytest.mark.parametrize(
    ("data", "format"),
    [
        ((FILES / "penalty.xlsx").read_bytes(), "xlsx"),
        (b'  [{"a": 1}]', "json"),
        (b'{"a": 1}\n{"a": 2}\n', "ndjson"),
        (b"\xef\xbb\xbf[]", "json"),
        ("名称,代码\n武汉,1\n".encode("gbk"), "csv"),
    ],
)
def test_the_format_is_sniffed_from_content(data: bytes, format: str, tmp_path: Path) -> None:
    assert open_bytes(data, format="auto").format == format
    path = tmp_path / "export"
    path.write_bytes(data)
    assert open_table(path).format == format


def test_the_upload_name_decides_before_the_content() -> None:
    assert open_bytes(b'[{"a": 1}]', format="auto", name="x.txt").format == "csv"
    assert open_bytes(b'{"a": 1}\n', format="auto", name="x.jsonl").format == "ndjson"


# -- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_the_csv_cells_with_dates_and_numbers_typed() -> None:
    table = fixture("penalty.xlsx")
    assert (table.format, table.encoding, table.sheet) == ("xlsx", None, "处罚数据")
    assert table.headers == fixture("penalty-utf8.csv").headers
    got = rows(table)
    assert [number for number, _ in got] == [1, 2, 3, 5, 6, 7, 8, 9]  # row 4 is empty
    for (_, cells), (_, text) in zip(got, rows(fixture("penalty-utf8.csv")), strict=True):
        assert len(cells) == len(text)
        for value, expected in zip(cells, text, strict=True):
            if expected == "":
                assert value is None
            elif isinstance(value, dt.date):
                assert type(value) is dt.date and value.isoformat() == expected
            elif isinstance(value, int | float):
                assert Decimal(str(value)) == Decimal(expected)
            else:
                assert value == expected
    assert table.headers is not None
    amounts = [i for i, h in enumerate(table.headers) if "万元" in h]
    dates = [i for i, h in enumerate(table.headers) if "日期" in h or "有效期" in h]
    assert amounts and dates
    for _, cells in got:
        assert all(type(cells[i]) is dt.date for i in dates)
        assert all(cells[i] is None or type(cells[i]) in (int, float) for i in amounts)


def _workbook(
    tmp_path: Path,
    rows_: list[list[Any]],
    *,
    formats: dict[str, str] | None = None,
    name: str = "book.xlsx",
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows_:
        sheet.append(row)
    for ref, number_format in (formats or {}).items():
        sheet[ref].number_format = number_format
    path = tmp_path / name
    workbook.save(path)
    return path


def test_xlsx_dates_versus_datetimes(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path,
        [
            ["日期", "时间", "零点时间", "文本日期", "布尔", "整数"],
            [
                dt.datetime(2024, 3, 5),
                dt.datetime(2024, 3, 5, 14, 30),
                dt.datetime(2024, 3, 5),
                "2024/03/05",
                True,
                12,
            ],
        ],
        formats={"A2": "yyyy-mm-dd", "B2": "yyyy-mm-dd hh:mm", "C2": "yyyy-mm-dd hh:mm:ss"},
    )
    [(number, cells)] = rows(open_table(path))
    assert number == 1
    assert cells == [
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 14, 30),
        dt.datetime(2024, 3, 5),
        "2024/03/05",
        True,
        12,
    ]
    assert type(cells[0]) is dt.date and type(cells[2]) is dt.datetime


def test_xlsx_pads_short_rows_and_keeps_extra_cells(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [[None], ["名称", "代码", None], ["甲"], ["乙", "2", None, "多"]])
    table = open_table(path)
    assert table.headers == ["名称", "代码"]
    assert rows(table) == [(1, ["甲", None]), (2, ["乙", "2", None, "多"])]


def test_xlsx_with_a_wrong_dimension_still_reads_every_row(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [["名称", "代码"], ["甲", 1], ["乙", 2], ["丙", 3]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(
                    rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', content
                )
                assert count == 1
            dst.writestr(info, content)
    table = open_bytes(buffer.getvalue(), format="xlsx")
    assert rows(table) == [(1, ["甲", 1]), (2, ["乙", 2]), (3, ["丙", 3])]


def test_xlsx_from_bytes_equals_xlsx_from_disk() -> None:
    data = (FILES / "penalty.xlsx").read_bytes()
    assert rows(open_bytes(data, format="xlsx")) == rows(fixture("penalty.xlsx"))


def test_broken_workbooks(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("名称,代码\n", encoding="utf-8")
    assert read_error(open_table, fake).code == "invalid-xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert read_error(open_bytes, buffer.getvalue(), format="auto").code == "invalid-xlsx"
    empty = _workbook(tmp_path, [], name="empty.xlsx")
    assert read_error(open_table, empty).code == "empty-file"


# -- JSON and NDJSON ---------------------------------------------------------------------------


def test_json_array_and_ndjson_carry_the_same_objects() -> None:
    array, lines = fixture("penalty.json"), fixture("penalty.ndjson")
    assert (array.format, array.headers, lines.format, lines.headers) == (
        "json",
        None,
        "ndjson",
        None,
    )
    got = rows(array)
    assert got == rows(lines)
    assert [n for n, _ in got] == list(range(1, 9))
    first = got[0][1]
    assert first["fine_amount_wan"] == Decimal("0.2") and isinstance(
        first["fine_amount_wan"], Decimal
    )
    assert first["penalty_categories"] == ["警告", "罚款"]
    expected = json.loads((FILES / "penalty.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert [obj for _, obj in got] == expected


def test_broken_ndjson_lines_become_row_problems() -> None:
    got = rows(fixture("penalty-broken.ndjson"))
    clean = [obj for _, obj in rows(fixture("penalty.ndjson"))]
    assert [n for n, _ in got] == [1, 2, 4, 5, 6]  # line 3 is blank
    assert got[0][1] == clean[0] and got[1][1] == clean[1] and got[4][1] == clean[3]
    broken, array = got[2][1], got[3][1]
    assert isinstance(broken, RowProblem) and broken.code == "invalid-json"
    assert broken.raw.startswith('{"counterpart_name"')
    assert isinstance(array, RowProblem) and array.code == "not-an-object"
    assert "array" in array.message and array.raw == '["武汉市", "not an object"]'


def test_json_elements_that_are_not_objects() -> None:
    table = open_bytes(b'[{"a": 1}, 2, "x", [1, {"b": 2}], null, true, 1.5]', format="json")
    got = rows(table)
    assert got[0] == (1, {"a": 1})
    problems = [p for _, p in got[1:]]
    assert all(isinstance(p, RowProblem) and p.code == "not-an-object" for p in problems)
    assert [p.raw for p in problems] == ["2", '"x"', '[1, {"b": 2}]', "null", "true", "1.5"]


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b'[{"a": 1},\n {"a": 2}\n {"a": 3}]', "line 3"),
        (b'[{"a": 1},\n {"a": }]', "line 2"),
        (b'[{"a": 1},]', "line 1"),
        (b'[{"a": 1}', "line 1"),
        (b'[{"a": 1}] x', "line 1"),
        (b'[{"a": NaN}]', "line 1"),
        (b'{"a": 1}', "--format ndjson"),
    ],
)
def test_json_syntax_errors_name_the_line(data: bytes, where: str) -> None:
    error = read_error(open_bytes, data, format="json")
    assert error.code == "invalid-json" and where in error.message


def test_a_json_file_of_objects_per_line_is_read_as_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "upload.json"
    path.write_bytes((FILES / "penalty.ndjson").read_bytes())
    table = open_table(path)
    assert table.format == "ndjson" and rows(table) == rows(fixture("penalty.ndjson"))


def test_empty_json_array_and_blank_ndjson() -> None:
    assert rows(open_bytes(b" [ ] \n", format="json")) == []
    assert rows(open_bytes(b"\n\n{}\n\n", format="ndjson")) == [(3, {})]


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    elements=st.lists(json_values, max_size=8),
    chunk=st.integers(1, 40),
    indent=st.none() | st.integers(0, 3),
    ascii_only=st.booleans(),
)
def test_json_array_streaming_matches_json_loads(
    elements: list[Any], chunk: int, indent: int | None, ascii_only: bool
) -> None:
    text = json.dumps(elements, indent=indent, ensure_ascii=ascii_only)
    expected = json.loads(text, parse_float=Decimal)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "_JSON_CHUNK", chunk)  # element boundaries fall mid-chunk
        got = rows(open_bytes(text.encode(), format="json"))
    assert [n for n, _ in got] == list(range(1, len(expected) + 1))
    for (_, value), want in zip(got, expected, strict=True):
        if isinstance(want, dict):
            assert value == want
        else:
            assert isinstance(value, RowProblem) and value.code == "not-an-object"
            if len(value.raw) < 1000:  # longer raw text is cut to 1,000 characters
                assert json.loads(value.raw, parse_float=Decimal) == want


# -- memory ------------------------------------------------------------------------------------


def _big_file(path: Path, format: str, target: int) -> int:
    record = {
        "counterpart_name": "武汉市江汉区某某餐饮有限公司",
        "uscc": "91420103MA4K2R7U7H",
        "violation_facts": "当事人销售超过保质期的食品，" * 20,
        "fine_amount_wan": 0.2,
    }
    line = json.dumps(record, ensure_ascii=False)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n" if format == "json" else "名称,代码,事实,金额\n" if format == "csv" else "")
        while out.tell() < target:
            count += 1
            if format == "csv":
                out.write(
                    f"武汉市江汉区某某餐饮有限公司{count},91420103MA4K2R7U7H,"
                    f'"{record["violation_facts"]}",0.2\n'
                )
            else:
                out.write(("," if format == "json" and count > 1 else "") + line + "\n")
        out.write("]\n" if format == "json" else "")
    return count


@pytest.mark.parametrize("format", ["json", "ndjson", "csv"])
def test_memory_stays_flat_on_a_20mb_file(tmp_path: Path, format: str) -> None:
    path = tmp_path / f"big.{format}"
    count = _big_file(path, format, 20 * 1024 * 1024)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        seen = 0
        for _, payload in open_table(path).rows():
            seen += 1
            assert not isinstance(payload, RowProblem)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < size / 20, f"peak {peak:,} bytes for a {size:,}-byte file"


# -- round trip --------------------------------------------------------------------------------


def _gb2312_alphabet() -> list[str]:
    chars = []
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


CHINESE = st.sampled_from(_gb2312_alphabet())
ASCII = st.characters(min_codepoint=1, max_codepoint=127)
ANY = st.characters(exclude_categories=["Cs"])  # every code point but surrogates


def _csv_bytes(records: list[list[str]], codec: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["名称", "代码", "备注"])
    writer.writerows(records)
    return buffer.getvalue().encode(codec)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), codec=st.sampled_from(["utf-8", "gb18030"]))
def test_csv_round_trip_with_auto_detection(data: st.DataObject, codec: str) -> None:
    # UTF-8 files may hold any character; a GB18030 file is Chinese text (common hanzi,
    # full-width punctuation, ASCII), which is what the detector is built to recognise.
    alphabet = ANY if codec == "utf-8" else st.one_of(CHINESE, ASCII)
    cell = st.text(alphabet, max_size=12) | st.sampled_from([",", '"', "\n", "\r\n", "", " "])
    records = data.draw(st.lists(st.lists(cell, min_size=1, max_size=4), max_size=12))
    raw = _csv_bytes(records, codec)
    if codec == "gb18030":
        # GB18030 bytes that are also valid UTF-8 are genuinely ambiguous: UTF-8 wins.
        try:
            raw.decode("utf-8")
            assume(raw.isascii())
        except UnicodeDecodeError:
            pass
    table = open_bytes(raw, format="csv")
    assert table.encoding == ("utf-8" if raw.isascii() else codec)
    assert table.headers == ["名称", "代码", "备注"]
    expected = [(i, r) for i, r in enumerate(records, start=1) if any(r)]
    assert rows(table) == expected
