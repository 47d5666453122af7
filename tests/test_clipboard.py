"""Inside tmux, `y` says whether the copy gets through: tmux's set-clipboard read from a real tmux
server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from golive_tui.clipboard import SENT, TURN_ON, copy_note

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def test_outside_tmux_it_says_where_it_went() -> None:
    assert copy_note({}) == "sent to the terminal's clipboard (OSC 52)"


def test_inside_tmux_it_reads_set_clipboard_and_says_how_to_turn_it_on(
    tmp_path: Path, monkeypatch
) -> None:
    socket = tmp_path / "tmux.sock"
    subprocess.run(
        ["tmux", "-f", "/dev/null", "-S", str(socket), "new-session", "-d", "-s", "t", "sleep 60"],
        check=True,
    )
    try:
        pid = subprocess.run(
            ["tmux", "-S", str(socket), "display", "-p", "#{pid}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        env = {"TMUX": f"{socket},{pid},0"}
        monkeypatch.setenv("TMUX", env["TMUX"])  # the tmux client finds its server through $TMUX
        subprocess.run(
            ["tmux", "-S", str(socket), "set", "-g", "set-clipboard", "external"], check=True
        )
        note = copy_note(env)
        assert (
            note.startswith(SENT) and "set-clipboard external" in note and note.endswith(TURN_ON)
        ), note
        subprocess.run(["tmux", "-S", str(socket), "set", "-g", "set-clipboard", "on"], check=True)
        assert copy_note(env) == f"{SENT} through tmux"
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], check=False)


def test_inside_tmux_without_a_server_it_still_says_what_to_do(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TMUX", f"{tmp_path / 'gone.sock'},1,0")
    note = copy_note({"TMUX": f"{tmp_path / 'gone.sock'},1,0"})
    assert note.startswith(SENT) and TURN_ON in note
