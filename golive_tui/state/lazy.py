"""The audit chain of a state document, parsed one entry at a time when asked.

A long cutover's record holds thousands of entries; most commands read one or two (the
last entry's hash and sequence number, an approval's entry), and verification resumes
after the prefix it already checked (verified.py). `LazyAudit` stands where a list of
entries stood: it keeps the document's audit text as it was read, parses an entry the
first time it is indexed, and writes that text back unchanged, so an append costs the
new entries only. A chunk that does not parse as exactly one entry sends the whole
audit part through the full TOML parser (a multi-line string holding `[[audit]]`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from typing import Any, overload

from .document import SEPARATOR, digest
from .schema import AuditEntry

AUDIT_HEADER = "[[audit]]\n"
_SEPARATOR = "\n" + AUDIT_HEADER


class ChunkError(Exception):
    """A chunk of the audit text is not one audit entry."""


def chunk_starts(text: str, base: int = 0) -> list[int]:
    """Offsets (in `text`) of the entries of the audit part that begins at `base` with its first
    header.

    A `[[audit]]` line inside a multi-line string (an odd number of triple quotes since
    the entry began: tomli_w escapes quotes inside strings) is evidence, not an entry.
    """
    starts = [base]
    find = text.find
    at = find(_SEPARATOR, base)
    while at >= 0:
        if text.count('"""', starts[-1], at) % 2 == 0:
            starts.append(at + 1)
        at = find(_SEPARATOR, at + 1)
    return starts


def audit_start(text: str) -> int:
    """Where a document's audit part begins (its first `[[audit]]` outside a string), or -1."""
    at = text.find(_SEPARATOR)
    while at >= 0 and text.count('"""', 0, at) % 2:
        at = text.find(_SEPARATOR, at + 1)
    return at + 1 if at >= 0 else -1


class LazyAudit:
    """A list of audit entries backed by the text they were read from."""

    def __init__(
        self,
        text: str,
        base: int,
        parse: Callable[[str], AuditEntry],
        full: Callable[[], list[AuditEntry]],
    ) -> None:
        starts = chunk_starts(text, base)
        ends = [at - 1 for at in starts[1:]] + [len(text)]
        # One string per entry, not the document: a save writes them as pieces (document.py)
        # and appends to the list, so nothing of the record's size is built per save.
        self._set([text[start:end] for start, end in zip(starts, ends, strict=True)], parse, full)

    @classmethod
    def of_chunks(
        cls,
        chunks: list[str],
        parse: Callable[[str], AuditEntry],
        full: Callable[[], list[AuditEntry]],
    ) -> LazyAudit:
        """Over the texts of its entries, one each, as written (Codec.settle)."""
        made = cls.__new__(cls)
        made._set(chunks, parse, full)
        return made

    def _set(
        self,
        chunks: list[str],
        parse: Callable[[str], AuditEntry],
        full: Callable[[], list[AuditEntry]],
    ) -> None:
        self._chunks = chunks
        """The stored entries' texts, each from its `[[audit]]` line to its last line's newline."""
        self._has_text = True
        self._parse = parse
        self._full = full
        self._read: list[AuditEntry | None] = [None] * len(chunks)
        self.added: list[AuditEntry] = []
        """Entries appended since the document was read (written after the stored ones)."""

    # --- the text --------------------------------------------------------------------------------
    @property
    def chunks(self) -> list[str]:
        """The stored entries' texts (not to be changed), written back as they are."""
        return self._chunks

    @property
    def has_text(self) -> bool:
        return self._has_text

    def mentions(self, word: str) -> bool:
        """Whether the stored entries' text holds `word` anywhere (a cheap filter before parsing
        them)."""
        return any(word in chunk for chunk in self._chunks)

    @property
    def stored(self) -> int:
        """How many entries the text holds."""
        return len(self._read)

    def chunk(self, index: int) -> str:
        return self._chunks[index]

    def prefix_text(self, count: int) -> str:
        """The text of the first `count` stored entries (what a remembered verification covers)."""
        return SEPARATOR.join(self._chunks[:count])

    def prefix_digest(self, count: int) -> str:
        """SHA-256 of `prefix_text(count)`, UTF-8, without building that text."""
        return digest(self._chunks[:count])

    def _entry(self, index: int) -> AuditEntry:
        entry = self._read[index]
        if entry is None:
            try:
                entry = self._parse(self.chunk(index))
            except (ChunkError, tomllib.TOMLDecodeError, ValueError):
                entries = (
                    self._full()
                )  # the layout is not one entry per chunk: trust the full parser
                self._chunks = []
                self._has_text = False
                self._read = list(entries)
                raise _Reparsed from None
            self._read[index] = entry
        return entry

    def _get(self, index: int) -> AuditEntry:
        while True:
            try:
                return (
                    self._entry(index)
                    if index < len(self._read)
                    else self.added[index - len(self._read)]
                )
            except _Reparsed:
                continue

    # --- the list ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._read) + len(self.added)

    def __bool__(self) -> bool:
        return len(self) > 0

    @overload
    def __getitem__(self, index: int) -> AuditEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[AuditEntry]: ...
    def __getitem__(self, index: int | slice) -> AuditEntry | list[AuditEntry]:
        if isinstance(index, slice):
            return [self._get(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("audit entry index out of range")
        return self._get(index)

    def __iter__(self) -> Iterator[AuditEntry]:
        for index in range(len(self)):
            yield self._get(index)

    def __reversed__(self) -> Iterator[AuditEntry]:
        for index in reversed(range(len(self))):
            yield self._get(index)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, LazyAudit | list) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def held(self) -> list[AuditEntry | None]:
        """Every entry as it is held now: the parsed ones, None for the others, then those
        appended."""
        return [*self._read, *self.added]

    def keep_last(self, entries: list[AuditEntry | None]) -> None:
        """The last stored entries are these objects (this text was written from them): not parsed
        again."""
        if entries and len(entries) <= len(self._read):
            self._read[len(self._read) - len(entries) :] = entries

    def append(self, entry: AuditEntry) -> None:
        self.added.append(entry)

    def copy(self) -> LazyAudit:
        """Another list over the same text and parsed entries (appends to either stay apart)."""
        twin = LazyAudit.__new__(LazyAudit)
        twin._chunks, twin._has_text = self._chunks, self._has_text
        twin._parse, twin._full = self._parse, self._full
        twin._read = self._read  # shared: an entry parsed once is parsed for both
        twin.added = list(self.added)
        return twin

    def __repr__(self) -> str:
        return f"LazyAudit({len(self._read)} read, {len(self.added)} added)"


class _Reparsed(Exception):
    """The audit part was parsed in full: look the entry up again."""
