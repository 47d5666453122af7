"""Where the state file's bytes live. The state store's transaction logic is the same for all.

A storage reads the document with a version token and writes it back *conditionally*:
`LocalFile` serialises writers with an advisory file lock (so the condition always
holds), a remote storage (S3, `s3.py`) does a conditional PUT and raises
`VersionConflict` when someone else wrote first; the store then re-reads, re-applies the
change on top and retries.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from ..errors import GoliveError, LoadError
from ..files import MAX_MB_ENV, max_bytes, open_regular

LOCK_TIMEOUT = 30.0


class VersionConflict(Exception):
    """The document changed since it was read: re-read and re-apply."""


class Unreachable(GoliveError):
    """The storage cannot be reached right now (network, timeout, 5xx): the store goes offline."""


class Storage(Protocol):
    name: str
    """How to name the document in messages (a path or an s3:// URL)."""

    def version(self) -> Any | None:
        """A cheap token that changes whenever the document changes (None: no document)."""

    def load(self) -> tuple[str | None, Any | None]:
        """(text, version) of the document; (None, None) when it does not exist yet."""

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Hold off other writers of this machine for one read-modify-write."""

    def save(self, text: str, expected: Any | None, *, backup: bool = True) -> Any:
        """Write `text` if the document is still at version `expected`; return the new version.

        `backup=False`: do not keep the document being replaced as the previous good copy.
        """


class LocalFile:
    """A file on the local disk: atomic replace, fsync, mode 0600 (or `mode`), previous file kept as .bak.

    For captains sharing one host, `mode` 0o660 (profile `state.mode`) and a directory owned
    by their group (setgid, so new files join it): every write keeps the file's group and
    mode, the lock file is shared, and a stale temp file left by a killed writer is removed
    by the next writer holding the lock.
    """

    def __init__(self, path: Path, mode: int = 0o600) -> None:
        self.path = path.absolute()
        self.name = str(self.path)
        self.backup = self.path.with_name(self.path.name + ".bak")
        self.mode = mode
        self._lock_path = Path(str(self.path) + ".lock")
        self._lock = FileLock(str(self._lock_path), timeout=LOCK_TIMEOUT, mode=mode)

    def version(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def load(self) -> tuple[str | None, tuple[int, int, int] | None]:
        try:
            handle = open_regular(self.path, "state file")
        except LoadError as exc:
            if exc.message == "file not found":
                return None, None
            raise
        with handle:
            st = os.fstat(handle.fileno())
            limit = max_bytes()
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise LoadError(self.path, f"state file is larger than {limit // (1024 * 1024)} MB; refusing to read it "
                                       f"(raise the limit with ${MAX_MB_ENV})")
        try:
            return data.decode("utf-8"), (st.st_ino, st.st_size, st.st_mtime_ns)
        except UnicodeDecodeError as exc:
            raise LoadError(self.path, f"cannot read state file: not UTF-8 (byte {exc.start})") from None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._prepare_lock_file()
        try:
            with self._lock:
                yield
        except Timeout:
            raise GoliveError(f"{self.path}: another golive holds the lock {self._lock.lock_file} (waited {LOCK_TIMEOUT:g}s)") from None

    def _prepare_lock_file(self) -> None:
        """Create the lock file with the state's mode and group, so every captain of the group can lock it."""
        if self._lock_path.exists():
            return
        try:
            fd = os.open(self._lock_path, os.O_CREAT | os.O_WRONLY, self.mode)
        except OSError:
            return  # FileLock reports what is wrong with the directory
        try:
            os.fchmod(fd, self.mode)
            with contextlib.suppress(FileNotFoundError, PermissionError):
                os.fchown(fd, -1, self.path.stat().st_gid)
        finally:
            os.close(fd)

    def _remove_stale_temp_files(self) -> None:
        # Holding the lock, no other writer is between mkstemp and rename: any temp file is a killed writer's.
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp*"):
            with contextlib.suppress(FileNotFoundError, PermissionError):
                leftover.unlink()

    def _new_file(self, text: bytes, group: int | None) -> str:
        """A durable temp file next to the state with our mode and the state's group."""
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, self.mode)
            if group is not None and group != os.fstat(fd).st_gid:
                try:
                    os.fchown(fd, -1, group)
                except PermissionError:
                    import grp

                    name = grp.getgrgid(group).gr_name if group in {g.gr_gid for g in grp.getgrall()} else str(group)
                    raise GoliveError(f"{self.path} belongs to group {name}, which you are not a member of: "
                                      "writing it would take it away from the other captains") from None
            with os.fdopen(fd, "wb") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return tmp

    def save(self, text: str, expected: Any | None, *, backup: bool = True) -> tuple[int, int, int] | None:
        # The lock held by the caller makes the version check unnecessary here.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temp_files()
        try:
            old = self.path.stat()
        except FileNotFoundError:
            old = None
        tmp = self._new_file(text.encode("utf-8"), old.st_gid if old else None)
        made = [tmp]
        try:
            if backup and old is not None:
                if stat.S_IMODE(old.st_mode) == self.mode:
                    # Keep the previous good file: hard-link it to a temp name, then rename over .bak.
                    bak_tmp = f"{tmp}.bak"
                    os.link(self.path, bak_tmp)
                    made.append(bak_tmp)
                else:  # a file written with another mode: the .bak gets ours, not the old one's
                    bak_tmp = self._new_file(self.path.read_bytes(), old.st_gid)
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
