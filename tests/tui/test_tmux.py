"""The app in a real terminal: tmux at 80x24, keys sent, screen read with capture-pane."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from golive_tui.state import open_store

MINI = Path(__file__).resolve().parents[1] / "data" / "mini.toml"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed (scripts/test installs it)")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10).stdout


def wait_for(session: str, text: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared on screen:\n{screen}")


def test_tui_in_tmux_80x24(tmp_path: Path) -> None:
    session = f"golive-{uuid.uuid4().hex[:8]}"
    state = tmp_path / "state.toml"
    command = f"{sys.executable} -m golive_tui --checklist {MINI} --state {state}"
    tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", session, command)
    try:
        screen = wait_for(session, "Mini go-live")
        # 80 columns: the tree hides behind `t`, a section bar takes its place.
        assert "NO-GO" in screen and "All sections 0/5" in screen and "Cluster" in screen
        tmux("send-keys", "-t", session, "t")
        wait_for(session, "Infrastructure")
        tmux("send-keys", "-t", session, "t")
        tmux("send-keys", "-t", session, "j", "d")
        screen = wait_for(session, "✓ done")
        assert "1/5" in screen
        assert open_store(state).read().item("go-live.infra.on-call").status == "done"
        tmux("send-keys", "-t", session, "?")
        wait_for(session, "command palette")
        tmux("send-keys", "-t", session, "Escape")  # alone: Esc then q at once reads as Alt+q in tmux
        deadline = time.monotonic() + 5
        while "command palette" in tmux("capture-pane", "-p", "-t", session) and time.monotonic() < deadline:
            time.sleep(0.1)
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and session in tmux("list-sessions"):
            time.sleep(0.1)
        assert session not in tmux("list-sessions"), "the app did not quit on q"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_shipped_checklist_without_colour_first_frame(tmp_path: Path) -> None:
    """NO_COLOR in a real terminal: words and glyphs carry every status; first frame measured."""
    session = f"golive-{uuid.uuid4().hex[:8]}"
    command = f"env NO_COLOR=1 {sys.executable} -m golive_tui --state {tmp_path / 'state.toml'}"
    started = time.monotonic()
    tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", session, command)
    try:
        screen = wait_for(session, "· pending", timeout=15)
        first_frame = time.monotonic() - started
        print(f"first frame in tmux (shipped checklist, 80x24): {first_frame * 1000:.0f} ms")
        assert "NO-GO" in screen and "EKS Cluster" in screen
        assert first_frame < 10
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
