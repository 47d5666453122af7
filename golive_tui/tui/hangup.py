"""Noticing a terminal that hung up when no SIGHUP says so.

When an SSH session drops, the kernel sends SIGHUP to the terminal's session and the cockpit
ends. But a cockpit started under `nohup`, or on a pty that is not its controlling terminal
(`setsid`, some multiplexers and CI harnesses), gets no signal: its terminal just reads EOF
for ever. Textual takes EOF for a piped stdin and keeps selecting it, which spins a core, and
a watch mode would go on sweeping for nobody. So the cockpit asks the terminal every few
seconds whether it is still there.

Its writes must not stop it from asking: Textual's writer thread dies on the first EIO, its
queue of 30 writes fills, and the next write blocks the event loop (and every timer) for good.
`HangUpSafeDriver` drops writes to a terminal that is gone instead.
"""

from __future__ import annotations

import errno
import os
import sys
import termios
from collections.abc import Awaitable, Callable
from typing import IO, TYPE_CHECKING, Any

from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App

CHECK_EVERY = 2.0
"""Seconds between checks: one tcgetattr call, nothing written to the terminal."""


def terminal_fd() -> int | None:
    """The file descriptor Textual reads keys from, if it is a terminal (not a pipe, not
    headless)."""
    stream = sys.__stdin__
    try:
        fd = stream.fileno() if stream is not None else -1
        return fd if fd >= 0 and os.isatty(fd) else None
    except (OSError, ValueError):
        return None


def hung_up(fd: int) -> bool:
    """True once the terminal on `fd` is gone: its attributes can no longer be read (EIO, ENXIO)."""
    try:
        termios.tcgetattr(fd)
    except termios.error as exc:
        return bool(exc.args) and exc.args[0] in (errno.EIO, errno.ENXIO, errno.EBADF)
    return False


class _DropsWritesOnceGone:
    """The terminal stream Textual's writer thread writes to; after an OSError, writes go
    nowhere."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream, self.gone = stream, False

    def write(self, text: str) -> None:
        if not self.gone:
            try:
                self.stream.write(text)
            except OSError:
                self.gone = True

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except OSError:
                self.gone = True

    def fileno(self) -> int:
        return self.stream.fileno()


class HangUpSafeDriver(LinuxDriver):
    """Textual's terminal driver, with output that survives the terminal going away."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Textual types _file as its own TextIOWrapper; ours wraps it and answers the same calls.
        self._file = _DropsWritesOnceGone(self._file)  # type: ignore[assignment, arg-type]


def hang_up_safe(driver: type) -> type:
    """Textual's terminal driver made safe for a terminal that hangs up; any other (the browser's)
    as is."""
    return HangUpSafeDriver if driver is LinuxDriver else driver


def watch_terminal(app: App[Any], leave: Callable[[], Awaitable[None]]) -> None:
    """Check `app`'s terminal every CHECK_EVERY seconds; once it has hung up, stop checking and
    `leave`.

    Nothing to watch when the app is headless (tests) or reads no terminal (the browser view).
    """
    fd = None if app.is_headless else terminal_fd()
    if fd is None:
        return

    gone = False

    def check() -> None:
        nonlocal gone
        if not gone and hung_up(fd):
            gone = True
            # On the app's queue, as a key's action would run: stopping this timer from inside
            # itself would cancel its task, and with it a `leave` still saving the last results.
            app.call_later(leave)  # a running sweep is cancelled; what already arrived is saved

    app.set_interval(CHECK_EVERY, check)
