"""Parallel validation (并行校验) of large CSV and NDJSON files: the same report, sooner.

:func:`validate_file_parallel` answers exactly what :func:`publishers.validate_file` answers —
the same issues in the same order, the same counts — using several processes. The file is
cut into pieces of about ``chunk_rows`` rows at line ends; ``workers - 1`` worker processes
and the calling process validate the pieces, each with its own
:class:`~publishers.intake.Intake`, numbering rows from 1, and the caller merges the results
in file order, shifting row numbers by the rows of the pieces before.

Where a cut may fall (CSV): only after a newline preceded by an even number of ``"`` in the
file, i.e. outside any quoted cell of a well-formed file, so quoted cells holding line breaks
stay whole. A stray quote inside an unquoted cell (which Python's csv reader accepts) can
fool that count; each worker therefore checks that its piece does not end inside a quoted
cell, and any doubt — that, an undecodable byte, a CSV syntax error, a header that is not
where it should be — sends the whole file down the single-process path, which also raises
the very :class:`~publishers.readers.ReadError` a caller would have got.

The single-process path is also taken for XLSX and JSON arrays (no line structure), UTF-16,
one worker, and files too small to repay starting processes (performance: a worker costs
about 0.3 s to start; below ``min_rows`` rows or ``min_bytes`` bytes one process is faster).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from publishers.headers import map_columns
from publishers.intake import Intake, validate_file
from publishers.parallel_pieces import (
    CODECS,
    ROW_VALUED,
    FallbackError,
    Job,
    Outcome,
    Piece,
    shift_duplicate,
    start_worker,
    validate_in,
    validate_piece,
)
from publishers.readers import (
    Encoding,
    Format,
    Table,
    open_table,
)
from publishers.report import MAX_VALUE_CHARS, Report, make_issue

MIN_ROWS = 50_000
"""Below this many (estimated) data rows the single-process path is faster."""

MIN_BYTES = 5 * 1024 * 1024
"""Below this file size the single-process path is faster."""

_SAMPLE_BYTES = 1024 * 1024  # to estimate bytes per row
_MIN_PIECE_ROWS = 2_000


def validate_file_parallel(
    dataset_id: str,
    path: str | os.PathLike[str],
    *,
    format: Format = "auto",
    encoding: Encoding = "auto",
    workers: int | None = None,
    today: dt.date | None = None,
    chunk_rows: int = 20_000,
    min_rows: int = MIN_ROWS,
    min_bytes: int = MIN_BYTES,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Validate a whole file with ``workers`` processes (default: one per CPU).

    Returns a report equal to ``validate_file(dataset_id, path, ...)``'s and raises what it
    raises (``ReadError``, ``UnknownDatasetError``). ``progress`` is called with the number
    of rows validated so far after each piece.
    """
    intake = Intake(dataset_id, today=today)  # unknown dataset first, as validate_file
    table = open_table(path, format=format, encoding=encoding)
    today = today or dt.date.today()  # one day for every worker, even across midnight
    workers = (os.cpu_count() or 1) if workers is None else workers
    pieces = _plan(table, workers, chunk_rows, min_rows, min_bytes)
    if pieces is not None:
        job = Job(
            dataset=dataset_id,
            today=today,
            path=os.path.abspath(table.path),
            format=table.format,
            codec=table.encoding or "",
            requested=table._requested,
            delimiter=table.delimiter,
            headers=None if table.headers is None else tuple(table.headers),
        )
        try:
            return _run(job, intake, table, pieces, workers, progress)
        except FallbackError:
            pass
    return validate_file(
        dataset_id, path, format=format, encoding=encoding, today=today, progress=progress
    )


# -- planning (parent) -------------------------------------------------------------------


def _plan(
    table: Table, workers: int, chunk_rows: int, min_rows: int, min_bytes: int
) -> Iterator[Piece] | None:
    """The pieces to validate, or None when one process is the better (or only) way."""
    if workers < 2 or table.format not in ("csv", "ndjson") or table.encoding not in CODECS:
        return None
    source_path = table._source.path
    if source_path is None:
        return None
    size = source_path.stat().st_size
    with source_path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    row_bytes = max(len(sample) / max(sample.count(b"\n"), 1), 1.0)
    rows = size / row_bytes
    if size < min_bytes or rows < min_rows:
        return None
    # at least four pieces per worker, so that no one waits long for the last piece
    piece_rows = min(max(chunk_rows, 1), max(int(rows / (4 * workers)), _MIN_PIECE_ROWS))
    piece_bytes = max(int(row_bytes * piece_rows), 4096)
    return _cuts(str(source_path), piece_bytes, quoted=table.format == "csv")


def _cuts(path: str, piece_bytes: int, *, quoted: bool) -> Iterator[Piece]:
    """Consecutive pieces of about ``piece_bytes``, each ending just after a newline byte.

    With ``quoted`` a cut is made only where the ``"`` seen so far are even in number.
    """
    with open(path, "rb") as fh:
        offset, odd, index = 0, False, 0
        buf = fh.read(piece_bytes)
        while buf:
            more = fh.read(piece_bytes)  # read ahead: the piece that reaches the end is last
            if not more:
                yield Piece(index, offset, len(buf), last=True)
                return
            cut = _last_cut(buf, odd) if quoted else buf.rfind(b"\n") + 1
            if cut <= 0:
                buf += more  # no usable line end yet: the piece grows
                continue
            yield Piece(index, offset, cut, last=False)
            if quoted:
                odd ^= bool(buf.count(b'"', 0, cut) & 1)
            index += 1
            offset += cut
            buf = buf[cut:] + more


def _last_cut(buf: bytes, odd: bool) -> int:
    """The position after the last newline of ``buf`` outside quotes (0: none)."""
    parity = odd ^ bool(buf.count(b'"') & 1)  # after the whole buffer
    end = len(buf)
    while True:
        newline = buf.rfind(b"\n", 0, end)
        if newline < 0:
            return 0
        parity ^= bool(buf.count(b'"', newline + 1, end) & 1)  # now: just after the newline
        if not parity:
            return newline + 1
        end = newline


# -- running and merging (parent) ----------------------------------------------------------


def _run(
    job: Job,
    intake: Intake,
    table: Table,
    pieces: Iterator[Piece],
    workers: int,
    progress: Callable[[int], None] | None,
) -> Report:
    report = Report(dataset=job.dataset)
    if table.headers is not None:
        for issue in map_columns(table.headers, intake.specs, intake.index).issues:
            report.add(issue)
    shift = 0
    unknown: set[str | None] = set()
    keys: set[int] = set()
    context = multiprocessing.get_context("spawn")  # no fork of a threaded server process
    local = Intake(job.dataset, today=job.today, key_digests=True)
    # The parent is one of the workers: it validates pieces itself whenever the next result
    # is not ready (from the start, while the others are still starting up).
    with ProcessPoolExecutor(
        max_workers=workers - 1, mp_context=context, initializer=start_worker, initargs=(job,)
    ) as pool:
        try:
            for outcome in _ordered(pool, pieces, job, local, window=2 * (workers - 1)):
                if not outcome.ok:
                    raise FallbackError
                digests = array("Q")
                digests.frombytes(outcome.keys)
                if not keys.isdisjoint(digests):
                    raise FallbackError  # a key in two pieces: the single pass numbers them
                keys.update(digests)
                for issue in outcome.issues:
                    if issue.code == "no-rows":
                        continue  # a piece of blank lines; decided for the file below
                    if issue.code == "unknown-column" and issue.row is not None:
                        # NDJSON reports an unknown key once, on the first row that has it
                        if issue.value in unknown:
                            continue
                        if issue.value is not None and len(issue.value) >= MAX_VALUE_CHARS:
                            raise FallbackError  # truncated: two keys may look alike
                        unknown.add(issue.value)
                    if shift and issue.code in ROW_VALUED:
                        issue = shift_duplicate(issue, shift)
                    elif shift and issue.row is not None:
                        issue = replace(issue, row=issue.row + shift)
                    report.issues.append(issue)
                report.rows += outcome.rows
                report.valid_rows += outcome.valid_rows
                report.invalid_rows += outcome.invalid_rows
                shift += outcome.span
                if progress is not None:
                    progress(report.rows)
        except (FallbackError, BrokenProcessPool):
            pool.shutdown(wait=True, cancel_futures=True)
            raise FallbackError from None
    if report.rows == 0:
        report.add(make_issue("no-rows"))
    return report


def _ordered(
    pool: ProcessPoolExecutor,
    pieces: Iterator[Piece],
    job: Job,
    local: Intake,
    *,
    window: int,
) -> Iterator[Outcome]:
    """Results in piece order. At most ``window`` pieces are in the pool (memory stays flat);
    the calling process validates the first piece itself while the pool starts up, and
    another one whenever the oldest in the pool is not done yet."""
    pending: deque[Future[Outcome] | Outcome | Piece] = deque()
    first = next(pieces, None)
    if first is None:
        return
    pending.append(first)
    in_pool = 0
    more = True
    while pending:
        while more and in_pool < window:
            piece = next(pieces, None)
            if piece is None:
                more = False
            else:
                pending.append(pool.submit(validate_piece, piece))
                in_pool += 1
        head = pending[0]
        if isinstance(head, Piece):
            pending.popleft()
            yield validate_in(job, local, head)
        elif isinstance(head, Outcome):
            yield pending.popleft()  # type: ignore[misc]
        elif head.done() or not more:
            pending.popleft()
            in_pool -= 1
            yield head.result()
        else:
            piece = next(pieces, None)
            if piece is None:
                more = False
            else:
                pending.append(validate_in(job, local, piece))


# -- workers -----------------------------------------------------------------------------
