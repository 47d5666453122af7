"""The state document as TOML text and back: sorted, one table per item, the audit chain last.

The audit part is not parsed on reading: it becomes a `LazyAudit` that parses the entries
someone asks for and writes its text back as it was, so a save writes only the new entries'
text; after a save, the state's chain is the text written (settle). A `Codec` also caches
the text of each item record (records are replaced, never mutated, on change) and of each
live sweep's results, and the newest parsed entries. The file stays one plain TOML document.
"""

from __future__ import annotations

import tomllib
from collections import OrderedDict
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from ..errors import LoadError
from ..tomlfile import parse_toml, validation_error
from .canon import strip_none
from .document import SEPARATOR, Document
from .lazy import AUDIT_HEADER, ChunkError, LazyAudit, audit_start
from .schema import SCHEMA_VERSION, AuditEntry, State, migrate

CACHE_LIMIT = 200_000
ENTRY_CACHE = 128
"""Parsed audit entries kept by their text (the newest): the rest is parsed again when asked."""
KEPT_ENTRIES = 128
"""Entries a process keeps as objects across its own saves (its newest: what it has just shown)."""


def _foreign_header(raw: str, base: int = 0) -> bool:
    """A table header in the audit part that is not an entry's: the layout is not ours, parse it
    all.

    A line of evidence that starts with `[` sits inside a multi-line string: an odd number of
    triple quotes since its entry began (tomli_w escapes quotes inside strings). str.find, not a
    regular expression: this runs on every read, and `re` holds the interpreter lock for
    the whole megabytes of a long record.
    """
    entry = base
    at = raw.find("\n[", base)
    while at >= 0:
        line = at + 1
        if raw.count('"""', entry, line) % 2 == 0:  # not inside a string
            if raw.startswith(AUDIT_HEADER, line):
                entry = line
            elif not raw.startswith("[audit.", line):
                return True
        at = raw.find("\n[", line)
    return False


def _check_version(path: Path | str, raw: dict[str, Any]) -> None:
    version = raw.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise LoadError(
            path,
            f"schema_version {version} was written by a newer golive (this one reads "
            f"{SCHEMA_VERSION})",
            key="schema_version",
        )


class Codec:
    """TOML text <-> State, with per-instance caches of the unchanging parts."""

    def __init__(self) -> None:
        self._audit_parsed: OrderedDict[str, AuditEntry] = OrderedDict()
        self._item_text: dict[str, tuple[object, str]] = {}
        self._sweep_text: dict[str, str] = {}

    # --- writing ---------------------------------------------------------------------------
    def _audit_chunk(self, entry: AuditEntry) -> str:
        # Written once: after a save the history is the text written (settle), so no text is cached.
        data = strip_none(entry.model_dump())
        if not data["operator"]:  # files written before the operator field keep their exact text
            del data["operator"]
        if not data["change_id"]:  # entries written before change ids keep their exact text too
            del data["change_id"]
        return tomli_w.dumps({"audit": [data]}, multiline_strings=True)

    def settle(self, state: State, written: Document) -> None:
        """After `written` (this state, dumped by `document`) was saved: its chain becomes a
        LazyAudit over the entries' texts just written.

        The entries written no longer need their objects kept: the next save writes the
        texts back as they are, and an entry asked for is parsed again. So a process saving
        every sweep for hours (the cockpit) holds one copy of the history, in pieces.
        """
        before = state.audit
        if not before:
            return
        chunks = list(written.parts[len(written.parts) - len(before) :])
        path = "state"
        after = LazyAudit.of_chunks(
            chunks, self._entry, lambda: _full_audit(path, SEPARATOR.join(chunks))
        )
        # The newest entries stay the objects they were in memory (not parsed again; their values in
        # the order they were made, as this process has shown them); older ones are read from the
        # text when asked.
        held: list[AuditEntry | None] = (
            before.held() if isinstance(before, LazyAudit) else list(before)
        )
        after.keep_last(held[-KEPT_ENTRIES:])
        state.audit = after  # type: ignore[assignment]

    def _item_chunk(self, key: str, item: Any) -> str:
        cached = self._item_text.get(key)
        if cached is not None and cached[0] is item:  # identity says "unchanged"
            return cached[1]
        chunk = tomli_w.dumps(
            {"items": {key: item.model_dump(exclude_none=True, exclude_defaults=True)}},
            multiline_strings=True,
        )
        if len(self._item_text) < CACHE_LIMIT:
            self._item_text[key] = (item, chunk)
        return chunk

    def dumps(self, state: State) -> str:
        """Serialise sorted, one table per item, audit last (append-only, so diffs stay small)."""
        return str(self.document(state))

    def document(self, state: State) -> Document:
        """The document as pieces (document.py): the head, a piece per item and per table, one
        per audit entry last (the stored ones as they were read), so no text of the record's
        size is built to save it."""
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "checklist": state.checklist,
        }  # older files migrate here
        doc.update(
            strip_none(
                {
                    "lineage": state.lineage or None,
                    "created_at": state.created_at,
                    "first_entry": state.first_entry or None,
                }
            )
        )  # the record's identity (lineage.py)
        meta = state.meta.model_dump(exclude_none=True, exclude_defaults=True)
        if meta:
            doc["meta"] = meta
        parts = [tomli_w.dumps(doc, multiline_strings=True)]
        parts += [self._item_chunk(key, state.items[key]) for key in sorted(state.items)]
        approvals = {
            key: state.approvals[key].model_dump(exclude_none=True)
            for key in sorted(state.approvals)
        }
        if approvals:
            parts.append(tomli_w.dumps({"approvals": approvals}, multiline_strings=True))
        if state.vouched:
            parts.append(tomli_w.dumps({"vouched": dict(sorted(state.vouched.items()))}))
        parts += [self._sweep_chunk(root, state.sweeps[root]) for root in sorted(state.sweeps)]
        for gone in set(self._sweep_text) - set(state.sweeps):
            del self._sweep_text[gone]  # a sweep no item refers to any more is never written again
        if state.archive:
            parts.append(tomli_w.dumps({"archive": [s.model_dump() for s in state.archive]}))
        if state.base:
            parts.append(tomli_w.dumps({"base": strip_none(state.base)}, multiline_strings=True))
        audit = state.audit
        if isinstance(audit, LazyAudit) and audit.has_text:
            parts += audit.chunks  # the entries as read, byte for byte: new ones dumped below
            parts += [self._audit_chunk(entry) for entry in audit.added]
        else:
            parts += [self._audit_chunk(entry) for entry in audit]
        return Document(parts)

    def _sweep_chunk(self, root: str, leaves: dict[str, str]) -> str:
        chunk = self._sweep_text.get(root)  # a root is the hash of its leaves: same root, same text
        if chunk is None:
            chunk = tomli_w.dumps({"sweeps": {root: dict(sorted(leaves.items()))}})
            if len(self._sweep_text) < CACHE_LIMIT:
                self._sweep_text[root] = chunk
        return chunk

    # --- reading ---------------------------------------------------------------------------
    def _entry(self, chunk: str) -> AuditEntry:
        entry = self._audit_parsed.get(chunk)
        if entry is None:
            data = tomllib.loads(chunk)
            if set(data) != {"audit"} or len(data["audit"]) != 1:
                raise ChunkError("not one audit entry")
            entry = AuditEntry.model_validate(data["audit"][0])
            self._audit_parsed[chunk] = entry
            while len(self._audit_parsed) > ENTRY_CACHE:
                self._audit_parsed.popitem(last=False)
        return entry

    def _fast_parse(self, path: Path | str, text: str) -> tuple[dict[str, Any], LazyAudit] | None:
        """Parse the head with tomllib and leave the audit part as text; None when the layout is not
        ours."""
        start = audit_start(text)
        if start < 0:
            return None
        if _foreign_header(text, start):
            return None
        head = tomllib.loads(text[:start])
        if "audit" in head:
            return None

        return head, LazyAudit(text, start, self._entry, lambda: _full_audit(path, text))

    def loads(self, path: Path | str, text: str) -> State:
        """Parse and validate a state document; a LoadError names the file, line and key."""
        try:
            fast = self._fast_parse(path, text)
        except (tomllib.TOMLDecodeError, RecursionError):
            fast = None  # the full parse below reports the error with its line
        if fast is not None:
            head, entries = fast
            _check_version(path, head)
            try:
                state = State.model_validate(migrate(head))
            except ValidationError as exc:
                raise validation_error(path, text, head, exc) from None
            state.audit = entries  # type: ignore[assignment]  # entries are frozen, safe to share with the cache
            return state
        raw = parse_toml(path, text)
        _check_version(path, raw)
        try:
            return State.model_validate(migrate(raw))
        except ValidationError as exc:
            raise validation_error(path, text, raw, exc) from None


def _full_audit(path: Path | str, text: str) -> list[AuditEntry]:
    """Every entry, by the full TOML parser (when the audit text is not one entry per chunk)."""
    raw = parse_toml(path, text)
    try:
        return State.model_validate(migrate(raw)).audit
    except ValidationError as exc:
        raise validation_error(path, text, raw, exc) from None
