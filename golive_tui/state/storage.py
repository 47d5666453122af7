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
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from ..errors import GoliveError, LoadError

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

    def save(self, text: str, expected: Any | None) -> Any:
        """Write `text` if the document is still at version `expected`; return the new version."""


class LocalFile:
    """A file on the local disk: atomic replace, fsync, mode 0600, previous file kept as .bak."""

    def __init__(self, path: Path) -> None:
        self.path = path.absolute()
        self.name = str(self.path)
        self.backup = self.path.with_name(self.path.name + ".bak")
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT, mode=0o600)

    def version(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def load(self) -> tuple[str | None, tuple[int, int, int] | None]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                st = os.fstat(handle.fileno())
                return handle.read(), (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            return None, None
        except (OSError, UnicodeDecodeError) as exc:
            raise LoadError(self.path, f"cannot read state file: {exc}") from None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        try:
            with self._lock:
                yield
        except Timeout:
            raise GoliveError(f"{self.path}: another golive holds the lock {self._lock.lock_file} (waited {LOCK_TIMEOUT:g}s)") from None

    def save(self, text: str, expected: Any | None) -> tuple[int, int, int] | None:
        # The lock held by the caller makes the version check unnecessary here.
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if self.path.exists():
                # Keep the previous good file: hard-link it to a temp name, then rename over .bak.
                bak_tmp = f"{tmp}.bak"
                os.link(self.path, bak_tmp)
                os.replace(bak_tmp, self.backup)
            os.replace(tmp, self.path)
        except BaseException:
            for leftover in (tmp, f"{tmp}.bak"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return self.version()
