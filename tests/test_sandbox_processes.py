"""The sandbox's servers are never lost to a stop signal that lands while they start."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

from golive_tui.sandbox.processes import (
    STOP_SIGNALS,
    start_server,
    stop_process,
    stop_signals_held,
)


def test_a_stop_signal_while_a_server_starts_is_raised_once_it_is_held(tmp_path) -> None:
    """The trap: SIGTERM raised as KeyboardInterrupt between the fork and the store of the Popen
    leaves a server no stopper knows, writing into the demo's folder while it is removed (a CI
    run kept `golive-demo-*` after a kill -9). Here the signal is sent inside that window."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    held: dict[str, object] = {}
    try:
        with pytest.raises(KeyboardInterrupt), open(tmp_path / "log", "wb") as log:
            with stop_signals_held():
                process = start_server([sys.executable, "-c", "import time; time.sleep(60)"], log)
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):  # bytecodes, where Python would handle the signal
                    pass
                held["process"] = process
        assert signal.getsignal(signal.SIGTERM) is interrupt
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_process(held.get("process"))  # type: ignore[arg-type]
    assert "process" in held


def test_nothing_held_back_when_no_signal_came() -> None:
    before = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}  # SIG_IGN under nohup
    with stop_signals_held():
        assert signal.getsignal(signal.SIGINT) is not before[signal.SIGINT]
    assert {sig: signal.getsignal(sig) for sig in STOP_SIGNALS} == before


def test_an_interrupt_while_the_estate_builds_waits_for_it_before_the_clean_up(
    tmp_path, monkeypatch
) -> None:
    """The trap (a CI run kept `golive-demo-*` after a kill -9): the interrupt landed in the
    demo's join on its AWS thread, and the clean-up removed the folder while that thread still
    built the estate into it; the thread wrote it again. start() now returns only once the
    thread has ended."""
    from golive_tui.sandbox.demo import DemoEnvironment

    ended = threading.Event()

    def slow_estate(self: DemoEnvironment, ca: object) -> dict[str, object]:
        time.sleep(1.5)
        (self.directory / "aws").mkdir(parents=True, exist_ok=True)
        ended.set()
        return {}

    monkeypatch.setattr(DemoEnvironment, "_start_aws", slow_estate)
    monkeypatch.setattr(DemoEnvironment, "_start_prometheus", lambda self: {})
    staged = DemoEnvironment("degraded", tmp_path / "demo")
    # Ctrl+C as the demo's child handles it (a test run in the background inherits SIG_IGN).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
        with pytest.raises(KeyboardInterrupt):
            staged.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert ended.is_set()
