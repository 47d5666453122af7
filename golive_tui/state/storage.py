"""Where the state file's bytes live. The state store's transaction logic is the same for all.

A storage reads the document with a version token and writes it back *conditionally*:
`LocalFile` serialises writers with an advisory file lock (so the condition always
holds), a remote storage (S3, `s3.py`) does a conditional PUT and raises
`VersionConflict` when someone else wrote first; the store then re-reads, re-applies the
change on top and retries.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from ..errors import GoliveError, LoadError
from ..files import MAX_MB_ENV, max_bytes, megabytes
from .document import Document
from .lineage import text_lineage
from .shared import Lock, UnsafeFile, captains_gid, check_file, open_nofollow

READ_CAP_FACTOR = 4
"""A record is read up to 4x the write cap: a write that would cross the cap is refused (store.py),
so a record over it (a lowered cap, an older golive) must still be readable; junk far over it is
not."""


class VersionConflict(Exception):
    """The document changed since it was read: re-read and re-apply."""


class Unreachable(GoliveError):
    """The storage cannot be reached right now (network, timeout, 5xx): the store goes offline."""


class Missing(GoliveError):
    """Where the record should be does not exist at all (an S3 bucket gone): not an empty new
    record."""

    def __init__(self, message: str, what: str) -> None:
        super().__init__(message)
        self.what = what


class StorageError(GoliveError):
    """The disk refused a write (full, read-only, permission): nothing was changed."""


def write_failure(path: Path, exc: OSError, kept: str) -> StorageError:
    """An OSError while writing -> one line with the path, the reason and what was kept (exit 2)."""
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    where = exc.filename or path
    return StorageError(f"cannot write {where}: {reason} (errno {exc.errno}); {kept}")


class Storage(Protocol):
    name: str
    """How to name the document in messages (a path or an s3:// URL)."""

    def version(self) -> Any | None:
        """A cheap token that changes whenever the document changes (None: no document)."""

    def load(self) -> tuple[str | None, Any | None]:
        """(text, version) of the document; (None, None) when it does not exist yet."""

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Hold off other writers of this machine for one read-modify-write."""

    def save(self, text: str | Document, expected: Any | None, *, backup: bool = True) -> Any:
        """Write `text` (a string, or the pieces of one: document.py) if the document is still
        at version `expected`; return the new version.

        `backup=False`: do not keep the document being replaced as the previous good copy.
        """


class LocalFile:
    """A file on the local disk: atomic replace, fsync, mode 0600 (or `mode`), previous file kept as
    .bak.

    For captains sharing one host, `mode` 0o660 (profile `state.mode`) and `group` (profile
    `state.group`), or a directory owned by their group with the setgid bit: every write
    keeps the captains' group and the mode, the lock file is shared, and a stale temp file
    left by a killed writer is removed by the next writer holding the lock. Files another
    user planted or can rewrite are refused (shared.py). `.bak` is never overwritten by a
    record of another lineage: that one is kept aside as `<name>.bak.<lineage>`.
    """

    def __init__(self, path: Path, mode: int = 0o600, group: str = "") -> None:
        self.path = path.absolute()
        self.name = str(self.path)
        self.backup = self.path.with_name(self.path.name + ".bak")
        self.mode = mode
        self.group = group
        self._lock_path = Path(str(self.path) + ".lock")
        self._gid: tuple[int | None] | None = None
        self._lock = Lock(self._lock_path, mode, self._state_gid, None)

    @property
    def gid(self) -> int | None:
        """The captains' group (None: only the owner and root are trusted)."""
        if self._gid is None:
            self._gid = (captains_gid(self.path.parent, self.mode, self.group),)
        return self._gid[0]

    def _state_gid(self) -> int | None:
        try:
            return self.path.lstat().st_gid
        except OSError:
            return None

    def version(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.lstat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _kept(self) -> str:
        kept = (
            f"{self.path} and {self.backup} are as they were"
            if self.backup.exists()
            else f"{self.path} is as it was"
            if self.path.exists()
            else f"{self.path} was not created"
        )
        return f"nothing was changed: {kept}, and this change was not recorded"

    def load(self) -> tuple[str | None, tuple[int, int, int] | None]:
        try:
            fd = open_nofollow(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        except FileNotFoundError:
            return None, None
        except IsADirectoryError:
            raise LoadError(self.path, "is a directory, not a state file") from None
        except OSError as exc:
            raise LoadError(self.path, f"cannot read state file: {exc.strerror or exc}") from None
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                kind = (
                    "a FIFO"
                    if stat.S_ISFIFO(st.st_mode)
                    else "a device"
                    if stat.S_ISCHR(st.st_mode)
                    else "not a regular file"
                )
                raise LoadError(self.path, f"is {kind}: a state file must be a regular file")
            check_file(self.path, st, "state file", self.gid)
            os.set_blocking(fd, True)
            limit = max_bytes() * READ_CAP_FACTOR
            # read(limit + 1) allocated the whole limit (256 MB) on every read: a buffer of the
            # file's size (read to its end) unless the file already says it is over the limit.
            data = handle.read(limit + 1 if st.st_size > limit else -1)
            if len(data) > limit + 1:
                data = data[: limit + 1]  # it grew while it was read: over the limit all the same
        if len(data) > limit:
            raise LoadError(
                self.path,
                f"state file is larger than {megabytes(limit)} MB ({READ_CAP_FACTOR}x the "
                f"write cap); refusing to read it (raise the limit with ${MAX_MB_ENV})",
            )
        try:
            return data.decode("utf-8"), (st.st_ino, st.st_size, st.st_mtime_ns)
        except UnicodeDecodeError as exc:
            raise LoadError(
                self.path, f"cannot read state file: not UTF-8 (byte {exc.start})"
            ) from None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        stack = contextlib.ExitStack()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.gid = self.gid
            stack.enter_context(self._lock.held())
        except OSError as exc:
            raise write_failure(self._lock_path, exc, self._kept()) from None
        with stack:
            yield

    def holds(self, document: Document) -> bool:
        """Whether the file's bytes are `document`'s, compared a batch at a time (none of its
        size is read at once)."""
        try:
            fd = open_nofollow(self.path, os.O_RDONLY)
        except OSError:
            return False
        with os.fdopen(fd, "rb") as handle:
            if os.fstat(fd).st_size != document.size():
                return False
            for batch in document.batches():
                if handle.read(len(batch)) != batch:
                    return False
            return handle.read(1) == b""

    def _remove_stale_temp_files(self) -> None:
        # Holding the lock, no other writer is between mkstemp and rename: any temp file is a killed
        # writer's.
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp*"):
            with contextlib.suppress(FileNotFoundError, PermissionError):
                leftover.unlink()

    def _new_file(self, text: bytes | Document, group: int | None) -> str:
        """A durable temp file next to the state with our mode and the captains' group (O_EXCL, no
        symlink)."""
        fd, tmp = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            os.fchmod(fd, self.mode)
            if group is not None and group != os.fstat(fd).st_gid:
                try:
                    os.fchown(fd, -1, group)
                except PermissionError:
                    raise GoliveError(
                        f"{self.path} belongs to group {_group(group)}, which you are not a "
                        "member of: writing it would take it away from the other captains"
                    ) from None
            for batch in (text,) if isinstance(text, bytes) else text.batches():
                view = memoryview(batch)
                while view:
                    view = view[write_some(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        os.close(fd)
        return tmp

    def save(
        self, text: str | Document, expected: Any | None, *, backup: bool = True
    ) -> tuple[int, int, int] | None:
        # The lock held by the caller makes the version check unnecessary here.
        try:
            return self._save(text, backup)
        except OSError as exc:
            raise write_failure(self.path, exc, self._kept()) from None

    def _save(self, text: str | Document, backup: bool) -> tuple[int, int, int] | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temp_files()
        try:
            old = self.path.lstat()
        except FileNotFoundError:
            old = None
        if old is not None:
            check_file(self.path, old, "state file", self.gid)
        group = self.gid if self.gid is not None else old.st_gid if old else None
        # A Document is encoded and written in batches: no buffer of the record's size per save.
        tmp = self._new_file(text.encode("utf-8") if isinstance(text, str) else text, group)
        made = [tmp]
        try:
            if backup and old is not None:
                self._keep_other_lineage_backup()
                if stat.S_IMODE(old.st_mode) == self.mode and (
                    self.gid is None or old.st_gid == self.gid
                ):
                    # Keep the previous good file: hard-link it to a temp name, then rename over
                    # .bak.
                    bak_tmp = f"{tmp}.bak"
                    os.link(self.path, bak_tmp)
                    made.append(bak_tmp)
                else:  # a file written with another mode: the .bak gets ours, not the old one's
                    bak_tmp = self._new_file(_read_nofollow(self.path), group)
                    made.append(bak_tmp)
                os.replace(bak_tmp, self.backup)
                # rename() between two links of one file (the .bak already is the current file,
                # after an interrupted write) does nothing and leaves the source: remove it.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(bak_tmp)
            os.replace(tmp, self.path)
        except BaseException:
            for leftover in made:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return self.version()

    def _keep_other_lineage_backup(self) -> None:
        """If `.bak` holds another record than the file about to replace it, move it aside, never
        over it."""
        try:
            st = self.backup.lstat()
        except FileNotFoundError:
            return
        check_file(self.backup, st, ".bak file", self.gid)
        theirs, ours = _file_lineage(self.backup), _file_lineage(self.path)
        if theirs is None or ours is None or theirs == ours:
            return
        aside = self.backup.with_name(f"{self.backup.name}.{theirs[:12]}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.backup.with_name(f"{self.backup.name}.{theirs[:12]}.{n}")
        os.link(self.backup, aside)


def write_some(fd: int, data: memoryview) -> int:
    """One os.write: golive's own writer (tests inject ENOSPC here, never into a library)."""
    return os.write(fd, data)


def _read_nofollow(path: Path) -> bytes:
    fd = open_nofollow(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def _file_lineage(path: Path) -> str | None:
    """A state file's lineage, from its first few KB when it says it there (else the whole file)."""
    try:
        fd = open_nofollow(path, os.O_RDONLY)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        head = handle.read(8192).decode("utf-8", "replace")
        found = text_lineage(head)
        if found is None and len(head) == 8192:
            found = text_lineage(
                head + handle.read(max_bytes() * READ_CAP_FACTOR).decode("utf-8", "replace")
            )
    return found


def _group(gid: int) -> str:
    from .shared import group_name

    return group_name(gid)


__all__ = [
    "LocalFile",
    "Missing",
    "Storage",
    "StorageError",
    "Unreachable",
    "UnsafeFile",
    "VersionConflict",
]
