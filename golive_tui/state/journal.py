"""The offline journal of a shared (S3) state: changes made while S3 could not be reached.

One directory per user (platformdirs' user_state_dir, `golive/remote/`), two files per
S3 URL (named by a hash of it): `<h>.journal.toml`, the queued changes, and
`<h>.last.toml`, the last state document read from S3 (to show something offline). Both
are written atomically with mode 0600; the journal is fsynced (it is the only copy of
those changes) and guarded by a file lock, so a TUI and a CLI on one machine can share it.

A journal entry is one `transact` call: who, when, and its changes with the values the
user saw (`expect`). `StateStore.sync()` pushes entries in order with their original
who/when/operator; the audit entries are created then, on top of the remote chain. An entry
that conflicts is set aside (kept, with the reason) instead of being dropped. When to
queue, push and show is the offline layer's business (offline.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w
from filelock import FileLock

from ..errors import LoadError
from ..tomlfile import parse_toml
from .canon import strip_none
from .chain import Change, stored
from .schema import ItemState, State

JOURNAL_VERSION = 1


def default_directory() -> Path:
    from platformdirs import user_state_path

    return user_state_path("golive") / "remote"


@dataclass
class Batch:
    """One queued transaction."""

    id: str
    by: str
    at: datetime
    changes: list[Change]
    conflict: str = ""
    """Why the push was refused (set aside); empty while the entry is pending."""
    operator: dict[str, str] = field(default_factory=dict)
    """The session that made the change (actor.Operator.record())."""

    @property
    def pending(self) -> bool:
        return not self.conflict


@dataclass
class Journal:
    url: str
    directory: Path = field(default_factory=default_directory)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(self.url.encode()).hexdigest()[:20]
        self.path = self.directory / f"{digest}.journal.toml"
        self.snapshot_path = self.directory / f"{digest}.last.toml"
        self._lock = FileLock(str(self.path) + ".lock", mode=0o600)
        self._cache: tuple[Any, list[Batch]] | None = None
        self._remembered: str | None = None

    # --- reading -----------------------------------------------------------------------------
    def batches(self) -> list[Batch]:
        """Every entry, in order (cached by the file's stat, so polling is cheap)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self._read())
        return list(self._cache[1])

    def pending(self) -> list[Batch]:
        return [b for b in self.batches() if b.pending]

    def conflicts(self) -> list[Batch]:
        return [b for b in self.batches() if not b.pending]

    def _read(self) -> list[Batch]:
        text = self.path.read_text(encoding="utf-8")
        raw = parse_toml(self.path, text)
        try:
            return [_batch_from(entry) for entry in raw.get("batch", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise LoadError(
                self.path,
                f"offline journal is damaged ({exc}); it holds unpushed changes — keep a copy",
            ) from None

    # --- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock:
            yield

    def add(
        self,
        changes: list[Change],
        by: str,
        at: datetime,
        operator: dict[str, str] | None = None,
        batch_id: str | None = None,
    ) -> Batch:
        """Queue one transaction (caller holds `locked()`); its id is the change id it is pushed
        with."""
        batch = Batch(batch_id or uuid.uuid4().hex, by, at, changes, operator=dict(operator or {}))
        self._write([*self.batches(), batch])
        return batch

    def replace(self, batch_id: str, changes: list[Change]) -> None:
        """Put `changes` in place of a batch's, pending again (a conflict resolved as "mine")."""
        self._write(
            [
                replace(b, changes=changes, conflict="") if b.id == batch_id else b
                for b in self.batches()
            ]
        )

    def remove(self, batch_id: str) -> None:
        self._write([b for b in self.batches() if b.id != batch_id])

    def set_aside(self, batch_id: str, reason: str) -> None:
        self._write(
            [replace(b, conflict=reason) if b.id == batch_id else b for b in self.batches()]
        )

    def _write(self, batches: list[Batch]) -> None:
        if not batches:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self._cache = None
            return
        doc = {
            "version": JOURNAL_VERSION,
            "url": self.url,
            "batch": [_batch_to(b) for b in batches],
        }
        header = f"# golive offline journal for {self.url}: changes not yet pushed. Do not edit.\n"
        _atomic_write(self.path, header + tomli_w.dumps(doc, multiline_strings=True), durable=True)
        self._cache = None

    # --- last known remote state ----------------------------------------------------------------
    def remember(self, text: str) -> None:
        """Keep the document as last read or written, to show it when S3 cannot be reached."""
        if text is self._remembered or text == self._remembered:
            return
        with contextlib.suppress(OSError):  # only a cache: never fail a read or write over it
            self.save_snapshot(text)
            self._remembered = text

    def save_snapshot(self, text: str) -> None:
        # A cache, not a record: atomic but not fsynced (S3 holds the real thing).
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        _atomic_write(self.snapshot_path, text, durable=False)

    def load_snapshot(self) -> str | None:
        try:
            return self.snapshot_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None


def already_applied(state: State, batch: Batch) -> bool:
    """True if the remote chain already holds this batch (a push whose answer was lost)."""
    wanted = [(c.target, c.action, stored(c).values, list(c.unset)) for c in batch.changes]
    found = [
        (e.target, e.action, e.values, list(e.unset))
        for e in state.audit
        if e.at == batch.at and e.by == batch.by
    ]
    return bool(wanted) and all(w in found for w in wanted)


def _batch_to(batch: Batch) -> dict[str, Any]:
    out: dict[str, Any] = {"id": batch.id, "by": batch.by, "at": batch.at}
    if batch.operator:
        out["operator"] = dict(batch.operator)
    if batch.conflict:
        out["conflict"] = batch.conflict
    out["change"] = []
    for change in batch.changes:
        entry: dict[str, Any] = {
            "target": change.target,
            "action": change.action,
            "values": strip_none(change.values),
            "unset": list(change.unset),
        }
        if change.expect:
            # TOML has no null: a field the user saw empty is listed by name.
            entry["expect"] = strip_none(change.expect)
            entry["expect_none"] = sorted(k for k, v in change.expect.items() if v is None)
        out["change"].append(entry)
    return out


def _batch_from(raw: dict[str, Any]) -> Batch:
    changes = []
    for entry in raw["change"]:
        expect = dict(entry.get("expect", {}))
        expect.update({name: None for name in entry.get("expect_none", [])})
        if expect and entry["target"].startswith("item:"):
            # Restore what TOML dropped (None inside a probe record, …) so the comparison
            # with the remote item at push time is exact.
            full = ItemState.model_validate(
                {k: v for k, v in expect.items() if v is not None}
            ).model_dump()
            expect = {k: full[k] for k in expect}
        changes.append(
            Change(
                entry["target"],
                entry["action"],
                dict(entry.get("values", {})),
                list(entry.get("unset", [])),
                expect,
            )
        )
    return Batch(
        str(raw["id"]),
        str(raw["by"]),
        raw["at"],
        changes,
        str(raw.get("conflict", "")),
        {str(k): str(v) for k, v in dict(raw.get("operator", {})).items()},
    )


def _atomic_write(path: Path, text: str, *, durable: bool) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
