"""CSV (and TSV) uploads: the delimiter sniffed from the header line, records streamed.

Row numbers count records (a quoted cell spanning lines is one row); blank records are
counted, not yielded. See :mod:`publishers.readers` for the payload contract.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from typing import IO, Any

from publishers.sources import ReadError, _Source, decode_error

_DELIMITERS = ",\t;|"
_BLANKISH = ' \t\r\n\f\v,;|"'  # a line of only these carries no header


def _sniff_delimiter(line: str) -> str:
    """The candidate delimiter seen most often outside quotes; ties go to the earlier one."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: (counts[d], -_DELIMITERS.index(d)))
    return best if counts[best] else ","


def csv_records(text: IO[str]) -> tuple[str, list[str] | None, Iterator[list[str]]]:
    """Delimiter, header and the reader positioned on the first data record."""
    lines = iter(text)
    for line in lines:
        if line.strip(_BLANKISH):
            break
    else:
        return ",", None, iter(())
    delimiter = _sniff_delimiter(line)
    reader = csv.reader(itertools.chain((line,), lines), delimiter=delimiter)
    for record in reader:
        if any(cell.strip() for cell in record):
            return delimiter, [cell.strip().strip("\ufeff") for cell in record], reader
    return delimiter, None, reader


MAX_CELL_CHARS = 131_072
"""The longest CSV cell read (csv's own default field limit), enforced here because a library
imported into the same process (frictionless) raises :func:`csv.field_size_limit` for
everyone."""


def csv_rows(source: _Source, encoding: str, requested: str) -> Iterator[tuple[int, Any]]:
    """Stream ``(row number, cells)``; raises ReadError where the text cannot be read."""
    with source.text(encoding, newline="") as text:
        number = 0
        try:
            _, _, reader = csv_records(text)
            for record in reader:
                if record and max(map(len, record)) > MAX_CELL_CHARS:
                    raise csv.Error(f"field larger than field limit ({MAX_CELL_CHARS})")
                number += 1
                if any(record):
                    yield number, record
        except UnicodeDecodeError:
            raise decode_error(source, encoding, requested) from None
        except csv.Error as exc:
            raise ReadError(
                f"CSV cannot be parsed after data row {number}: {exc}",
                code="invalid-csv",
                path=source.name,
            ) from None
