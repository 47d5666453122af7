"""The state store: progress, evidence, approvals and the audit chain in one document.

Guarantees (each has a test): every change is a transaction — read the document as it is
now, compute the changes on it, append their chained audit entries, write it back
conditionally — so concurrent golive processes merge field by field and never lose an
update; a document that does not parse is never overwritten. Where the bytes live (a
local file, an S3 object) is the storage's business (storage.py, s3.py); what happens
while a remote document cannot be reached is the offline layer's (offline.py), which
wraps this store through its public interface. What a store reports is status.py's;
putting another record in this one's place, replace.py's.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GoliveError, LoadError
from ..files import MAX_MB_ENV, max_bytes, megabytes
from .chain import Change, append_all, new_change_id
from .chain_verify import verify, vouch
from .codec import Codec
from .conflicts import ConflictError, find_conflicts
from .document import Document
from .lazy import LazyAudit
from .lineage import (
    Identity,
    LineageError,
    RecordCache,
    fill_identity,
    identity_of,
    new_lineage,
    refuse_change,
)
from .replace import Replacing
from .schema import AuditEntry, State
from .status import StoreStatus, SyncReport
from .storage import Missing, Storage, VersionConflict

if TYPE_CHECKING:
    from ..actor import Actor

Build = Callable[[State], list[Change]] | list[Change]
"""The changes of a transaction, or a function computing them from the state as stored now."""

# Only remote storage (S3) ever retries. Measured with 4 processes writing flat out: up to
# ~12 lost races in a row for one change, with the jittered backoff below (cap 1 s).
MAX_CONFLICT_RETRIES = 50
CLOCK_SLACK = timedelta(minutes=10)
"""How far before a transaction's start its own entries are looked for (a wall clock stepped back by
NTP)."""


class TamperedError(GoliveError):
    """The record fails verification: writing on top of it would bury the evidence."""


class CapError(GoliveError):
    """The write would make the record larger than the size cap: refused, so every read after still
    works."""


class StateStore(Replacing):
    """One state document in one storage. Every change goes through `transact`; replacing the
    record on purpose (restore, init-record) is Replacing's (replace.py)."""

    def __init__(
        self,
        storage: Storage,
        checklist: str = "",
        *,
        codec: Codec | None = None,
        on_document: Callable[[str], None] | None = None,
        accept_tampered: str | None = None,
        records: RecordCache | None = None,
    ) -> None:
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
        self.records = records
        """What this user last saw of the record (lineage.py); None: no lineage check."""
        self.size = 0
        """The document's size in bytes, as last read or written."""
        self._written: Document | None = None
        """The document this store last saved (its pieces), while `_cached` is its state."""

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

    def _load(self, *, check: bool = True) -> tuple[State, Any]:
        kept = self._kept_written()
        if kept is not None:
            return kept
        try:
            text, version = self.storage.load()
        except Missing as exc:
            if check and (expected := self._expected()) is not None:
                refuse_change(self.location, expected, None, gone=exc.what)
            raise
        if text is None:
            expected = self._expected() if check else None
            if expected is not None:
                refuse_change(self.location, expected, None, gone=self._gone())
            return State(checklist=self.checklist), None
        if not text.strip():
            # An empty file is a lost record, not a new one: never start over on top of it.
            hint = (
                f"; `golive restore` brings back {self.backup}"
                if self.backup is not None and self.backup.exists()
                else ""
            )
            raise LoadError(
                self.location,
                f"the state file is empty ({len(text)} bytes): refusing to treat it as a new "
                f"record{hint}",
            )
        if self._cached is not None and self._cached[0] == version:
            return self._cached[1].copy_containers(), version
        state = fill_identity(self.codec.loads(self.location, text))
        if check:
            self._check_identity(state)
        self.size = len(text.encode("utf-8"))
        self._cached = (version, state.copy_containers())
        self._observed(text)
        return state, version

    def _kept_written(self) -> tuple[State, Any] | None:
        """The state this store last wrote, if the file still holds its very bytes.

        A local file is compared piece by piece with the document written, not read whole:
        a transaction after one's own save (every cockpit save) then reads no copy of the
        record's size. Equal bytes are the same record; other bytes under the same stat (an
        edit in place) drop the cached state, which the stat alone would have trusted.
        """
        holds = getattr(self.storage, "holds", None)
        if self._written is None or self._cached is None or holds is None:
            return None
        version = self.storage.version()
        if version != self._cached[0]:
            return None
        if not holds(self._written):  # changed in place, stat kept: the stat cannot be trusted
            self._cached = self._written = None
            return None
        return self._cached[1].copy_containers(), version

    # --- lineage ---------------------------------------------------------------------------
    def _expected(self) -> Identity | None:
        """The record this user expects here: the one last seen, else the one in `.bak` (local)."""
        known = self.records.load() if self.records is not None else None
        if known is None and self.backup is not None and self.backup.exists():
            try:
                backup = fill_identity(
                    Codec().loads(self.backup, self.backup.read_text(encoding="utf-8"))
                )
            except (OSError, UnicodeDecodeError, GoliveError):
                return Identity("(unreadable .bak)", None, "")
            known = identity_of(backup)
        return known

    def _gone(self) -> str:
        if self.backup is not None and self.backup.exists():
            return f"no {self.path} (its .bak {self.backup} is still there, untouched)"
        return "no record"

    def _check_identity(self, state: State) -> None:
        found = identity_of(state)
        if self.records is None or found is None:
            return
        expected = self.records.load()
        if expected is not None:
            try:
                refuse_change(self.location, expected, found)
            except LineageError:
                if verify(state).ok:
                    raise
                # a chain that fails verification is tampered: that machinery names it (and refuses
                # writes)
                return
        self.records.remember(found)

    def _remember(self, state: State) -> None:
        found = identity_of(state)
        if self.records is not None and found is not None:
            self.records.remember(found)

    def size_warning(self) -> str | None:
        """From half the cap on: how close the record is to it, and what to do (None below half)."""
        cap = max_bytes()
        if self.size * 2 < cap:
            return None
        return (
            f"{self.location} is {megabytes(self.size)} MB, over half the record's cap "
            f"({100 * self.size // cap}% of the {megabytes(cap)} MB cap, ${MAX_MB_ENV}): a "
            "write that would cross it is refused; `golive audit archive` moves old history "
            "into a segment file that `golive audit verify` still checks"
        )

    def read_unchecked(self) -> State:
        """The record as it is, whatever its lineage (`audit verify` inspects a replaced record); a
        missing one still raises."""
        try:
            return self.read()
        except LineageError:
            state, version = self._load(check=False)
            if version is None:
                raise
            return state

    def _observed(self, text: str | Document) -> None:
        if self.on_document is not None:
            self.on_document(str(text))

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
        return StoreStatus(self.location, kind, facts=facts, summary=self.size_warning())

    def sync(self) -> SyncReport:
        """Push changes queued offline: a store that writes directly has none."""
        return SyncReport()

    def resolve(self, keep: str) -> SyncReport:
        """Settle queued conflicts: a store that writes directly has none."""
        return SyncReport()

    # --- writing ---------------------------------------------------------------------------
    def transact(
        self, build: Build, actor: Actor, *, change_id: str | None = None
    ) -> tuple[State, list[AuditEntry]]:
        """Read, compute the changes on the fresh state, append, write — retried on a lost race.

        `build` gets the state as it is stored now, so concurrent writers merge at the level
        of fields instead of overwriting each other. A change that carries `expect` (the
        values the user saw) raises ConflictError if someone else changed those fields.
        Entries are recorded under `actor.name`, with `actor.operator`, at `actor.now()` — or
        at the last entry's time if that is later: audit times never go backwards.

        Every entry carries `change_id` (new if not given): if the record already holds it —
        a write whose answer was lost and then retried, a replayed queue — nothing is applied
        again and the entries already there are returned.
        """
        operator = actor.operator.record()
        change_id = change_id or new_change_id()
        since = actor.now() - CLOCK_SLACK
        for attempt in range(MAX_CONFLICT_RETRIES):
            with self.storage.locked():
                state, version = self._load()
                applied = _applied(state, change_id, since)
                if applied:
                    self._remember(state)
                    return state, applied
                if not state.checklist:
                    state.checklist = self.checklist
                if version is None and not state.lineage:
                    state.lineage, state.created_at = new_lineage(), actor.now()
                integrity = verify(state) if version is not None else None
                changes = build(state) if callable(build) else build
                conflicts = find_conflicts(state, changes)
                if conflicts:
                    raise ConflictError(conflicts)
                if changes and integrity is not None and not integrity.ok:
                    changes = [self._accepted(integrity.problem), *changes]
                when = (
                    max(actor.now(), state.audit[-1].at) if state.audit else actor.now()
                )  # times never go backwards
                entries = [
                    e
                    for change in changes
                    for e in append_all(
                        state,
                        change,
                        by=actor.name,
                        at=when,
                        operator=operator,
                        change_id=change_id,
                    )
                ]
                if not entries:
                    return state, entries
                fill_identity(state)
                self._cached, self._written = None, None
                text = self.codec.document(state)  # pieces: none of the record's size
                self._refuse_over_cap(text)
                try:
                    # A record that fails verification is never rotated into .bak: the last good
                    # copy stays there.
                    new_version = self.storage.save(
                        text, version, backup=integrity is None or integrity.ok
                    )
                except VersionConflict:
                    # Jittered backoff: writers that collided do not collide again in lockstep.
                    time.sleep(random.uniform(0, min(1.0, 0.01 * 2**attempt)))
                    continue
                self.codec.settle(
                    state, text
                )  # the history as written: one copy, parsed when asked
                if integrity is None or integrity.ok:
                    vouch(state)  # it verified before this transaction appended to it
                if new_version is not None:
                    self._cached = (new_version, state.copy_containers())
                    self._written = text
                self._observed(text)
                self._remember(state)
                return state, entries
        raise GoliveError(
            f"{self.location}: gave up after {MAX_CONFLICT_RETRIES} concurrent-write retries"
        )

    def _refuse_over_cap(self, text: Document) -> None:
        size, cap = text.size(), max_bytes()
        if size > cap:
            raise CapError(
                f"{self.location}: this change would make the record {megabytes(size)} MB, "
                f"over the {megabytes(cap)} MB cap (${MAX_MB_ENV}): refused, nothing was "
                "written, and the record stays readable by everyone. Archive old history "
                f"(long cutovers: audit archive segments) or raise ${MAX_MB_ENV} for every "
                "captain"
            )
        self.size = size

    def _accepted(self, problem: str) -> Change:
        """The entry that records writing on top of a tampered record, or TamperedError."""
        if not self.accept_tampered or not self.accept_tampered.strip():
            raise TamperedError(
                f"{self.location} fails verification ({problem}): refusing to write on top of it. "
                "See `golive audit verify`; `golive restore` brings back the last good copy; "
                "--accept-tampered REASON writes anyway and records that you did"
            )
        return Change(
            "record",
            "accept-tampered",
            {"reason": self.accept_tampered.strip(), "problem": problem},
        )


def _applied(state: State, change_id: str, since: datetime) -> list[AuditEntry]:
    """The entries `change_id` already wrote, looked for from the end back to `since` only: audit
    times never go backwards, and an entry is never stamped before its writer's own clock, so an
    older entry cannot be one of this change's (a long record is not read whole for it)."""
    audit = state.audit
    if (
        isinstance(audit, LazyAudit)
        and audit.has_text
        and not audit.mentions(change_id)
        and all(entry.change_id != change_id for entry in audit.added)
    ):
        # Not in the stored entries' text: none of them is this change's. Without this, every
        # entry of the last minutes was parsed per transaction (all of a busy record: four
        # writers of 250 changes each parsed ~500 entries a change while holding the lock).
        return []
    found: list[AuditEntry] = []
    for entry in reversed(audit):
        if entry.change_id == change_id:
            found.append(entry)
        elif found or entry.at < since:
            break  # one change's entries are written together, one after another
    return found[::-1]


__all__ = ["Build", "ConflictError", "StateStore"]
