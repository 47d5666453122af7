"""A state document as the pieces it is dumped from: written, measured and hashed piece by piece.

A long cutover's record is megabytes, and the cockpit saves it on every sweep. Built as one
string (and encoded as one buffer) per save, each save allocated and freed blocks of the
record's size from a worker thread: glibc raises its mmap threshold to the size of a freed
mapped block, so those blocks then came from the heap and stayed there (RSS +23 to +34 %
over 480 sweeps, bench/long_cutover.py). Pieces are an entry or an item table each: no
allocation of the record's size on the save path, and the bytes written are the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

SEPARATOR = "\n"
"""Between two pieces (a blank line between the tables: the layout `Codec.dumps` always had)."""
BATCH = 64 * 1024
"""Bytes encoded and written at a time: well below glibc's default mmap threshold (128 KiB)."""
DIGEST_GROUP = 16
"""Parts hashed at a time (an audit entry is a few KB: a few tens of KB per step)."""


def utf8_size(piece: str) -> int:
    """The UTF-8 size of `piece` without encoding it when it is ASCII (the usual case)."""
    return len(piece) if piece.isascii() else len(piece.encode("utf-8"))


class Document:
    """The pieces of a document, joined by `SEPARATOR` when it is read as one text."""

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[str]) -> None:
        self.parts = parts

    def __str__(self) -> str:
        """The whole text (a copy of the record's size: for S3 bodies and tests, not local
        saves)."""
        return SEPARATOR.join(self.parts)

    def size(self) -> int:
        """The document's UTF-8 size in bytes."""
        return sum(map(utf8_size, self.parts)) + len(SEPARATOR) * max(len(self.parts) - 1, 0)

    def batches(self) -> Iterator[bytes]:
        """The document's UTF-8 bytes in batches of about `BATCH` bytes (one piece may be more)."""
        batch: list[str] = []
        held = 0
        for n, piece in enumerate(self.parts):
            if n:
                batch.append(SEPARATOR)
            batch.append(piece)
            held += len(piece)
            if held >= BATCH:
                yield "".join(batch).encode("utf-8")
                batch, held = [], 0
        if batch:
            yield "".join(batch).encode("utf-8")


def digest(parts: Sequence[str]) -> str:
    """SHA-256 of the parts joined by `SEPARATOR`, UTF-8: `sha256(str(Document(parts)).encode())`.

    Hashed `DIGEST_GROUP` parts at a time: a Python step per part would hold a transaction's
    lock longer on a long record (verification compares the prefixes it remembers this way).
    """
    hashed = hashlib.sha256()
    for start in range(0, len(parts), DIGEST_GROUP):
        if start:
            hashed.update(SEPARATOR.encode())
        hashed.update(SEPARATOR.join(parts[start : start + DIGEST_GROUP]).encode("utf-8"))
    return hashed.hexdigest()
