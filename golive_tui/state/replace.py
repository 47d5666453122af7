"""Replacing the record on purpose: `golive restore` (the `.bak` back), `golive init-record` (a new
lineage), and a whole document written as it is (benchmarks, tests).

Every other change is a transaction that appends to the record (store.py). These put another
record in its place, so each keeps what it replaces (a local file as `<name>.replaced-<time>`,
an S3 one as a bucket version), then adopts what is there now as the record this user
expects (lineage.py): otherwise the lineage check would refuse it.

`Replacing` is a base class of StateStore, not a store of its own: it works on the store's
storage, codec and lineage cache, through the store's own loading and lineage methods.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GoliveError, LoadError
from .chain import Change, append, new_change_id
from .lineage import fill_identity, new_lineage
from .schema import AuditEntry, State

if TYPE_CHECKING:
    from ..actor import Actor
    from .codec import Codec
    from .document import Document
    from .lineage import Identity, RecordCache
    from .storage import Storage


class Replacing:
    """StateStore's explicit replacements of its record (see the module's docstring)."""

    # Set by StateStore.__init__; its methods below.
    storage: Storage
    checklist: str
    codec: Codec
    path: Path | None
    backup: Path | None
    records: RecordCache | None
    _cached: tuple[Any, State] | None
    _written: Document | None

    if TYPE_CHECKING:

        @property
        def location(self) -> str: ...
        def _load(self, *, check: bool = True) -> tuple[State, Any]: ...
        def _expected(self) -> Identity | None: ...
        def _remember(self, state: State) -> None: ...
        def _observed(self, text: str) -> None: ...

    def restore_backup(self, now: datetime) -> Path | None:
        """Put `.bak` back as the state file; the file it replaces is kept as
        `<name>.replaced-<time>` (returned)."""
        if self.path is None or self.backup is None:
            raise GoliveError(f"{self.location}: only a local state file has a .bak to restore")
        with self.storage.locked():
            kept = None
            if self.path.exists():
                kept = self.path.with_name(f"{self.path.name}.replaced-{now:%Y%m%dT%H%M%SZ}")
                os.link(
                    self.path, kept
                )  # the replaced file stays, byte for byte: it may be evidence
            self.storage.save(self.backup.read_text(encoding="utf-8"), None, backup=False)
            self._adopt()
        return kept

    def replace_document(self, text: str) -> None:
        """Write a whole document as it is (benchmarks and tests); normal changes use transact."""
        with self.storage.locked():
            self.storage.save(text, None)
            self._adopt()

    def _adopt(self) -> None:
        """After an explicit replacement (restore, init-record): what is there now is the record
        expected."""
        self._cached = None
        self._written = None
        if self.records is not None:
            self.records.forget()
        self._remember(self._load(check=False)[0])

    def init_record(self, reason: str, actor: Actor) -> tuple[State, AuditEntry]:
        """Start a new record (a new lineage) on purpose: its first entry says why and what it
        replaces.

        The record found there, if any, is not lost: a local one is kept as `<name>.replaced-<time>`
        (and `.bak` is never overwritten by the new lineage); an S3 one stays a bucket version.
        """
        if not reason.strip():
            raise GoliveError(
                "init-record needs --reason: why a new record replaces the one expected here"
            )
        with self.storage.locked():
            try:
                old, version = self._load(check=False)
            except (
                LoadError
            ):  # a record that does not parse: the new one replaces it (kept aside below)
                old, version = State(), self.storage.version()
            expected = self._expected()
            replaces = old.lineage or (expected.lineage if expected else "")
            when = actor.now()
            state = State(checklist=self.checklist, lineage=new_lineage(), created_at=when)
            entry = append(
                state,
                Change("record", "init-record", {"reason": reason.strip(), "replaces": replaces}),
                by=actor.name,
                at=when,
                operator=actor.operator.record(),
                change_id=new_change_id(),
            )
            fill_identity(state)
            if self.path is not None and self.path.exists():
                kept = self.path.with_name(f"{self.path.name}.replaced-{when:%Y%m%dT%H%M%SZ}")
                os.link(self.path, kept)
            text = self.codec.dumps(state)
            self.storage.save(text, version, backup=False)
            self._observed(text)
            self._adopt()
        return state, entry
