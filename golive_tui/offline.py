"""Offline mode of a shared (S3) state: what a StateStore does when S3 cannot be reached.

`transact` tries S3 first (pushing anything queued before, to keep this machine's order);
on `Unreachable` it applies the change to the last known state plus the queue, for
display, and appends it to the journal (journal.py). `read` shows the same view while
offline. `sync` pushes the queue through the store's normal commit, each entry with its
original who/when, so the audit entries are chained on top of the remote chain; an
entry whose `expect` no longer holds is set aside as a conflict, never dropped, until
`resolve("mine" | "theirs")`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .audit import Change, append
from .journal import Batch, Journal, already_applied, default_directory, replay, stored_change
from .state_model import State


@dataclass
class SyncReport:
    """What `sync()` did: pushed entries, entries set aside as conflicts, entries still queued."""

    pushed: int = 0
    conflicts: list[str] = field(default_factory=list)
    remaining: int = 0
    offline: bool = False


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class SharedState:
    """Offline behaviour of a StateStore whose document is remote (S3)."""

    def __init__(self, store: Any, directory: Path | None = None) -> None:
        self.store = store
        self.journal = Journal(store.storage.name, directory or default_directory())
        self.offline = False
        """True since the last attempt to reach the storage failed."""
        self.reason = ""
        """Why it is offline (one line)."""
        self._remembered: str | None = None

    # --- connectivity --------------------------------------------------------------------------
    def _went_offline(self, exc: Exception) -> None:
        self.offline, self.reason = True, str(exc)

    def _online(self) -> None:
        self.offline, self.reason = False, ""

    def remember(self, text: str) -> None:
        """Keep the document as last read or written, to show it when S3 cannot be reached."""
        if text is self._remembered or text == self._remembered:
            return
        with contextlib.suppress(OSError):  # only a cache: never fail a read or write over it
            self.journal.save_snapshot(text)
            self._remembered = text

    def last_known(self) -> State:
        from .state import _shallow_copy, from_toml

        if self.store._cached is not None:
            return _shallow_copy(self.store._cached[1])
        text = self.journal.load_snapshot()
        if text is not None:
            return from_toml(self.journal.snapshot_path, text)
        return State(checklist=self.store.checklist)

    # --- reading -------------------------------------------------------------------------------
    def read(self) -> State:
        from .storage import Unreachable

        expire = getattr(self.store.storage, "expire", None)
        if expire is not None:
            expire()  # a read is current; only the fingerprint poll is rate-limited
        try:
            state = self.store._read_direct()
            self._online()
        except Unreachable as exc:
            self._went_offline(exc)
            state = self.last_known()
        pending = self.journal.pending()
        return replay(state, pending) if pending else state

    def fingerprint(self) -> Any:
        from .storage import Unreachable

        try:
            version = self.store.storage.version()
            self._online()
        except Unreachable as exc:
            self._went_offline(exc)
            version = "offline"
        queued = len(self.journal.batches())
        return (version, queued) if queued else version

    # --- writing -------------------------------------------------------------------------------
    def transact(self, build: Any, who: str, at: datetime | None) -> tuple[State, list[Any]]:
        from .storage import Unreachable

        try:
            if self.journal.pending():
                # Earlier changes go first, so the remote chain keeps this machine's order.
                if self.sync().remaining:
                    raise Unreachable(self.reason or f"{self.store.storage.name}: queued changes not pushed yet")
            result = self.store._commit(build, who, at)
            self._online()
            return result
        except Unreachable as exc:
            self._went_offline(exc)
            with self.journal.locked():
                return self._queue(build, who, at)

    def _queue(self, build: Any, who: str, at: datetime | None) -> tuple[State, list[Any]]:
        """Apply the changes to the last known state (for display) and journal them."""
        from .state import ConflictError, _conflicts, now

        state = replay(self.last_known(), self.journal.pending())
        if not state.checklist:
            state.checklist = self.store.checklist
        changes = build(state) if callable(build) else build
        conflicts = [c for change in changes for c in _conflicts(state, change)]
        if conflicts:
            raise ConflictError(conflicts)
        when = at or now()
        entries = [append(state, stored_change(change), who, when) for change in changes]
        if entries:
            self.journal.add(list(changes), who, when)
        return state, entries

    def sync(self) -> SyncReport:
        """Push queued changes in order, each with its original who/when; set conflicts aside."""
        from .state import ConflictError
        from .storage import Unreachable

        report = SyncReport()
        with self.journal.locked():
            pending = self.journal.pending()
            for index, batch in enumerate(pending):
                try:
                    self.store._commit(lambda state, b=batch: [] if already_applied(state, b) else b.changes, batch.by, batch.at)
                except ConflictError as exc:
                    self.journal.set_aside(batch.id, str(exc))
                    report.conflicts.append(str(exc))
                    continue
                except Unreachable as exc:
                    self._went_offline(exc)
                    report.offline, report.remaining = True, len(pending) - index
                    return report
                self.journal.remove(batch.id)
                report.pushed += 1
        self._online()
        return report

    def resolve(self, keep: str) -> SyncReport:
        """Settle entries set aside as conflicts: keep "mine" (push them over) or "theirs" (drop them)."""
        if keep not in ("mine", "theirs"):
            raise ValueError("keep must be 'mine' or 'theirs'")
        with self.journal.locked():
            for batch in self.journal.conflicts():
                if keep == "theirs":
                    self.journal.remove(batch.id)
                    continue
                forced = [Change(c.target, c.action, c.values, c.unset) for c in batch.changes]
                self.journal._write([Batch(b.id, b.by, b.at, forced) if b.id == batch.id else b
                                     for b in self.journal.batches()])
        return self.sync()

    # --- status --------------------------------------------------------------------------------
    def summary(self) -> str | None:
        """One line for the TUI header and `golive status`; None when all is pushed and online."""
        batches = self.journal.batches()
        queued = sum(1 for b in batches if b.pending)
        conflicts = len(batches) - queued
        parts = []
        if self.offline:
            parts.append(f"OFFLINE — {_plural(queued, 'change')} queued")
        elif queued:
            parts.append(f"{_plural(queued, 'change')} queued, not pushed yet")
        if conflicts:
            parts.append(f"{_plural(conflicts, 'queued change')} in conflict with someone else's")
        return "; ".join(parts) or None

    def describe(self) -> dict[str, Any]:
        """Facts for `golive status`: location, encryption, versioning, offline, queue."""
        batches = self.journal.batches()
        facts: dict[str, Any] = {"location": self.store.storage.name, "kind": "remote"}
        if not self.offline and hasattr(self.store.storage, "describe"):
            facts.update(self.store.storage.describe())
        facts.update({
            "offline": self.offline, "reason": self.reason,
            "queued": sum(1 for b in batches if b.pending),
            "conflicts": [b.conflict for b in batches if not b.pending],
            "journal": str(self.journal.path), "summary": self.summary(),
        })
        return facts
