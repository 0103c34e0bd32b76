"""The draw's random numbers: a documented, reproducible stream derived from the seed.

Python's :mod:`random` is not used: its algorithm is an implementation detail that may change,
and a citizen re-running a draw in another language must get the same numbers. The stream is
HMAC-SHA256 in counter mode (docs/inspections.md, "The random numbers")::

    block(i) = HMAC-SHA256(key = UTF-8(seed), message = UTF-8(context) || 0x00 || uint64_be(i))

for i = 0, 1, 2, …; the blocks are concatenated and read 8 bytes at a time as unsigned
big-endian 64-bit integers. :meth:`Stream.below` turns them into an integer in ``[0, n)`` by
rejection (a word ``x >= 2**64 - (2**64 mod n)`` is skipped; otherwise ``x mod n``), so every
value is equally likely. :func:`sample` is a partial Fisher–Yates shuffle over that stream.
Each stratum and each target gets its own ``context``, so changing one part of a draw never
shifts the numbers of another.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
_WORD = 2**64


class Stream:
    """The uint64 stream of ``(seed, context)``."""

    def __init__(self, seed: str, context: str) -> None:
        self._key = seed.encode("utf-8")
        self._prefix = context.encode("utf-8") + b"\x00"
        self._counter = 0
        self._buffer = b""

    def _block(self) -> bytes:
        message = self._prefix + self._counter.to_bytes(8, "big")
        self._counter += 1
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def word(self) -> int:
        """The next unsigned 64-bit integer."""
        if len(self._buffer) < 8:
            self._buffer += self._block()
        value, self._buffer = int.from_bytes(self._buffer[:8], "big"), self._buffer[8:]
        return value

    def below(self, n: int) -> int:
        """A uniform integer in ``[0, n)`` (rejection sampling, no modulo bias)."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = _WORD - (_WORD % n)
        while True:
            x = self.word()
            if x < limit:
                return x % n


def sample(items: Sequence[T], k: int, stream: Stream) -> list[T]:
    """``k`` items without replacement, in draw order: for i in 0..k-1, swap position i with
    position ``i + below(len - i)`` and take position i (partial Fisher–Yates)."""
    pool = list(items)
    k = min(k, len(pool))
    for i in range(k):
        j = i + stream.below(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def seed_commitment(seed: str) -> str:
    """The published commitment of a seed: SHA-256 (hex) of its UTF-8 bytes."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()
