"""The state document as TOML text and back: sorted, one table per item, the audit chain last.

A `Codec` caches what never changes: the TOML text and parsed form of each audit entry
(entries are immutable once written), and the text of each item record (records are
replaced, never mutated, on change). The file stays one plain TOML document; the caches
only spare the pure-Python TOML reader and writer from redoing its largest, append-only
part on every save and reload.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from ..errors import LoadError
from ..tomlfile import parse_toml, validation_error
from .chain import strip_none
from .schema import SCHEMA_VERSION, AuditEntry, State

AUDIT_HEADER = "[[audit]]\n"
CACHE_LIMIT = 200_000


def _check_version(path: Path | str, raw: dict[str, Any]) -> None:
    version = raw.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise LoadError(path, f"schema_version {version} was written by a newer golive (this one reads {SCHEMA_VERSION})",
                        key="schema_version")


class Codec:
    """TOML text <-> State, with per-instance caches of the unchanging parts."""

    def __init__(self) -> None:
        self._audit_text: dict[str, str] = {}
        self._audit_parsed: dict[str, AuditEntry] = {}
        self._item_text: dict[str, tuple[object, str]] = {}

    # --- writing ---------------------------------------------------------------------------
    def _audit_chunk(self, entry: AuditEntry) -> str:
        chunk = self._audit_text.get(entry.hash)
        if chunk is None:
            data = strip_none(entry.model_dump())
            if not data["operator"]:  # files written before the operator field keep their exact text
                del data["operator"]
            chunk = tomli_w.dumps({"audit": [data]}, multiline_strings=True)
            if len(self._audit_text) < CACHE_LIMIT:
                self._audit_text[entry.hash] = chunk
        return chunk

    def _item_chunk(self, key: str, item: Any) -> str:
        cached = self._item_text.get(key)
        if cached is not None and cached[0] is item:  # identity says "unchanged"
            return cached[1]
        chunk = tomli_w.dumps({"items": {key: item.model_dump(exclude_none=True, exclude_defaults=True)}},
                              multiline_strings=True)
        if len(self._item_text) < CACHE_LIMIT:
            self._item_text[key] = (item, chunk)
        return chunk

    def dumps(self, state: State) -> str:
        """Serialise sorted, one table per item, audit last (append-only, so diffs stay small)."""
        doc: dict[str, Any] = {"schema_version": state.schema_version, "checklist": state.checklist}
        meta = state.meta.model_dump(exclude_none=True, exclude_defaults=True)
        if meta:
            doc["meta"] = meta
        parts = [tomli_w.dumps(doc, multiline_strings=True)]
        parts += [self._item_chunk(key, state.items[key]) for key in sorted(state.items)]
        approvals = {key: state.approvals[key].model_dump(exclude_none=True) for key in sorted(state.approvals)}
        if approvals:
            parts.append(tomli_w.dumps({"approvals": approvals}, multiline_strings=True))
        parts += [self._audit_chunk(entry) for entry in state.audit]
        return "\n".join(parts)

    # --- reading ---------------------------------------------------------------------------
    def _fast_parse(self, text: str) -> tuple[dict[str, Any], list[AuditEntry]] | None:
        """Parse the head with tomllib and each audit chunk once; None when the layout is not ours."""
        start = text.find("\n" + AUDIT_HEADER)
        if start < 0 or "[[audit]]" in text[:start]:
            return None
        head = tomllib.loads(text[: start + 1])
        if "audit" in head:
            return None
        entries: list[AuditEntry] = []
        for chunk in text[start + 1:].split("\n" + AUDIT_HEADER):
            chunk = chunk if chunk.startswith(AUDIT_HEADER) else AUDIT_HEADER + chunk
            entry = self._audit_parsed.get(chunk)
            if entry is None:
                data = tomllib.loads(chunk)
                if set(data) != {"audit"} or len(data["audit"]) != 1:
                    return None  # something else hides in the audit part: let the full parser judge
                entry = AuditEntry.model_validate(data["audit"][0])
                if len(self._audit_parsed) < CACHE_LIMIT:
                    self._audit_parsed[chunk] = entry
            entries.append(entry)
        return head, entries

    def loads(self, path: Path | str, text: str) -> State:
        """Parse and validate a state document; a LoadError names the file, line and key."""
        try:
            fast = self._fast_parse(text)
        except (tomllib.TOMLDecodeError, ValidationError, RecursionError):
            fast = None  # the full parse below reports the error with its line
        if fast is not None:
            head, entries = fast
            _check_version(path, head)
            try:
                state = State.model_validate(head)
            except ValidationError as exc:
                raise validation_error(path, text, head, exc) from None
            state.audit = entries  # entries are immutable (frozen model), safe to share with the cache
            return state
        raw = parse_toml(path, text)
        _check_version(path, raw)
        try:
            return State.model_validate(raw)
        except ValidationError as exc:
            raise validation_error(path, text, raw, exc) from None

