"""A shared (S3) state that keeps working while S3 cannot be reached: the offline layer.

`OfflineStore` wraps a `StateStore` through its public interface and offers the same one.
`transact` goes to the store first (pushing anything queued before, to keep this
machine's order); when the storage raises `Unreachable` it applies the change to the last
known state plus the queue, for display, and appends it to the journal (journal.py).
`read` shows the same view while offline. `sync` pushes the queue through the store's
normal transaction, each entry with its original who/when, so the audit entries are
chained on top of the remote chain; an entry whose `expect` no longer holds is set aside
as a conflict, never dropped, until `resolve("mine" | "theirs")` (`golive sync --keep`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..actor import Actor, Operator
from ..text import plural
from .chain import Change, append_all, new_change_id
from .conflicts import ConflictError, find_conflicts
from .journal import Batch, Journal, already_applied
from .schema import AuditEntry, State
from .status import StoreStatus, SyncReport
from .storage import Storage, Unreachable
from .store import Build, StateStore


def _batch_actor(batch: Batch) -> Actor:
    """The actor of a queued change, with its original name, operator and time."""
    operator = Operator.from_record(batch.operator) or Operator("", "")
    return Actor(operator, batch.by).at(batch.at)


class OfflineStore:
    """A StateStore whose document is remote, with an offline journal of this machine's changes."""

    def __init__(self, store: StateStore, journal: Journal) -> None:
        self.store = store
        self.journal = journal
        self.offline = False
        """True since the last attempt to reach the storage failed."""
        self.reason = ""
        """Why it is offline (one line)."""
        self.queued_here: list[Batch] = []
        """Changes this process queued instead of committing (the CLI says so and exits 4)."""
        self.committed_seq: int | None = None
        """After a read with changes queued: the last committed entry (the ones after it are
        queued)."""

    @property
    def location(self) -> str:
        return self.store.location

    @property
    def storage(self) -> Storage:
        return self.store.storage

    @property
    def path(self) -> Path | None:
        return self.store.path

    @property
    def backup(self) -> Path | None:
        return self.store.backup

    @property
    def checklist(self) -> str:
        return self.store.checklist

    def __repr__(self) -> str:
        return f"OfflineStore({self.location!r})"

    # --- connectivity --------------------------------------------------------------------------
    def _went_offline(self, exc: Exception) -> None:
        self.offline, self.reason = True, str(exc)

    def _online(self) -> None:
        self.offline, self.reason = False, ""

    def last_known(self) -> State:
        state = self.store.last_known()
        if state is not None:
            return state
        text = self.journal.load_snapshot()
        if text is not None:
            return self.store.codec.loads(self.journal.snapshot_path, text)
        return State(checklist=self.store.checklist)

    # --- reading -------------------------------------------------------------------------------
    def read(self) -> State:
        expire = getattr(self.store.storage, "expire", None)
        if expire is not None:
            expire()  # a read is current; only the fingerprint poll is rate-limited
        try:
            state = self.store.read()
            self._online()
        except Unreachable as exc:
            self._went_offline(exc)
            state = self.last_known()
        pending = self.journal.pending()
        # Entries after this one are queued changes replayed for display: they have no audit number
        # yet.
        self.committed_seq = (state.audit[-1].seq if state.audit else 0) if pending else None
        return self._replay(state, pending) if pending else state

    def read_unchecked(self) -> State:
        return self.store.read_unchecked()

    @staticmethod
    def _replay(state: State, batches: list[Batch]) -> State:
        """Apply queued changes on top of `state` (a copy the caller owns), for display."""
        for batch in batches:
            for change in batch.changes:
                append_all(state, change, by=batch.by, at=batch.at, operator=batch.operator)
        return state

    def fingerprint(self) -> Any:
        try:
            version = self.store.fingerprint()
            self._online()
        except Unreachable as exc:
            self._went_offline(exc)
            version = "offline"
        queued = len(self.journal.batches())
        return (version, queued) if queued else version

    # --- writing -------------------------------------------------------------------------------
    def transact(
        self, build: Build, actor: Actor, *, change_id: str | None = None
    ) -> tuple[State, list[AuditEntry]]:
        # One id for the attempt and the queue: if the PUT landed but its answer was lost, the
        # push of the queued copy finds it in the record and applies nothing twice.
        change_id = change_id or new_change_id()
        try:
            if self.journal.pending():
                # Earlier changes go first, so the remote chain keeps this machine's order.
                if self.sync().remaining:
                    raise Unreachable(
                        self.reason or f"{self.location}: queued changes not pushed yet"
                    )
            result = self.store.transact(build, actor, change_id=change_id)
            self._online()
            return result
        except Unreachable as exc:
            self._went_offline(exc)
            with self.journal.locked():
                return self._queue(build, actor, change_id)

    def _queue(self, build: Build, actor: Actor, change_id: str) -> tuple[State, list[AuditEntry]]:
        """Apply the changes to the last known state (for display) and journal them."""
        state = self._replay(self.last_known(), self.journal.pending())
        if not state.checklist:
            state.checklist = self.store.checklist
        changes = build(state) if callable(build) else build
        conflicts = find_conflicts(state, changes)
        if conflicts:
            raise ConflictError(conflicts)
        when, operator = actor.now(), actor.operator.record()
        entries = [
            e
            for change in changes
            for e in append_all(state, change, by=actor.name, at=when, operator=operator)
        ]
        if entries:
            self.queued_here.append(
                self.journal.add(list(changes), actor.name, when, operator, batch_id=change_id)
            )
        return state, entries

    def sync(self) -> SyncReport:
        """Push queued changes in order, each with its original who/when; set conflicts aside."""
        report = SyncReport()
        with self.journal.locked():
            pending = self.journal.pending()
            for index, batch in enumerate(pending):
                try:
                    _, entries = self.store.transact(
                        _replay(batch),
                        _batch_actor(batch),
                        change_id=batch.id,
                    )
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
                report.committed.extend(entries)
        self._online()
        return report

    def resolve(self, keep: str) -> SyncReport:
        """Settle entries set aside as conflicts: keep "mine" (push them over) or "theirs" (drop
        them)."""
        if keep not in ("mine", "theirs"):
            raise ValueError("keep must be 'mine' or 'theirs'")
        with self.journal.locked():
            for batch in self.journal.conflicts():
                if keep == "theirs":
                    self.journal.remove(batch.id)
                else:
                    # Without `expect` the change no longer asks what the field held: it wins.
                    forced = [Change(c.target, c.action, c.values, c.unset) for c in batch.changes]
                    self.journal.replace(batch.id, forced)
        return self.sync()

    # --- status --------------------------------------------------------------------------------
    def summary(self) -> str | None:
        """One line for the TUI header and `golive status`; None when all is pushed and online."""
        batches = self.journal.batches()
        pending = [b for b in batches if b.pending]
        queued = len(pending)
        conflicts = len(batches) - queued
        since = f" since {min(b.at for b in pending):%Y-%m-%d %H:%M} UTC" if pending else ""
        parts = []
        if self.offline:
            parts.append(
                f"OFFLINE — {plural(queued, 'change')} queued{since}, not committed: no "
                "audit numbers until `golive sync` commits them"
                if queued
                else "OFFLINE — 0 changes queued"
            )
        elif queued:
            parts.append(
                f"{plural(queued, 'change')} queued{since}, not pushed yet (`golive sync`)"
            )
        if conflicts:
            parts.append(
                f"{plural(conflicts, 'queued change')} in conflict with someone else's "
                "(golive sync --keep mine|theirs)"
            )
        return "; ".join(parts) or None

    def status(self) -> StoreStatus:
        batches = self.journal.batches()
        status = self.store.status() if not self.offline else StoreStatus(self.location, "s3")
        status.offline, status.reason = self.offline, self.reason
        status.queued = sum(1 for b in batches if b.pending)
        status.conflicts = [b.conflict for b in batches if not b.pending]
        status.summary = self.summary()
        status.facts["journal"] = str(self.journal.path)
        pending = [b.at for b in batches if b.pending]
        status.facts["queued_since"] = min(pending).isoformat() if pending else None
        return status


def _replay(batch: Batch) -> Build:
    """The build that pushes a queued batch: nothing when the record already holds it."""
    return lambda state: [] if already_applied(state, batch) else batch.changes
