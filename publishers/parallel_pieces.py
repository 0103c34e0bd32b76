"""The pieces of a parallel validation and the worker's side (:mod:`publishers.parallel`).

What a worker is told (:class:`Job`), the piece of the file it validates (:class:`Piece`) and
what it answers (:class:`Outcome`); :func:`validate_piece` runs in the worker process: the
piece is read from its byte range and validated with the worker's own
:class:`~publishers.intake.Intake`, numbering rows from 1, or refused (:data:`FAILED`) when
the single-process answer cannot be promised (an undecodable byte, a CSV syntax error, a
piece that ends inside a quoted cell).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from publishers.csvfiles import csv_records as _csv_records
from publishers.duplicates import KeyTracker
from publishers.headers import map_columns
from publishers.intake import Intake
from publishers.readers import ReadError, Table
from publishers.report import Issue, Report, make_issue
from publishers.sources import _Source

CODECS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gbk": "gbk", "gb18030": "gb18030"}
"""Codecs whose multi-byte sequences never contain the bytes of ``\\r``, ``\\n`` or ``"``
(GBK/GB18030 trail bytes are >= 0x30), so a cut after a newline byte is a cut between
characters; the value is the codec of every piece but the first (no BOM mid-file)."""


@dataclass(frozen=True, slots=True)
class Job:
    """What every worker needs to know about the file (sent once, to the initializer)."""

    dataset: str
    today: dt.date
    path: str
    format: str
    codec: str
    requested: str
    delimiter: str | None
    headers: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Piece:
    index: int
    offset: int
    length: int
    last: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """A validated piece: ``span`` rows to shift the next piece by, counts and issues."""

    ok: bool
    span: int = 0
    rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    issues: tuple[Issue, ...] = ()
    keys: bytes = b""
    """Digests of the natural keys the piece met first (publishers.duplicates)."""


FAILED = Outcome(ok=False)


class FallbackError(Exception):
    """The parallel path cannot promise the single-process answer; take that path."""


_JOB: Job | None = None
_INTAKE: Intake | None = None


def start_worker(job: Job) -> None:
    """Worker initializer: one Intake per process (validators compiled once)."""
    global _JOB, _INTAKE
    _JOB, _INTAKE = job, Intake(job.dataset, today=job.today, key_digests=True)


def validate_piece(piece: Piece) -> Outcome:
    """The pool's task (the job and the Intake come from :func:`start_worker`)."""
    assert _JOB is not None and _INTAKE is not None
    return validate_in(_JOB, _INTAKE, piece)


def validate_in(job: Job, intake: Intake, piece: Piece) -> Outcome:
    with open(job.path, "rb") as fh:
        fh.seek(piece.offset)
        data = fh.read(piece.length)
    codec = job.codec if piece.index == 0 else CODECS[job.codec]
    intake.report = Report(dataset=job.dataset)
    intake.keys = KeyTracker(intake.entry, digests=True)
    if job.format == "csv":
        span = _csv_piece(intake, job, piece, data, codec)
        if span is None:
            return FAILED
    else:
        span = _ndjson_piece(intake, job, data, codec)
        if span is None:
            return FAILED
    r = intake.report
    digests = intake.keys.digests
    keys = digests.tobytes() if digests is not None else b""
    return Outcome(True, span, r.rows, r.valid_rows, r.invalid_rows, tuple(r.issues), keys)


ROW_VALUED = frozenset({"duplicate-key", "duplicate-row"})
"""Codes whose value names another row of the same piece: shifted with the row."""
_NUMBER = re.compile(r"[0-9]+")


def shift_duplicate(issue: Issue, shift: int) -> Issue:
    assert issue.row is not None and issue.value is not None
    first = int(_NUMBER.search(issue.value).group()) + shift  # type: ignore[union-attr]
    value = f"row {first}" if issue.code == "duplicate-key" else str(first)
    return make_issue(issue.code, row=issue.row + shift, value=value)


def _csv_piece(intake: Intake, job: Job, piece: Piece, data: bytes, codec: str) -> int | None:
    """Validate one CSV piece; the number of records it holds, or None to fall back."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    stream = io.StringIO(text, newline="")  # splits lines as the reader's TextIOWrapper does
    assert job.headers is not None and job.delimiter is not None
    headers = list(job.headers)
    try:
        if piece.index == 0:
            delimiter, found, reader = _csv_records(stream)
            if found != headers or delimiter != job.delimiter:
                return None
        else:
            reader = csv.reader(stream, delimiter=job.delimiter)
        tally = _Tally(reader)
        colmap = map_columns(headers, intake.specs, intake.index)
        for _ in intake._tabular(tally.rows(), colmap):
            pass
    except csv.Error:
        return None
    if not piece.last and tally.ends_in_quotes():
        return None
    return tally.records


class _Tally:
    """Numbers CSV records as ``publishers.readers`` does and remembers the last one."""

    def __init__(self, reader: Iterator[list[str]]) -> None:
        self.reader = reader
        self.records = 0
        self.last: list[str] = []

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 0
        for record in self.reader:
            number += 1
            self.last = record
            if any(record):  # blank records are counted, not yielded (readers.py)
                yield number, record
        self.records = number

    def ends_in_quotes(self) -> bool:
        """Whether the piece may end inside a quoted cell: the reader then keeps the final
        line break in the last cell (a legitimate cell ending in one is doubted too)."""
        return bool(self.last) and self.last[-1].endswith(("\n", "\r"))


def _ndjson_piece(intake: Intake, job: Job, data: bytes, codec: str) -> int | None:
    """Validate one NDJSON piece; the number of lines it holds, or None to fall back."""
    source = _Source(name=job.path, data=data)
    table = Table(job.path, "ndjson", codec, None, _source=source, _requested=job.requested)
    try:
        for _ in intake.records(table.rows()):
            pass
    except ReadError:
        return None
    # Lines as universal-newline text counts them (\r\n, \r, \n), counted on the bytes:
    # these codecs encode no other character with those bytes.
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
