"""The state store: progress, evidence, approvals and the audit chain in one TOML file.

Guarantees (each has a test): writes are atomic (temp file in the same directory, fsync,
rename, fsync of the directory) with mode 0600; every read-modify-write holds an advisory
lock so concurrent golive processes never lose an update; a file that does not parse is
never overwritten; the previous good file is kept as `<name>.bak`; the file is sorted and
has one table per item so it diffs well.
"""

from __future__ import annotations

import getpass
import os
import random
import socket
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from .audit import Change, append, strip_none
from .errors import GoliveError, LoadError
from .state_model import SCHEMA_VERSION, AuditEntry, State
from .storage import LocalFile, VersionConflict
from .tomlfile import parse_toml, validation_error

STATE_ENV = "GOLIVE_STATE"
DEFAULT_STATE = "golive-state.toml"


def now() -> datetime:
    return datetime.now(UTC)


def actor(by: str | None = None) -> str:
    """Who is acting: --by, else $GOLIVE_USER, else login@host."""
    if by:
        return by
    env = os.environ.get("GOLIVE_USER")
    if env:
        return env
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def default_state_path(path: str | Path | None = None) -> Path:
    if path:
        return Path(path)
    return Path(os.environ.get(STATE_ENV) or DEFAULT_STATE)


def state_location(path: str | Path | None = None) -> str:
    """Like default_state_path, as a string: `Path` would fold `s3://b/k` into `s3:/b/k`."""
    return str(path) if path else os.environ.get(STATE_ENV) or DEFAULT_STATE



AUDIT_HEADER = "[[audit]]\n"

# Audit entries never change once written, so their TOML text and their parsed form are
# cached by content. The file is still one plain TOML document; the caches only spare the
# pure-Python TOML reader and writer from redoing the (largest, append-only) part of it.
_audit_text: dict[str, str] = {}
_audit_parsed: dict[str, AuditEntry] = {}
_CACHE_LIMIT = 200_000


def _audit_chunk(entry: AuditEntry) -> str:
    chunk = _audit_text.get(entry.hash)
    if chunk is None:
        chunk = tomli_w.dumps({"audit": [strip_none(entry.model_dump())]}, multiline_strings=True)
        if len(_audit_text) < _CACHE_LIMIT:
            _audit_text[entry.hash] = chunk
    return chunk


_item_text: dict[str, tuple[object, str]] = {}


def _item_chunk(key: str, item: Any) -> str:
    # ItemState objects are replaced, never mutated, on change: identity says "unchanged".
    cached = _item_text.get(key)
    if cached is not None and cached[0] is item:
        return cached[1]
    chunk = tomli_w.dumps({"items": {key: item.model_dump(exclude_none=True, exclude_defaults=True)}}, multiline_strings=True)
    if len(_item_text) < _CACHE_LIMIT:
        _item_text[key] = (item, chunk)
    return chunk


def to_toml(state: State) -> str:
    """Serialise sorted, one table per item, audit last (append-only, so diffs stay small)."""
    doc: dict[str, Any] = {"schema_version": state.schema_version, "checklist": state.checklist}
    meta = state.meta.model_dump(exclude_none=True, exclude_defaults=True)
    if meta:
        doc["meta"] = meta
    parts = [tomli_w.dumps(doc, multiline_strings=True)]
    parts += [_item_chunk(key, state.items[key]) for key in sorted(state.items)]
    approvals = {key: state.approvals[key].model_dump(exclude_none=True) for key in sorted(state.approvals)}
    if approvals:
        parts.append(tomli_w.dumps({"approvals": approvals}, multiline_strings=True))
    parts += [_audit_chunk(entry) for entry in state.audit]
    return "\n".join(parts)


def _fast_parse(text: str) -> tuple[dict[str, Any], list[AuditEntry]] | None:
    """Parse the head with tomllib and each audit chunk once; None when the layout is not ours."""
    start = text.find("\n" + AUDIT_HEADER)
    if start < 0 or "[[audit]]" in text[:start]:
        return None
    head = tomllib.loads(text[: start + 1])
    if "audit" in head:
        return None
    entries: list[AuditEntry] = []
    for chunk in text[start + 1 :].split("\n" + AUDIT_HEADER):
        chunk = chunk if chunk.startswith(AUDIT_HEADER) else AUDIT_HEADER + chunk
        entry = _audit_parsed.get(chunk)
        if entry is None:
            data = tomllib.loads(chunk)
            if set(data) != {"audit"} or len(data["audit"]) != 1:
                return None  # something else hides in the audit part: let the full parser judge
            entry = AuditEntry.model_validate(data["audit"][0])
            if len(_audit_parsed) < _CACHE_LIMIT:
                _audit_parsed[chunk] = entry
        entries.append(entry)
    return head, entries


def from_toml(path: Path | str, text: str) -> State:
    try:
        fast = _fast_parse(text)
    except (tomllib.TOMLDecodeError, ValidationError):
        fast = None  # the full parse below reports the error with its line
    if fast is not None:
        head, entries = fast
        try:
            state = State.model_validate(head)
        except ValidationError as exc:
            raise validation_error(path, text, head, exc) from None
        _check_version(path, head)
        state.audit = entries  # entries are immutable (frozen model), safe to share with the cache
        return state
    raw = parse_toml(path, text)
    _check_version(path, raw)
    try:
        return State.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(path, text, raw, exc) from None


def _check_version(path: Path | str, raw: dict[str, Any]) -> None:
    version = raw.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise LoadError(path, f"schema_version {version} was written by a newer golive (this one reads {SCHEMA_VERSION})", key="schema_version")


# Only remote storage (S3) ever retries. Measured with 4 processes writing flat out: up to
# ~12 lost races in a row for one change, with the jittered backoff below (cap 1 s).
MAX_CONFLICT_RETRIES = 50


class ConflictError(GoliveError):
    """Someone else changed the same field of the same item since this user saw it."""

    def __init__(self, conflicts: list[tuple[str, str, Any, Any]]) -> None:
        self.conflicts = conflicts
        shown = "; ".join(f"{target} {name}: theirs {_brief(theirs)!r}, yours {_brief(mine)!r}"
                          for target, name, theirs, mine in conflicts)
        super().__init__(f"conflict — changed by someone else since you read it: {shown}")


def _brief(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("verdict") or value.get("reason") or "{…}"
    return value


def _conflicts(state: State, change: Change) -> list[tuple[str, str, Any, Any]]:
    """Fields whose current value is neither what the user saw nor what they want now."""
    if not change.expect or not change.target.startswith("item:"):
        return []
    current = state.item(change.target[5:]).model_dump()
    found = []
    for name, seen in change.expect.items():
        theirs, mine = current.get(name), change.values.get(name)
        if theirs != seen and theirs != mine:
            found.append((change.target, name, theirs, mine))
    return found


class StateStore:
    """The state document (a local file, or S3 with `s3://bucket/key`). Every change goes through `transact`."""

    def __init__(self, path: str | Path | None = None, checklist: str = "", *, storage: Any = None,
                 journal_dir: Path | None = None) -> None:
        self.checklist = checklist
        if storage is None:
            location = state_location(path)
            if location.startswith("s3://"):
                from .storage_s3 import S3Object

                storage = S3Object(location)
            else:
                storage = LocalFile(Path(location))
        self.storage = storage
        self.path = getattr(storage, "path", None) or Path(storage.name)
        self.backup = getattr(storage, "backup", None)
        self._cached: tuple[Any, State] | None = None
        self.shared: Any = None
        """Offline journal and status of a remote (S3) document; None for a local file."""
        if getattr(storage, "remote", False):
            from .offline import SharedState

            self.shared = SharedState(self, journal_dir)

    def __repr__(self) -> str:
        return f"StateStore({self.storage.name!r})"

    # --- reading ---------------------------------------------------------------------------
    def read(self) -> State:
        """The current state (empty if the document does not exist yet). Never writes.

        For a remote document this includes changes queued offline, and is the last known
        state (plus those changes) while the storage cannot be reached.
        """
        if self.shared is not None:
            return self.shared.read()
        return self._read_direct()

    def _read_direct(self) -> State:
        version = self.storage.version()
        if version is not None and self._cached is not None and self._cached[0] == version:
            return _shallow_copy(self._cached[1])
        return self._load()[0]

    def _load(self) -> tuple[State, Any]:
        text, version = self.storage.load()
        if text is None:
            return State(checklist=self.checklist), None
        if self._cached is not None and self._cached[0] == version:
            return _shallow_copy(self._cached[1]), version
        state = from_toml(self.storage.name, text)
        self._cached = (version, _shallow_copy(state))
        if self.shared is not None:
            self.shared.remember(text)
        return state, version

    def fingerprint(self) -> Any:
        """Cheap change detector for live reload (file stat, or the S3 ETag and the journal)."""
        if self.shared is not None:
            return self.shared.fingerprint()
        return self.storage.version()

    @property
    def offline(self) -> bool:
        """True while a remote document cannot be reached (changes are being queued)."""
        return self.shared is not None and self.shared.offline

    def sync(self) -> Any:
        """Push changes queued offline (a SyncReport); a no-op for a local file."""
        return self.shared.sync() if self.shared is not None else None

    # --- writing ---------------------------------------------------------------------------
    def transact(
        self,
        build: Callable[[State], list[Change]] | list[Change],
        by: str | None = None,
        at: datetime | None = None,
    ) -> tuple[State, list[AuditEntry]]:
        """Read, compute the changes on the fresh state, append, write — retried on conflict.

        `build` gets the state as it is stored now, so concurrent writers merge at the level
        of fields instead of overwriting each other. A change that carries `expect` (the
        values the user saw) raises ConflictError if someone else changed those fields.
        While a remote document is unreachable the changes are queued (see offline.py).
        """
        who = actor(by)
        if self.shared is not None:
            return self.shared.transact(build, who, at)
        return self._commit(build, who, at)

    def _commit(self, build: Callable[[State], list[Change]] | list[Change], who: str,
                at: datetime | None) -> tuple[State, list[AuditEntry]]:
        for attempt in range(MAX_CONFLICT_RETRIES):
            with self.storage.locked():
                state, version = self._load()
                if not state.checklist:
                    state.checklist = self.checklist
                changes = build(state) if callable(build) else build
                conflicts = [c for change in changes for c in _conflicts(state, change)]
                if conflicts:
                    raise ConflictError(conflicts)
                when = at or now()
                entries = [append(state, _clean(change), who, when) for change in changes]
                if not entries:
                    return state, entries
                self._cached = None
                text = to_toml(state)
                try:
                    new_version = self.storage.save(text, version)
                except VersionConflict:
                    # Jittered backoff: writers that collided do not collide again in lockstep.
                    time.sleep(random.uniform(0, min(1.0, 0.01 * 2**attempt)))
                    continue
                if new_version is not None:
                    self._cached = (new_version, _shallow_copy(state))
                if self.shared is not None:
                    self.shared.remember(text)
                return state, entries
        raise GoliveError(f"{self.storage.name}: gave up after {MAX_CONFLICT_RETRIES} concurrent-write retries")

    def _write(self, text: str) -> None:
        """Write a whole document (benchmarks and tests); normal changes use transact."""
        with self.storage.locked():
            self.storage.save(text, None)
            self._cached = None


def _shallow_copy(state: State) -> State:
    # Changes replace ItemState/ApprovalRecord/Meta objects and append audit entries; they
    # never mutate them in place, so copying the containers isolates callers from each other.
    return state.model_copy(update={
        "items": dict(state.items), "approvals": dict(state.approvals), "audit": list(state.audit),
    })


def _clean(change: Change) -> Change:
    return Change(change.target, change.action, strip_none(change.values), list(change.unset))
