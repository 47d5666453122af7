"""Archived history: old audit entries moved to a segment file next to the record, still verified.

A record that nears the size limit would refuse to load mid-cutover; `golive audit archive`
moves the entries up to a boundary into `<state>.audit-<first>-<last>.toml` and keeps in
the state file what verification needs to go on without it: the segment's name, its
SHA-256, its last entry's hash (the next entry links to it) and `base`, the state replayed
up to that entry. An `archive` entry appended to the chain commits to all of them, so an
edit of the list, of `base` or of the segment is caught: the first two by every
verification (chain_verify._check_base), the segment by `golive audit verify` (verify_history),
which reads every segment, checks its digest, and replays the whole history from the first
entry. Approvals' entries stay in the file (the boundary stops before the oldest one), so
what changed since an approval and what a signature covers are still read from the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import GoliveError
from .canon import canonical, strip_none
from .chain import Change, append_all, origin_seq, state_at
from .chain_verify import VerifyReport, base_digest, verify
from .schema import AuditEntry, Segment, State

if TYPE_CHECKING:
    from ..actor import Actor
    from .storage import LocalFile
    from .store import StateStore

SEGMENT_VERSION = 1
_BASE_FIELDS = {"items", "approvals", "meta", "vouched"}


@dataclass
class Archived:
    segment: Path
    entries: int
    kept: int
    before: int
    after: int
    """File sizes in bytes, before and after."""


def boundary(state: State) -> int:
    """The last entry that may be archived: before every approval's entry, and not the head."""
    last = state.audit[-1].seq if state.audit else origin_seq(state) - 1
    approvals = [record.audit_seq for record in state.approvals.values()]
    return min([last, *(seq - 1 for seq in approvals)])


def archive(store: StateStore, actor: Actor) -> Archived:
    """Move the archivable history of a local record into a new segment file (one transaction)."""
    if store.path is None:
        raise GoliveError(
            f"{store.location}: archiving works on a local state file (an s3:// record keeps "
            "its history in bucket versions)"
        )
    path = store.path
    with store.storage.locked():
        state = store.read()
        report = verify(state)
        if not report.ok:
            raise GoliveError(
                f"{path} fails verification ({report.problem}): archive nothing before "
                "`golive audit verify` passes"
            )
        first, last = origin_seq(state), boundary(state)
        if last < first:
            raise GoliveError(
                f"{path}: nothing to archive (the oldest approval is entry #{last + 1})"
            )
        moved = state.audit[: last - first + 1]
        kept = list(state.audit[last - first + 1 :])
        segment = path.with_name(f"{path.name}.audit-{first:06d}-{last:06d}.toml")
        text = _segment_text(store, state, moved)
        digest = hashlib.sha256(text.encode()).hexdigest()
        base = strip_none(state_at(state, last).model_dump(include=_BASE_FIELDS))
        # A record with a local path is kept in a LocalFile (open_store), which has the file mode.
        mode = cast("LocalFile", store.storage).mode
        _write(
            segment, text, mode
        )  # before the record: a crash leaves an unreferenced segment only
        before = path.stat().st_size
        new = state.model_copy(
            update={
                "audit": kept,
                "base": base,
                "archive": [
                    *state.archive,
                    Segment(
                        file=segment.name,
                        first=first,
                        last=last,
                        head=moved[-1].hash,
                        sha256=digest,
                        sealed_by=0,
                    ),
                ],
            }
        )
        sealed = (kept[-1].seq if kept else last) + 1
        new.archive[-1] = new.archive[-1].model_copy(update={"sealed_by": sealed})
        values = {
            "segment": segment.name,
            "sha256": digest,
            "first": first,
            "last": last,
            "head": moved[-1].hash,
            "base": base_digest(base),
        }
        append_all(
            new,
            Change("record", "archive", values),
            by=actor.name,
            at=actor.now(),
            operator=actor.operator.record(),
        )
        store.storage.save(store.codec.dumps(new), None)
        store._cached = None
    return Archived(segment, len(moved), len(kept) + 1, before, path.stat().st_size)


def _segment_text(store: StateStore, state: State, entries: list[AuditEntry]) -> str:
    head = f"segment_version = {SEGMENT_VERSION}\nchecklist = {canonical(state.checklist)}\n"
    return "\n".join([head, *(store.codec._audit_chunk(entry) for entry in entries)])


def _write(target: Path, text: str, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_segment(directory: Path, segment: Segment) -> list[AuditEntry] | str:
    """The entries of one segment, or why they cannot be trusted."""
    try:
        data = (directory / Path(segment.file).name).read_bytes()
    except OSError as exc:
        return f"segment {segment.file} cannot be read: {exc.strerror or exc}"
    if hashlib.sha256(data).hexdigest() != segment.sha256:
        return f"segment {segment.file} was modified (SHA-256 mismatch)"
    try:
        raw: dict[str, Any] = tomllib.loads(data.decode())
        return [AuditEntry.model_validate(entry) for entry in raw.get("audit", [])]
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        return f"segment {segment.file} cannot be parsed: {exc}"


def verify_history(state: State, directory: Path) -> VerifyReport:
    """The whole history: every segment (digest, then entries), then the file, replayed from the
    first entry."""
    quick = verify(state)
    if not quick.ok or not state.archive:
        return quick
    entries: list[AuditEntry] = []
    for segment in state.archive:
        read = read_segment(directory, segment)
        if isinstance(read, str):
            return VerifyReport(False, len(state.audit), read, segment.first)
        if (
            not read
            or read[0].seq != segment.first
            or read[-1].seq != segment.last
            or read[-1].hash != segment.head
        ):
            return VerifyReport(
                False,
                len(state.audit),
                f"segment {segment.file} does not hold entries {segment.first}-{segment.last}",
                segment.first,
            )
        entries += read
    whole = state.model_copy(update={"archive": [], "base": {}, "audit": [*entries, *state.audit]})
    report = verify(whole)
    if not report.ok:
        return report
    commitments = {
        e.values.get("segment"): e.values.get("sha256")
        for e in whole.audit
        if e.action == "archive"
    }
    for segment in state.archive:
        if commitments.get(segment.file) != segment.sha256:
            return VerifyReport(
                False,
                report.entries,
                f"no archive entry commits to segment {segment.file}",
                segment.first,
            )
    replayed = strip_none(state_at(whole, state.archive[-1].last).model_dump(include=_BASE_FIELDS))
    if canonical(replayed) != canonical(strip_none(state.base)):
        return VerifyReport(
            False,
            report.entries,
            "base differs from the archived history replayed: edited by hand?",
            None,
        )
    return report
