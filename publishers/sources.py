"""What a reader reads from and what it raises: the byte source, read errors, row problems.

Shared by the format readers (:mod:`publishers.readers` for CSV and JSON, :mod:`publishers.xlsx`
for workbooks), so that each can be read without the others.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from publishers.encoding import SAMPLE_SIZE, find_decode_failure, read_sample

_OS_ERRORS: tuple[tuple[type[OSError], str, str], ...] = (
    (FileNotFoundError, "file-not-found", "file not found"),
    (IsADirectoryError, "not-a-file", "a directory, not a file"),
    (PermissionError, "permission-denied", "permission denied"),
)


class ReadError(Exception):
    """The file cannot be read at all; ``code`` is a stable kebab-case reason."""

    def __init__(self, message: str, *, code: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that could not be parsed into an object; the caller reports it on that row.

    ``code`` is ``invalid-json`` or ``not-an-object``; ``raw`` is the offending text (at most
    1,000 characters).
    """

    code: str
    message: str
    raw: Any


@dataclass(frozen=True, slots=True)
class _Source:
    """Where the bytes come from: a file reopened on demand, or an upload held in memory."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    def open(self) -> IO[bytes]:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise self._os_error(exc) from None

    def head(self) -> tuple[bytes, bool]:
        """The sample to choose format and encoding by, and whether it is the whole file."""
        with self.open() as raw:
            try:
                return read_sample(raw)
            except OSError as exc:
                raise self._os_error(exc) from None

    def _os_error(self, exc: OSError) -> ReadError:
        for kind, code, message in _OS_ERRORS:
            if isinstance(exc, kind):
                return ReadError(message, code=code, path=self.name)
        return ReadError(f"cannot read the file: {exc.strerror}", code="io-error", path=self.name)

    def text(self, encoding: str, newline: str | None) -> IO[str]:
        return io.TextIOWrapper(self.open(), encoding=encoding, errors="strict", newline=newline)

    def chunks(self) -> Iterator[bytes]:
        with self.open() as raw:
            yield from iter(lambda: raw.read(SAMPLE_SIZE), b"")


def decode_error(source: _Source, codec: str, requested: str) -> ReadError:
    failure = find_decode_failure(source.chunks(), codec)
    where = failure.describe() if failure else "near the end of the file"
    if requested == "auto":
        hint = (
            f"the start of the file is {codec} but this part is not; the file mixes "
            "encodings: save it again in one encoding (UTF-8)"
        )
    else:
        hint = "the file is in another encoding: try --encoding auto, utf-8 or gb18030"
    return ReadError(f"not valid {codec} at {where}; {hint}", code="decode-error", path=source.name)
