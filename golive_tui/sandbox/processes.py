"""The sandbox's server processes (Prometheus, Alertmanager, the demo's child): they die with
golive."""

from __future__ import annotations

import subprocess
from typing import Any


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
