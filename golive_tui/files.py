"""Reading the files a user names: regular files only, of a sane size, never blocking.

A checklist symlinked to /dev/zero would be read until memory runs out, a FIFO would block
forever, a 4 GB evidence file read whole would be a MemoryError. Every checklist, profile,
state file and evidence file is opened here: non-blocking (a FIFO opens at once and is then
refused), checked to be a regular file, and read only up to a limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import LoadError

MAX_MB_ENV = "GOLIVE_MAX_FILE_MB"
DEFAULT_MAX_MB = 64


def max_bytes() -> int:
    """The size limit for checklists, profiles and state files ($GOLIVE_MAX_FILE_MB, default 64)."""
    try:
        return int(float(os.environ.get(MAX_MB_ENV, DEFAULT_MAX_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024


def megabytes(size: int) -> str:
    """A size in MB for messages, never rounded down to a whole number (a 3.4 MB cap says 3.4)."""
    return f"{round(size / (1024 * 1024), 2):g}"


def open_regular(path: Path | str, what: str) -> BinaryIO:
    """Open a regular file for reading; LoadError for anything else (FIFO, device, directory)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    except IsADirectoryError:
        raise LoadError(path, f"is a directory, not a {what}") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read {what}: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise LoadError(path, f"is {kind}: a {what} must be a regular file")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_bytes(path: Path | str, what: str, limit: int | None = None) -> bytes:
    """The content of a regular file of at most `limit` bytes (default: max_bytes())."""
    configurable = limit is None
    limit = max_bytes() if limit is None else limit
    with open_regular(path, what) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        hint = (
            f" (raise the limit with ${MAX_MB_ENV} if this is really one)" if configurable else ""
        )
        raise LoadError(
            path, f"{what} is larger than {megabytes(limit)} MB; refusing to read it{hint}"
        )
    return data


def read_text(path: Path | str, what: str, limit: int | None = None) -> str:
    """A UTF-8 regular file as text (a BOM is dropped); LoadError naming the file otherwise."""
    data = read_bytes(path, what, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadError(
            path,
            f"cannot read: not UTF-8 text (byte 0x{data[exc.start]:02x}); a {what} is UTF-8",
            line=line,
        ) from None
