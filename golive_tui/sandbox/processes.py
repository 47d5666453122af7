"""The sandbox's server processes (Prometheus, Alertmanager, the demo's child): they die with
golive."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
from collections.abc import Iterator
from typing import IO, Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def die_with_parent() -> None:
    """In the child: Linux sends it SIGTERM when its parent dies, even on SIGKILL or a dropped SSH
    session."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM
    except (OSError, AttributeError):  # not Linux: the normal stop() path still applies
        pass


def stop_process(process: subprocess.Popen[Any] | None, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after `timeout` seconds."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_server(argv: list[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start a server in its own session that dies with this thread (`die_with_parent`).

    Call it under `stop_signals_held()`, up to where its Popen is stored: a KeyboardInterrupt
    raised between the fork and that store leaves a server no stopper holds, writing into a
    directory being removed until this process ends.
    """
    return subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a terminal's Ctrl+C reaches only golive, which stops it
        preexec_fn=die_with_parent,
    )


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Run the block with SIGINT, SIGTERM and SIGHUP recorded rather than handled, then hand the
    first one recorded to its handler. Python handles signals in the main thread only, so
    elsewhere this holds nothing back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[signal.Signals] = []
    previous = {
        sig: signal.signal(sig, lambda signum, _: held.append(signal.Signals(signum)))
        for sig in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():  # None: set outside Python, unknown to it
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        if held:
            handler = previous[held[0]]
            if callable(handler):
                handler(held[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(held[0])
