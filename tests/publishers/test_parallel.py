"""Parallel validation gives exactly the single-process report, or takes that path itself."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemas
from demo import Entities, penalties
from publishers import ReadError, Report, validate_file
from publishers import parallel as par
from publishers.parallel import validate_file_parallel

DATASET = "administrative-penalty"
TODAY = dt.date(2026, 11, 28)
SPECS = schemas.fields(DATASET)
SMALL: dict[str, Any] = {
    "workers": 2,
    "chunk_rows": 150,
    "min_rows": 0,
    "min_bytes": 0,
    "today": TODAY,
}
"""Pieces of ~150 rows and no small-file shortcut: a few hundred rows make many pieces."""


def _break(record: dict[str, Any], n: int) -> None:
    """Every 7th row broken in a different way: schema errors, rule errors and warnings."""
    kind = (n // 7) % 8
    if kind == 0:
        record["authority_uscc"] = record["authority_uscc"][:-1] + "0"
    elif kind == 1:
        record["decision_date"] = "2024-02-30"
    elif kind == 2:
        record["counterpart_name"] = ""
    elif kind == 3:
        record["counterpart_category"] = "法人"  # a legacy label: warning, value replaced
    elif kind == 4:
        record["penalty_categories"] = ["罚款", "乱写"]
    elif kind == 5:
        record["decision_date"] = "2030-01-01"  # in the future: not a schema error
    elif kind == 6:
        record["uscc"] = "９１" + record.get("uscc", "420100MA4K0X1234")[2:]  # full width
    else:
        record["remarks"] = 'two lines,\nwith "quotes"\r\nand a comma'


def records(count: int, *, seed: int = 3) -> list[dict[str, Any]]:
    out = []
    for n, record in enumerate(penalties(count, seed=seed, entities=Entities(200)), start=1):
        if n % 7 == 0:
            _break(record, n)
        out.append(record)
    return out


def cell(value: Any) -> str:
    return ";".join(value) if isinstance(value, list) else "" if value is None else str(value)


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    specs: tuple[schemas.FieldSpec, ...] = SPECS,
    encoding: str = "utf-8",
    blank_every: int = 0,
    trailing_newline: bool = True,
) -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow([s.title_zh for s in specs])
    for n, record in enumerate(rows, start=1):
        writer.writerow([cell(record.get(s.id)) for s in specs])
        if blank_every and n % blank_every == 0:
            buf.write("\r\n" if n % 2 else ",,,\r\n")  # blank records count as rows
    text = buf.getvalue() if trailing_newline else buf.getvalue().rstrip("\r\n")
    path.write_bytes(text.encode(encoding))
    return path


def assert_same(path: Path, **kw: Any) -> Report:
    options = {**SMALL, **kw}
    seq = validate_file(
        DATASET,
        path,
        format=options.get("format", "auto"),
        encoding=options.get("encoding", "auto"),
        today=TODAY,
    )
    got = validate_file_parallel(DATASET, path, **options)
    if got != seq:  # show where they part
        pairs = zip(got.issues, seq.issues, strict=False)
        first = next(((a, b) for a, b in pairs if a != b), None)
        pytest.fail(
            f"reports differ: {got.to_dict()['stats']} vs {seq.to_dict()['stats']}, "
            f"{len(got.issues)} vs {len(seq.issues)} issues, first difference {first}"
        )
    return seq


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the parallel path gives up (the parent would call validate_file)."""

    def refuse(*_args: Any, **_kw: Any) -> Report:
        raise AssertionError("fell back to the single-process path")

    monkeypatch.setattr(par, "validate_file", refuse)


def test_csv_with_errors_equals_single_process(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "penalties.csv", records(900), blank_every=97)
    seq = validate_file(DATASET, path, today=TODAY)
    codes = {i.code for i in seq.issues}
    # the file exercises errors, warnings and the checks beyond the schema
    assert {
        "invalid-uscc",
        "invalid-date",
        "missing-value",
        "legacy-value",
        "future-date",
        "full-width-normalised",
    } <= codes, codes
    assert 0 < seq.invalid_rows < seq.rows
    assert_same(path)


def test_parallel_path_is_taken_and_matches(tmp_path: Path, no_fallback: None) -> None:
    assert_same(write_csv(tmp_path / "p.csv", records(700), blank_every=50))


def test_missing_column_makes_every_row_invalid_in_both(tmp_path: Path, no_fallback: None) -> None:
    specs = tuple(s for s in SPECS if s.id != "legal_basis")
    report = assert_same(write_csv(tmp_path / "missing.csv", records(600), specs=specs))
    assert report.invalid_rows == report.rows == 600
    assert report.header_errors == 1


def test_quoted_newlines_are_never_cut(tmp_path: Path, no_fallback: None) -> None:
    rows = records(600)
    for n, record in enumerate(rows):
        if n % 3 == 0:
            record["violation_facts"] = '第一行\n第二行\n\n"引号", 逗号\n'
    path = write_csv(tmp_path / "newlines.csv", rows)
    data = path.read_bytes()
    assert data.count(b"\n") > 1.5 * len(rows)
    assert_same(path)


def test_gbk_crlf_without_final_newline(tmp_path: Path, no_fallback: None) -> None:
    rows = [r for r in records(500) if "９" not in r.get("uscc", "")]  # not in GBK
    assert_same(write_csv(tmp_path / "gbk.csv", rows, encoding="gbk", trailing_newline=False))


def test_utf8_bom(tmp_path: Path, no_fallback: None) -> None:
    assert_same(write_csv(tmp_path / "bom.csv", records(400), encoding="utf-8-sig"))


def test_ndjson_unknown_keys_bad_lines_and_line_numbers(tmp_path: Path, no_fallback: None) -> None:
    lines = []
    for n, record in enumerate(records(700), start=1):
        if n % 50 == 0:
            record["extra_key"] = "x"  # reported once, on its first row
        if n % 90 == 0:
            lines.append("{not json")
        if n % 60 == 0:
            lines.append("")
        if n % 110 == 0:
            lines.append("[1, 2]")
        lines.append(json.dumps(record, ensure_ascii=False))
    path = tmp_path / "p.ndjson"
    path.write_bytes("\r\n".join(lines).encode())
    report = assert_same(path)
    unknown = [i for i in report.issues if i.code == "unknown-column"]
    assert [i.value for i in unknown] == ["extra_key"]
    assert {"invalid-json", "not-an-object"} <= {i.code for i in report.issues}


def test_stray_quote_falls_back_to_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = records(600)
    for n, record in enumerate(rows):
        if n % 40 == 5:
            record["remarks"] = "x"  # replaced by an unquoted cell with a stray quote below
        if n % 3 == 0:
            record["violation_facts"] = "第一行\n第二行"
    path = write_csv(tmp_path / "stray.csv", rows)
    # csv reads `5" 屏幕` literally, but it makes the count of quotes odd: the next quoted
    # cell's line break then looks like a place to cut
    text = path.read_text("utf-8").replace(",x,", ',5" 屏幕,')
    path.write_text(text, "utf-8", newline="")
    fallbacks: list[Path] = []
    real = validate_file

    def spy(dataset: str, path: Any, **kw: Any) -> Report:
        fallbacks.append(path)
        return real(dataset, path, **kw)

    monkeypatch.setattr(par, "validate_file", spy)
    assert_same(path)
    assert fallbacks == [path]


def test_decode_error_raises_what_validate_file_raises(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", records(600))
    data = bytearray(path.read_bytes())
    data[len(data) * 3 // 4 : len(data) * 3 // 4 + 1] = b"\xff"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError) as seq:
        validate_file(DATASET, path, today=TODAY)
    with pytest.raises(ReadError) as got:
        validate_file_parallel(DATASET, path, **SMALL)
    assert (got.value.code, str(got.value)) == (seq.value.code, str(seq.value))


def test_small_files_and_workbooks_take_the_single_process_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real: Callable[..., Report] = validate_file

    def spy(dataset: str, path: Any, **kw: Any) -> Report:
        calls.append(Path(path).name)
        return real(dataset, path, **kw)

    monkeypatch.setattr(par, "validate_file", spy)
    small = write_csv(tmp_path / "small.csv", records(50))
    assert validate_file_parallel(DATASET, small, today=TODAY) == validate_file(
        DATASET, small, today=TODAY
    )
    one = validate_file_parallel(DATASET, small, **{**SMALL, "workers": 1})
    assert one == validate_file(DATASET, small, today=TODAY)
    assert calls == ["small.csv", "small.csv"]


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(",".join(s.title_zh for s in SPECS) + "\n\n\n", "utf-8")
    report = assert_same(path)
    assert [i.code for i in report.issues][-1:] == ["no-rows"]


# -- where the file is cut -------------------------------------------------------------------

_CELL = st.text(alphabet=st.sampled_from('ab,"\n\r 中'), max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(_CELL, min_size=1, max_size=4), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=64),
)
def test_cuts_fall_between_records(
    tmp_path_factory: Any, table: list[list[str]], piece_bytes: int
) -> None:
    """Well-formed CSV (as csv.writer writes it): the pieces tile the file and parsing
    them one by one gives the records of the whole file."""
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(table)
    data = buf.getvalue().encode()
    path = tmp_path_factory.mktemp("cuts") / "t.csv"
    path.write_bytes(data)
    pieces = list(par._cuts(str(path), piece_bytes, quoted=True))
    assert b"".join(data[p.offset : p.offset + p.length] for p in pieces) == data
    assert [p.last for p in pieces] == [False] * (len(pieces) - 1) + [True]
    whole = list(csv.reader(io.StringIO(data.decode(), newline="")))
    parts = [
        rec
        for p in pieces
        for rec in csv.reader(
            io.StringIO(data[p.offset : p.offset + p.length].decode(), newline="")
        )
    ]
    assert parts == whole
