"""JSON array and NDJSON uploads, streamed: one object per row, problems located.

An element that is not an object, or an NDJSON line that is not JSON, arrives as a
:class:`~publishers.sources.RowProblem`; see :mod:`publishers.readers` for the contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from publishers.sources import ReadError, RowProblem, _Source, decode_error

_RAW_LIMIT = 1000
JSON_CHUNK = 16 * 1024  # characters; the buffer holds about two
_JSON_SLACK = 32  # a value ending this close to the buffer end may continue in the next chunk
_JSON_WS = " \t\r\n"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)
_JSON_TYPES: dict[type, str] = {
    list: "an array",
    str: "a string",
    int: "a number",
    Decimal: "a number",
    bool: "true/false",
    type(None): "null",
}


def first_json_char(source: _Source, codec: str) -> str:
    with source.text(codec, newline="") as text:
        while chunk := text.read(4096):
            stripped = chunk.lstrip(_JSON_WS + "\ufeff")
            if stripped:
                return stripped[0]
    return ""


def ndjson_rows(source: _Source, encoding: str, requested: str) -> Iterator[tuple[int, Any]]:
    """Stream ``(line number, object or RowProblem)``; blank lines are skipped."""
    with source.text(encoding, newline=None) as text:
        try:
            for number, line in enumerate(text, start=1):
                content = line.strip(_JSON_WS + "\ufeff")
                if not content:
                    continue
                try:
                    value = _DECODER.decode(content)
                except json.JSONDecodeError as exc:
                    yield (
                        number,
                        RowProblem(
                            "invalid-json",
                            f"not valid JSON: {exc.msg} at column {exc.colno}",
                            content[:_RAW_LIMIT],
                        ),
                    )
                    continue
                except (ValueError, RecursionError) as exc:
                    yield (
                        number,
                        RowProblem("invalid-json", f"not valid JSON: {exc}", content[:_RAW_LIMIT]),
                    )
                    continue
                yield number, value if type(value) is dict else _not_an_object(value, content)
        except UnicodeDecodeError:
            raise decode_error(source, encoding, requested) from None


def _not_an_object(value: Any, raw: str) -> RowProblem:
    kind = _JSON_TYPES.get(type(value), "not an object")
    return RowProblem("not-an-object", f"expected a JSON object, found {kind}", raw[:_RAW_LIMIT])


def json_rows(
    source: _Source, encoding: str, requested: str, *, chunk: int = JSON_CHUNK
) -> Iterator[tuple[int, Any]]:
    """Stream ``(element number, object or RowProblem)`` of one top-level array."""
    with source.text(encoding, newline="") as text:
        try:
            yield from enumerate(_ArrayStream(text, source.name, chunk).elements(), start=1)
        except UnicodeDecodeError:
            raise decode_error(source, encoding, requested) from None


class _ArrayStream:
    """The elements of one top-level JSON array, read from a text stream a chunk at a time.

    Each element is parsed by :meth:`json.JSONDecoder.raw_decode` on a buffer that keeps at
    least one chunk of look-ahead; a parse that fails or ends near the buffer's end is retried
    with more text, since the value may continue in the next chunk.
    """

    def __init__(self, text: IO[str], name: str, chunk: int = JSON_CHUNK) -> None:
        self.text = text
        self.name = name
        self.chunk = chunk
        self.buf = ""
        self.pos = 0
        self.line = 1  # line number of buf[0]
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        more = self.text.read(self.chunk)
        if not more:
            self.eof = True
            return False
        self.line += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos :] + more
        self.pos = 0
        return True

    def _peek(self) -> str:
        """The next non-whitespace character ('' at the end), consuming the whitespace."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _JSON_WS:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._more():
                return ""

    def _error(self, message: str, pos: int | None = None) -> ReadError:
        pos = self.pos if pos is None else pos
        line = self.line + self.buf.count("\n", 0, pos)
        column = pos - self.buf.rfind("\n", 0, pos)
        return ReadError(
            f"invalid JSON at line {line} column {column}: {message}",
            code="invalid-json",
            path=self.name,
        )

    def elements(self) -> Iterator[Any]:
        """Yield each element: an object as a dict, anything else as a RowProblem."""
        if self._peek() == "\ufeff":  # a BOM the codec kept (gb18030 has one too)
            self.pos += 1
        if self._peek() != "[":
            raise self._error("expected '[' to start the array")
        self.pos += 1
        if self._peek() == "]":
            self.pos += 1
        else:
            yield from self._values()
        if self._peek():
            raise self._error("unexpected data after the array")

    def _values(self) -> Iterator[Any]:
        scan = _DECODER.raw_decode
        while True:
            if len(self.buf) - self.pos < self.chunk:
                self._more()
            start = self.pos
            try:
                value, end = scan(self.buf, start)
            except json.JSONDecodeError as exc:
                near_end = exc.pos >= len(self.buf) - _JSON_SLACK
                if (near_end or exc.msg.startswith("Unterminated string")) and self._more():
                    continue
                raise self._error(exc.msg, exc.pos) from None
            except (ValueError, RecursionError) as exc:
                raise self._error(str(exc) or "nested too deeply", start) from None
            if end >= len(self.buf) - _JSON_SLACK and self._more():
                continue  # a number may go on in the next chunk: parse again with look-ahead
            self.pos = end
            yield value if type(value) is dict else _not_an_object(value, self.buf[start:end])
            separator = self._peek()
            if separator == "]":
                self.pos += 1
                return
            if separator != ",":
                raise self._error(
                    "expected ',' or ']' after an element"
                    if separator
                    else "the array is not closed with ']'"
                )
            self.pos += 1
            if self._peek() == "]":
                raise self._error("a trailing comma before ']'")
