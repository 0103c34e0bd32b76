"""Every reader against hostile files (hypothesis): random bytes, mixed encodings, huge cells,
deeply nested JSON, damaged and lying XLSX packages.

The contract of :mod:`publishers.readers`: opening a file and streaming its rows either works
— rows are ``(number, payload)`` with the documented payload types — or raises
:class:`publishers.ReadError` with one of the documented codes. Nothing else may escape
(no ``csv.Error``, ``UnicodeDecodeError``, ``RecursionError``, ``zipfile.BadZipFile``,
``KeyError``…), whatever the bytes. Bounded in ``make test``; ``make soak`` runs many more
examples (see ``tests/gateway/fuzz_budget.py``).
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))
from fuzz_budget import BUDGETS, fuzz_settings

from publishers import ReadError, open_bytes
from publishers.readers import FormulaRow, RowProblem

CODES = {
    "file-not-found",
    "not-a-file",
    "permission-denied",
    "io-error",
    "empty-file",
    "unsupported-format",
    "unsupported-encoding",
    "encoding-undecidable",
    "decode-error",
    "invalid-csv",
    "invalid-json",
    "invalid-xlsx",
}
"""The documented :class:`ReadError` codes (publishers/readers.py)."""
FORMATS = ["auto", "csv", "xlsx", "json", "ndjson"]
NAMES = ["upload", "upload.csv", "upload.xlsx", "upload.json", "upload.ndjson", "upload.tsv"]
CELL_TYPES = (str, int, float, bool, datetime, date, time, Decimal, type(None))


def read_all(
    data: bytes, fmt: str = "auto", name: str = "upload", encoding: str = "auto"
) -> list[tuple[int, Any]] | ReadError:
    """Every row of ``data``, or the ReadError; any other exception fails the test."""
    try:
        table = open_bytes(data, format=fmt, name=name, encoding=encoding)  # type: ignore[arg-type]
        rows = list(table.rows())
    except ReadError as exc:
        assert exc.code in CODES, exc.code
        assert str(exc)
        return exc
    for number, payload in rows:
        assert isinstance(number, int) and number >= 1
        if table.format in ("csv", "xlsx"):
            assert isinstance(payload, list | FormulaRow)
            assert all(isinstance(cell, CELL_TYPES) for cell in payload), payload
        else:
            assert isinstance(payload, dict | RowProblem), payload
    return rows


HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
TEXT = st.text(
    alphabet=st.one_of(
        HANZI, st.characters(codec="utf-8"), st.sampled_from(',;\t|"\r\n\x00\ufeff')
    ),
    max_size=200,
)


@pytest.mark.parametrize("budget", BUDGETS)
def test_random_bytes(budget: str) -> None:
    @given(
        data=st.binary(max_size=4096),
        fmt=st.sampled_from(FORMATS),
        name=st.sampled_from(NAMES),
        encoding=st.sampled_from(["auto", "utf-8", "gbk"]),
    )
    @fuzz_settings(budget, 60)
    def run(data: bytes, fmt: str, name: str, encoding: str) -> None:
        read_all(data, fmt, name, encoding)

    run()


@pytest.mark.parametrize("budget", BUDGETS)
def test_mixed_encodings(budget: str) -> None:
    """Pieces of text encoded as UTF-8, GBK, GB18030 or UTF-16, glued together."""
    piece = st.tuples(
        st.text(alphabet=st.one_of(HANZI, st.sampled_from('abc,;\n"1 ')), max_size=40),
        st.sampled_from(["utf-8", "gbk", "gb18030", "utf-16", "utf-8-sig"]),
    )

    @given(pieces=st.lists(piece, min_size=1, max_size=8), fmt=st.sampled_from(FORMATS))
    @fuzz_settings(budget, 40)
    def run(pieces: list[tuple[str, str]], fmt: str) -> None:
        data = b"".join(text.encode(codec, errors="ignore") for text, codec in pieces)
        read_all("统一社会信用代码,名称\n".encode() + data, fmt)
        read_all(data, fmt)

    run()


@pytest.mark.parametrize("budget", BUDGETS)
def test_csv_and_json_text(budget: str) -> None:
    """Text full of delimiters, quotes, CRs, NULs and BOMs, in every text format."""

    @given(header=TEXT, body=TEXT, fmt=st.sampled_from(["csv", "json", "ndjson", "auto"]))
    @fuzz_settings(budget, 60)
    def run(header: str, body: str, fmt: str) -> None:
        read_all((header + "\n" + body).encode("utf-8"), fmt)
        read_all(("[" + body + "]").encode("utf-8"), fmt)

    run()


@pytest.mark.parametrize("size", [131_073, 2 * 1024 * 1024])
def test_huge_cells(size: int) -> None:
    """A cell beyond csv's field limit is an invalid-csv ReadError; in JSON it is a value."""
    cell = "处" * size
    result = read_all(f'名称,内容\n甲,"{cell}"\n'.encode(), "csv")
    assert isinstance(result, ReadError) and result.code == "invalid-csv"
    rows = read_all(f'[{{"content": "{cell}"}}]'.encode(), "json")
    assert isinstance(rows, list) and rows[0][1]["content"] == cell
    rows = read_all(f'{{"content": "{cell}"}}\n'.encode(), "ndjson")
    assert isinstance(rows, list) and rows[0][1]["content"] == cell


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json(depth: int) -> None:
    """Nesting deeper than the parser's recursion: an invalid-json ReadError (array) or a
    located RowProblem (NDJSON), never a RecursionError."""
    nested = '{"a":' * depth + "1" + "}" * depth
    result = read_all(f"[{nested}]".encode(), "json")
    assert isinstance(result, ReadError | list)
    rows = read_all(f'{nested}\n{{"ok": 1}}\n'.encode(), "ndjson")
    assert isinstance(rows, list) and rows[-1] == (2, {"ok": 1})
    arrays = "[" * depth + "]" * depth
    read_all(f"[{arrays}]".encode(), "json")
    read_all(f"{arrays}\n".encode(), "ndjson")


# -- XLSX ----------------------------------------------------------------------------------------


def workbook(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, change: Any) -> bytes:
    """The package with ``change(name, bytes) -> bytes | None`` applied (None drops a member)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = change(info.filename, src.read(info))
            if content is not None:
                dst.writestr(info, content)
    return out.getvalue()


def declared_size(data: bytes, member: str, size: int) -> bytes:
    """The package with ``member``'s uncompressed size in the central directory (and local
    header) replaced by ``size``: a small file that claims to inflate to ``size`` bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        info = package.getinfo(member)
    buf = bytearray(data)
    buf[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    start = 0
    while True:  # the member's entry in the central directory
        start = buf.find(b"PK\x01\x02", start)
        assert start >= 0, member
        name_length = int.from_bytes(buf[start + 28 : start + 30], "little")
        if bytes(buf[start + 46 : start + 46 + name_length]) == member.encode():
            buf[start + 24 : start + 28] = size.to_bytes(4, "little")
            return bytes(buf)
        start += 4


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize("budget", BUDGETS)
def test_damaged_workbooks(budget: str) -> None:
    """A real workbook whose parts are cut, flipped or dropped."""
    good = workbook([["统一社会信用代码", "名称"], ["91420100MA4K0000X1", "甲公司"], [1, 2.5]])
    names = zipfile.ZipFile(io.BytesIO(good)).namelist()

    @given(
        member=st.sampled_from(names),
        cut=st.integers(0, 4000),
        flip=st.binary(min_size=1, max_size=8),
        drop=st.booleans(),
        truncate=st.integers(0, len(good)),
    )
    @fuzz_settings(budget, 40)
    def run(member: str, cut: int, flip: bytes, drop: bool, truncate: int) -> None:
        def change(name: str, content: bytes) -> bytes | None:
            if name != member:
                return content
            if drop:
                return None
            return content[:cut] + flip + content[cut + len(flip) :]

        read_all(rezip(good, change), "xlsx")
        read_all(good[:truncate], "xlsx")

    run()


def test_xlsx_lying_about_its_size_is_read_only_to_the_declared_size() -> None:
    """A sheet that declares fewer bytes than it holds: the reader stops at the declared
    size (zipfile checks it) and reports a damaged workbook, it does not read on."""
    rows = [["名称", "内容"]] + [[f"甲{i}", "x" * 50] for i in range(2000)]
    data = declared_size(workbook(rows), SHEET, 1000)
    result = read_all(data, "xlsx")
    assert isinstance(result, ReadError) and result.code == "invalid-xlsx", result
