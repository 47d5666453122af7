"""A record's identity, so a record never silently becomes another one (Terraform's lineage +
serial).

Every record carries a lineage id (random, set when it is created), the moment it was
created and the hash of its first audit entry; files written before lineage existed get
them from their first entry (`fill_identity`, the migration). Each user keeps, per record
location, the identity and the last sequence number seen (`RecordCache`, next to the
offline journal). The store compares what it finds with what it expects on every load:

- the record is gone (object deleted, bucket re-created, `rm state.toml` beside a `.bak`),
- it shrank (an older copy put back: fewer entries than already seen),
- it is another record (another lineage under the same name),

and refuses each with what it expected and what it found (LineageError, exit 2). Starting
over is explicit: `golive init-record --reason` writes a new lineage whose first entry
records the reason and the lineage it replaces.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from ..cache_file import write_cache_file
from ..errors import GoliveError
from ..tomlfile import parse_toml
from .schema import State

CACHE_VERSION = 1


class LineageError(GoliveError):
    """The record found is not the one this user last saw: vanished, shrunk or another lineage."""


@dataclass(frozen=True)
class Identity:
    lineage: str
    created_at: datetime | None
    first_entry: str
    seq: int = 0
    """The last audit sequence number seen (0: none)."""

    def describe(self) -> str:
        created = f", created {self.created_at:%Y-%m-%d %H:%M} UTC" if self.created_at else ""
        first = f", first entry {self.first_entry[:12]}" if self.first_entry else ""
        return f"lineage {self.lineage}{created}{first}, {self.seq} entries"


def new_lineage() -> str:
    return uuid.uuid4().hex


def fill_identity(state: State) -> State:
    """The migration for files written before lineage: identity from entry #1 (deterministic,
    so every golive that reads the same old file agrees on it). Also completes a new record's
    `first_entry` once it has one."""
    first = state.audit[0] if state.audit and state.audit[0].seq == 1 else None
    if first is not None and not state.lineage:
        state.lineage, state.created_at = first.hash[:32], first.at
    if first is not None and not state.first_entry:
        state.first_entry = first.hash
    return state


def identity_of(state: State) -> Identity | None:
    if not state.lineage:
        return None
    return Identity(
        state.lineage,
        state.created_at,
        state.first_entry,
        state.audit[-1].seq if state.audit else 0,
    )


def refuse_change(
    location: str, expected: Identity, found: Identity | None, *, gone: str = ""
) -> None:
    """Raise LineageError if `found` is not `expected` (or a later state of the same record)."""
    if found is None:
        what = gone or "no record"
        problem = f"the record is gone: found {what}"
    elif found.lineage != expected.lineage:
        problem = f"another record is there: found {found.describe()}"
    elif found.seq < expected.seq:
        problem = f"the record shrank: found {found.describe()} (an older copy put back?)"
    else:
        return
    raise LineageError(
        f"{location}: {problem}; expected {expected.describe()}. Refusing to read or write "
        "it as if nothing happened: bring the record back (bucket versions, `golive "
        "restore`), or start a new one on purpose with `golive init-record --reason TEXT`"
    )


_LINEAGE_LINE = re.compile(r'^lineage = "([0-9a-zA-Z_-]+)"$', re.MULTILINE)
_FIRST_HASH = re.compile(r'^hash = "([0-9a-f]{64})"$', re.MULTILINE)


def text_lineage(text: str) -> str | None:
    """The lineage of a state document's text without parsing it all (for `.bak` rotation): the
    top-level key, else (an old file) from its first audit entry's hash; None if neither is
    there."""
    audit = text.find("\n[[audit]]\n")
    head = text if audit < 0 else text[:audit]
    found = _LINEAGE_LINE.search(head)
    if found:
        return found.group(1)
    if audit >= 0:
        end = text.find("\n[[audit]]\n", audit + 1)
        first = _FIRST_HASH.search(text, audit, end if end > 0 else len(text))
        if first:
            return first.group(1)[:32]
    return None


class RecordCache:
    """What this user last saw of the record at one location: one small TOML file, mode 0600."""

    def __init__(self, location: str, directory: Path) -> None:
        self.location = location
        digest = hashlib.sha256(location.encode()).hexdigest()[:20]
        self.path = directory / f"{digest}.record.toml"
        self._last: Identity | None = None

    def load(self) -> Identity | None:
        try:
            raw = parse_toml(self.path, self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, GoliveError):
            return None  # a cache: an unreadable one is no expectation
        try:
            identity = Identity(
                str(raw["lineage"]),
                raw.get("created_at"),
                str(raw.get("first_entry", "")),
                int(raw.get("seq", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None
        self._last = identity
        return identity

    def forget(self) -> None:
        self._last = None
        with contextlib.suppress(OSError):
            self.path.unlink()

    def remember(self, identity: Identity) -> None:
        if identity == self._last:
            return
        doc: dict[str, Any] = {
            "version": CACHE_VERSION,
            "location": self.location,
            "lineage": identity.lineage,
            "first_entry": identity.first_entry,
            "seq": identity.seq,
        }
        if identity.created_at is not None:
            doc["created_at"] = identity.created_at
        text = (
            f"# golive: the record last seen at {self.location} (lineage check). Do not edit.\n"
            + tomli_w.dumps(doc)
        )
        if write_cache_file(self.path, text):  # a cache: never fail a read or write over it
            self._last = identity


def default_cache_directory() -> Path:
    from platformdirs import user_state_path

    return user_state_path("golive") / "records"
