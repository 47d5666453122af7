"""The state store: progress, evidence, approvals and the audit chain in one document.

Guarantees (each has a test): every change is a transaction — read the document as it is
now, compute the changes on it, append their chained audit entries, write it back
conditionally — so concurrent golive processes merge field by field and never lose an
update; a document that does not parse is never overwritten. Where the bytes live (a
local file, an S3 object) is the storage's business (storage.py, s3.py); what happens
while a remote document cannot be reached is the offline layer's (offline.py), which
wraps this store through its public interface.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GoliveError, LoadError
from .chain import Change, append_all, verify, vouch
from .codec import Codec, size_warning
from .conflicts import ConflictError, find_conflicts
from .schema import AuditEntry, State
from .storage import Storage, VersionConflict

if TYPE_CHECKING:
    from ..actor import Actor

Build = Callable[[State], list[Change]] | list[Change]
"""The changes of a transaction, or a function computing them from the state as stored now."""

# Only remote storage (S3) ever retries. Measured with 4 processes writing flat out: up to
# ~12 lost races in a row for one change, with the jittered backoff below (cap 1 s).
MAX_CONFLICT_RETRIES = 50


@dataclass
class SyncReport:
    """What a sync did: pushed entries, entries set aside as conflicts, entries still queued."""

    pushed: int = 0
    conflicts: list[str] = field(default_factory=list)
    remaining: int = 0
    offline: bool = False


@dataclass
class StoreStatus:
    """What a view says about where the record lives (the TUI header, `golive status`)."""

    location: str
    kind: str
    """`local` or `s3`."""
    offline: bool = False
    reason: str = ""
    """Why it is offline (one line)."""
    queued: int = 0
    conflicts: list[str] = field(default_factory=list)
    summary: str | None = None
    """One line when something needs attention (offline, queued, conflicts); None when all is well."""
    facts: dict[str, Any] = field(default_factory=dict)
    """Storage facts: encryption, bucket versioning, journal path."""

    def record(self) -> dict[str, Any]:
        return {"location": self.location, "kind": self.kind, **self.facts, "offline": self.offline,
                "reason": self.reason, "queued": self.queued, "conflicts": list(self.conflicts), "summary": self.summary}


class TamperedError(GoliveError):
    """The record fails verification: writing on top of it would bury the evidence."""


class StateStore:
    """One state document in one storage. Every change goes through `transact`."""

    def __init__(self, storage: Storage, checklist: str = "", *, codec: Codec | None = None,
                 on_document: Callable[[str], None] | None = None, accept_tampered: str | None = None) -> None:
        self.storage = storage
        self.checklist = checklist
        self.codec = codec or Codec()
        self.on_document = on_document
        """Called with the document's text whenever it is read or written (the offline snapshot)."""
        self.path: Path | None = getattr(storage, "path", None)
        """The local file, for messages and `.bak` handling; None for a remote document."""
        self.backup: Path | None = getattr(storage, "backup", None)
        self.accept_tampered = accept_tampered
        """A reason to write on top of a record that fails verification (recorded in the chain)."""
        self._cached: tuple[Any, State] | None = None
        self.size_warning: str | None = None
        """Set when the document read is over half the size limit (codec.size_warning)."""

    @property
    def location(self) -> str:
        return self.storage.name

    def __repr__(self) -> str:
        return f"StateStore({self.location!r})"

    # --- reading ---------------------------------------------------------------------------
    def read(self) -> State:
        """The current state (empty if the document does not exist yet). Never writes."""
        version = self.storage.version()
        if version is not None and self._cached is not None and self._cached[0] == version:
            return self._cached[1].copy_containers()
        return self._load()[0]

    def _load(self) -> tuple[State, Any]:
        text, version = self.storage.load()
        if text is None:
            return State(checklist=self.checklist), None
        if not text.strip():
            # An empty file is a lost record, not a new one: never start over on top of it.
            hint = f"; `golive restore` brings back {self.backup}" if self.backup is not None and self.backup.exists() else ""
            raise LoadError(self.location, f"the state file is empty ({len(text)} bytes): refusing to treat it as a new record{hint}")
        if self._cached is not None and self._cached[0] == version:
            return self._cached[1].copy_containers(), version
        state = self.codec.loads(self.location, text)
        self.size_warning = size_warning(self.location, len(text.encode()) if not text.isascii() else len(text))
        self._cached = (version, state.copy_containers())
        self._observed(text)
        return state, version

    def _observed(self, text: str) -> None:
        if self.on_document is not None:
            self.on_document(text)

    def last_known(self) -> State | None:
        """The state as last read or written by this store, without asking the storage."""
        return self._cached[1].copy_containers() if self._cached is not None else None

    def fingerprint(self) -> Any:
        """Cheap change detector for live reload (file stat, or the S3 ETag)."""
        return self.storage.version()

    def status(self) -> StoreStatus:
        describe = getattr(self.storage, "describe", None)
        facts = describe() if describe is not None else {}
        kind = facts.pop("kind", "local")
        facts.pop("location", None)
        return StoreStatus(self.location, kind, facts=facts, summary=self.size_warning)

    def sync(self) -> SyncReport:
        """Push changes queued offline: a store that writes directly has none."""
        return SyncReport()

    def resolve(self, keep: str) -> SyncReport:
        """Settle queued conflicts: a store that writes directly has none."""
        return SyncReport()

    # --- writing ---------------------------------------------------------------------------
    def transact(self, build: Build, actor: Actor) -> tuple[State, list[AuditEntry]]:
        """Read, compute the changes on the fresh state, append, write — retried on a lost race.

        `build` gets the state as it is stored now, so concurrent writers merge at the level
        of fields instead of overwriting each other. A change that carries `expect` (the
        values the user saw) raises ConflictError if someone else changed those fields.
        Entries are recorded under `actor.name`, with `actor.operator`, at `actor.now()`.
        """
        operator = actor.operator.record()
        for attempt in range(MAX_CONFLICT_RETRIES):
            with self.storage.locked():
                state, version = self._load()
                if not state.checklist:
                    state.checklist = self.checklist
                integrity = verify(state) if version is not None else None
                changes = build(state) if callable(build) else build
                conflicts = find_conflicts(state, changes)
                if conflicts:
                    raise ConflictError(conflicts)
                if changes and integrity is not None and not integrity.ok:
                    changes = [self._accepted(integrity.problem), *changes]
                when = actor.now()
                entries = [e for change in changes for e in append_all(state, change, by=actor.name, at=when, operator=operator)]
                if not entries:
                    return state, entries
                self._cached = None
                text = self.codec.dumps(state)
                try:
                    # A record that fails verification is never rotated into .bak: the last good copy stays there.
                    new_version = self.storage.save(text, version, backup=integrity is None or integrity.ok)
                except VersionConflict:
                    # Jittered backoff: writers that collided do not collide again in lockstep.
                    time.sleep(random.uniform(0, min(1.0, 0.01 * 2**attempt)))
                    continue
                self.codec.settle(state, text)  # the history as written: one copy, parsed when asked
                if integrity is None or integrity.ok:
                    vouch(state)  # it verified before this transaction appended to it
                if new_version is not None:
                    self._cached = (new_version, state.copy_containers())
                self._observed(text)
                return state, entries
        raise GoliveError(f"{self.location}: gave up after {MAX_CONFLICT_RETRIES} concurrent-write retries")

    def _accepted(self, problem: str) -> Change:
        """The entry that records writing on top of a tampered record, or TamperedError."""
        if not self.accept_tampered or not self.accept_tampered.strip():
            raise TamperedError(
                f"{self.location} fails verification ({problem}): refusing to write on top of it. "
                "See `golive audit verify`; `golive restore` brings back the last good copy; "
                "--accept-tampered REASON writes anyway and records that you did")
        return Change("record", "accept-tampered", {"reason": self.accept_tampered.strip(), "problem": problem})

    def restore_backup(self, now: datetime) -> Path | None:
        """Put `.bak` back as the state file; the file it replaces is kept as `<name>.replaced-<time>` (returned)."""
        if self.path is None or self.backup is None:
            raise GoliveError(f"{self.location}: only a local state file has a .bak to restore")
        with self.storage.locked():
            kept = None
            if self.path.exists():
                kept = self.path.with_name(f"{self.path.name}.replaced-{now:%Y%m%dT%H%M%SZ}")
                os.link(self.path, kept)  # the replaced file stays, byte for byte: it may be evidence
            self.storage.save(self.backup.read_text(encoding="utf-8"), None, backup=False)
            self._cached = None
        return kept

    def replace_document(self, text: str) -> None:
        """Write a whole document as it is (benchmarks and tests); normal changes use transact."""
        with self.storage.locked():
            self.storage.save(text, None)
            self._cached = None


__all__ = ["Build", "ConflictError", "StateStore", "StoreStatus", "SyncReport"]
