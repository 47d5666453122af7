"""A terminal that goes away without a SIGHUP (nohup, setsid, a pty that is not the controlling
terminal): the cockpit notices and ends as a hang-up would, instead of spinning a core for
nobody."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from golive_tui.state import open_store
from golive_tui.tui.hangup import CHECK_EVERY, hung_up

MINI = Path(__file__).resolve().parents[1] / "data" / "mini.toml"


def test_a_pty_whose_other_end_closed_reads_as_hung_up() -> None:
    master, slave = os.openpty()
    try:
        assert not hung_up(slave)
        os.close(master)
        assert hung_up(slave)
    finally:
        os.close(slave)


def read_until(master: int, wanted: bytes, timeout: float = 20.0) -> bytes:
    output, deadline = b"", time.monotonic() + timeout
    while wanted not in output:
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} never appeared:\n{output[-2000:].decode(errors='replace')}"
        ready, _, _ = select.select([master], [], [], min(left, 0.1))
        if ready:
            output += os.read(master, 65536)
    return output


def test_the_cockpit_ends_when_its_terminal_vanishes_without_a_sighup(tmp_path: Path) -> None:
    state = tmp_path / "state.toml"
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    # A session of its own and no TIOCSCTTY: the pty is not its controlling terminal, so closing
    # the other end sends no SIGHUP (as under nohup or setsid).
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive_tui", "--checklist", str(MINI), "--state", str(state)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    try:
        read_until(master, b"0/5")
        os.write(master, b"jd")  # attest the second item, then lose the terminal at once
        read_until(master, b"1/5")
        os.close(master)
        assert (
            proc.wait(timeout=CHECK_EVERY + 8) == 0
        )  # before: alive (and spinning a core) for as long as we waited
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (
        open_store(state).read().item("go-live.infra.on-call").status == "done"
    )  # nothing lost on the way out
