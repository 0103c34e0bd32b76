"""The character encoding (字符编码) of an uploaded text file: choose it, then hold files to it.

Departments export CSV from their own systems in UTF-8 (with or without a BOM) or in the
Chinese national encodings GBK / GB18030. :func:`resolve_encoding` decides from a sample
of the first bytes; the reader then decodes the *whole* stream strictly with that codec,
because a file can be ASCII for its first megabyte and GBK afterwards. Nothing here ever
replaces undecodable bytes: a wrong guess must surface as an error, never as mojibake.

Decision for ``"auto"``:

1. a byte-order mark decides (UTF-8 → ``utf-8-sig``; UTF-16, as Excel's "Unicode text"
   writes it → ``utf-16``);
2. a sample that is valid UTF-8 (pure ASCII included) → ``utf-8``;
3. a sample that is valid GB18030, reads as Chinese and holds no UTF-8 Chinese → ``gb18030``
   (a superset of GBK, so GBK files resolve to it too);
4. otherwise undecidable (``None``): the caller asks for an explicit encoding.

"Reads as Chinese" is measured on GB2312, the 6,763 common hanzi plus full-width
punctuation that make up almost all of any real Chinese text: Latin-1 or random bytes that
happen to decode as GB18030 land mostly outside it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Literal

Encoding = Literal["auto", "utf-8", "gbk", "gb18030"]
"""What a caller may ask for; ``auto`` detects."""

SAMPLE_SIZE = 64 * 1024
"""Bytes inspected to choose an encoding (at least; see :func:`read_sample`)."""

SAMPLE_LIMIT = 1024 * 1024
"""Bytes a sample may grow to while it holds no non-ASCII line to judge by."""

CHINESE_SHARE = 0.8
"""Least share of non-ASCII characters in GB2312 for a GB18030 reading to count as Chinese.

Real GBK text scores about 0.99; UTF-8 Chinese misread as GB18030 about 0.3; random high
bytes below 0.6; Latin-1 near 0.
"""

# Three CJK ideographs in a row as UTF-8 bytes (U+4E00-U+9FFF): all but absent from GBK text,
# always present in UTF-8 Chinese; a GB18030-valid sample holding them mixes the two.
_UTF8_HANZI_RUN = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf]{2}){3}")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_EXPLICIT = {"utf-8": "utf-8", "gbk": "gbk", "gb18030": "gb18030"}


def read_sample(raw: IO[bytes]) -> tuple[bytes, bool]:
    """The start of a stream to choose an encoding by, and whether it is the whole stream.

    At least :data:`SAMPLE_SIZE` bytes, extended up to :data:`SAMPLE_LIMIT` while every
    complete line in it is ASCII: a header of national codes followed by ASCII rows says
    nothing about the encoding, the first Chinese name does.
    """
    sample = raw.read(SAMPLE_SIZE)
    while len(sample) < SAMPLE_LIMIT and _complete_lines(sample).isascii():
        more = raw.read(SAMPLE_SIZE)
        if not more:
            return sample, True
        sample += more
    return sample, not raw.read(1)


def _complete_lines(sample: bytes) -> bytes:
    # 0x0A never occurs inside a UTF-8, GBK or GB18030 character, so this cut is clean.
    return sample[: sample.rfind(b"\n") + 1]


def bom_encoding(sample: bytes) -> str | None:
    """The codec named by a byte-order mark at the start of ``sample``, if there is one."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    return None


def resolve_encoding(requested: str, sample: bytes, *, complete: bool) -> str | None:
    """The codec to decode a file with, or None when ``auto`` cannot decide.

    ``sample`` is the start of the file and ``complete`` says whether it is the whole
    file; an incomplete sample is judged on its complete lines, so a character cut at its
    end is not an error.
    An explicit ``utf-8`` on a file with a BOM resolves to ``utf-8-sig`` so the BOM does not
    end up in the first header; ``gbk`` and ``gb18030`` are taken as asked.

    Raises ValueError for an encoding that is not one of :data:`Encoding`.
    """
    if requested != "auto":
        if requested not in _EXPLICIT:
            raise ValueError(f"unknown encoding {requested!r}")
        if requested == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return _EXPLICIT[requested]
    by_bom = bom_encoding(sample)
    if by_bom is not None:
        return by_bom
    if not complete and b"\n" in sample:
        sample, complete = _complete_lines(sample), True
    if _decodes(sample, "utf-8", complete=complete) is not None:
        return "utf-8"
    text = _decodes(sample, "gb18030", complete=complete)
    if text is not None and looks_chinese(text) and not has_utf8_hanzi(sample):
        return "gb18030"
    return None


def has_utf8_hanzi(sample: bytes) -> bool:
    """True when ``sample`` holds a run of Chinese characters encoded as UTF-8."""
    return _UTF8_HANZI_RUN.search(sample) is not None


def looks_chinese(text: str) -> bool:
    """True when most non-ASCII characters of ``text`` are common (GB2312) Chinese.

    Text without any non-ASCII character is not Chinese by this measure.
    """
    wide = [c for c in text if c > "\x7f"]
    if not wide:
        return False
    common = sum(1 for c in wide if _in_gb2312(c))
    return common >= CHINESE_SHARE * len(wide)


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _decodes(sample: bytes, encoding: str, *, complete: bool) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(sample, final=complete)
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True, slots=True)
class DecodeFailure:
    """Where a byte stream stops decoding: 0-based byte ``offset``, 1-based ``line``."""

    offset: int
    line: int
    bad: bytes
    reason: str

    def describe(self) -> str:
        """``line 3 (byte 57): bytes d6 d0 — illegal multibyte sequence``."""
        return f"line {self.line} (byte {self.offset}): bytes {self.bad.hex(' ')} — {self.reason}"


def find_decode_failure(chunks: Iterable[bytes], encoding: str) -> DecodeFailure | None:
    """Decode ``chunks`` strictly and locate the first failure, or None if all decodes.

    A second pass used only to explain an error, so it favours clarity over speed.
    """
    factory = codecs.getincrementaldecoder(encoding)
    decoder = factory(errors="strict")
    offset = 0  # bytes fed to the decoder before the current chunk
    lines = 1
    for chunk, final in _with_final(chunks):
        state = decoder.getstate()
        try:
            lines += decoder.decode(chunk, final=final).count("\n")
        except UnicodeDecodeError as exc:
            # exc.object is the bytes still pending from the previous chunk, then this one;
            # replay the good part from the saved state to count its line breaks.
            start = exc.start - len(state[0])
            replay = factory(errors="strict")
            replay.setstate(state)
            lines += replay.decode(chunk[: max(start, 0)]).count("\n")
            return DecodeFailure(
                offset=offset + start,
                line=lines,
                bad=exc.object[exc.start : exc.end][:8],
                reason=exc.reason,
            )
        offset += len(chunk)
    return None


def _with_final(chunks: Iterable[bytes]) -> Iterable[tuple[bytes, bool]]:
    previous: bytes | None = None
    for chunk in chunks:
        if previous is not None:
            yield previous, False
        previous = chunk
    yield (previous or b""), True
