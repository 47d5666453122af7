"""The app in a real terminal: tmux at 80x24, keys sent, the screen read with capture-pane and the
raw output with pipe-pane — against the mini checklist, and against the staged production `golive
demo`."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from golive_tui.state import open_store

MINI = Path(__file__).resolve().parents[1] / "data" / "mini.toml"
SOCKET = f"golive-test-{uuid.uuid4().hex[:6]}"
"""A tmux server of the tests' own: a developer's sessions and options are never touched."""

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux not installed (scripts/test installs it)"
)


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, timeout=10
    ).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, text: str | re.Pattern[str], timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(session)
        if text.search(shown) if isinstance(text, re.Pattern) else text in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared on screen:\n{shown}")


def wait_gone(session: str, text: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while text in screen(session) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert text not in screen(session), f"{text!r} is still on screen"


def start(command: str, session: str, *, env: dict[str, str] | None = None) -> None:
    prefix = ["env", *(f"{k}={v}" for k, v in (env or {}).items())] if env else []
    tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", session, *prefix, *command.split())


@pytest.fixture
def session_name():
    name = f"golive-{uuid.uuid4().hex[:8]}"
    yield name
    tmux("kill-session", "-t", name)
    tmux("kill-server")


def test_tui_in_tmux_80x24(tmp_path: Path, session_name: str) -> None:
    state = tmp_path / "state.toml"
    start(f"{sys.executable} -m golive_tui --checklist {MINI} --state {state}", session_name)
    wait_for(
        session_name, "Mini go-live"
    )  # the first frame: the preview, drawn before anything is validated
    shown = wait_for(session_name, "All sections 0/5")  # then the loaded cockpit
    # 80 columns: the tree hides behind `t`, a section bar takes its place.
    assert (
        "NO-GO" in shown
        and "All sections 0/5" in shown
        and "Cluster" in shown
        and "approvals 0/2" in shown
    )
    tmux("send-keys", "-t", session_name, "t")
    wait_for(session_name, "Infrastructure")
    tmux("send-keys", "-t", session_name, "t")
    wait_gone(session_name, "Infrastructure")
    tmux("send-keys", "-t", session_name, "j")
    wait_for(session_name, "go-live.infra.on-call")  # the detail follows the cursor
    tmux("send-keys", "-t", session_name, "d")
    shown = wait_for(session_name, "✓ done")
    assert "1/5" in shown
    assert open_store(state).read().item("go-live.infra.on-call").status == "done"
    tmux("send-keys", "-t", session_name, "?")
    wait_for(session_name, "command palette")
    tmux(
        "send-keys", "-t", session_name, "Escape"
    )  # alone: Esc then q at once reads as Alt+q in tmux
    wait_gone(session_name, "command palette")
    tmux("send-keys", "-t", session_name, "C-c")  # Ctrl+C quits, as the README says
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and session_name in tmux("list-sessions"):
        time.sleep(0.1)
    assert session_name not in tmux("list-sessions"), "the app did not quit on ctrl+c"


def test_shipped_checklist_without_colour_first_frame(tmp_path: Path, session_name: str) -> None:
    """NO_COLOR in a real terminal: words and glyphs carry every status; first frame measured."""
    started = time.monotonic()
    start(
        f"{sys.executable} -m golive_tui --state {tmp_path / 'state.toml'}",
        session_name,
        env={"NO_COLOR": "1"},
    )
    wait_for(session_name, "· pending", timeout=15)
    first_frame = time.monotonic() - started
    shown = wait_for(
        session_name, "All sections 0/129", timeout=15
    )  # the session loaded behind the first frame
    print(f"first frame in tmux (shipped checklist, 80x24): {first_frame * 1000:.0f} ms")
    assert "EKS Cluster" in shown and "approvals 0/6" in shown


OSC52 = re.compile(rb"\x1b\]52;c;([A-Za-z0-9+/=]+)(?:\x07|\x1b\\)")


@pytest.mark.slow
def test_a_captain_sweeps_the_demo_in_tmux(tmp_path: Path, session_name: str) -> None:
    """R gives a summary with the sweep's wall time and no dialog; ⚠ in the header is the error
    rows' count; Enter on the first failure shows its evidence; y sends the filled-in command out as
    OSC 52."""
    raw = tmp_path / "pane.raw"
    tmux("start-server")
    start(f"{sys.executable} -m golive_tui demo", session_name)
    tmux("set-option", "-g", "set-clipboard", "on")
    tmux("pipe-pane", "-o", "-t", session_name, f"cat >> {raw}")
    wait_for(session_name, "approvals 0/6", timeout=90)
    tmux("send-keys", "-t", session_name, "R")
    # R may come while the preview still shows: typed ahead, it sweeps once the cockpit is loaded.
    shown = wait_for(session_name, re.compile(r"\d+ probed in \d+\.\d s: "), timeout=120)
    assert "pages a human" not in shown and "Send the page" not in shown  # no dialog popped up
    summary = next(line for line in shown.splitlines() if "probed in" in line)
    assert "to confirm (p)" in summary  # the PagerDuty item is held for `p`
    header = shown.splitlines()[0]
    found = re.search(r"⚠(\d+)", header)
    errors = int(found.group(1)) if found else 0  # no ⚠ at all when nothing errored
    tmux("send-keys", "-t", session_name, "/")
    wait_for(session_name, "filter:")
    tmux("send-keys", "-t", session_name, "-l", "verdict:error")
    shown = wait_for(session_name, re.compile(r"filter verdict:error: \d+ items"))
    assert int(re.search(r"filter verdict:error: (\d+) items", shown).group(1)) == errors
    rows = [
        line for line in shown.splitlines() if re.search(r"⚠ error\s+\d+[smhd]\b", line)
    ]  # table rows end in an age
    assert len(rows) == min(errors, 11)  # the error rows are exactly those the header counts
    tmux("send-keys", "-t", session_name, "Escape")
    wait_gone(session_name, "filter verdict:error")
    tmux("send-keys", "-t", session_name, "f")
    time.sleep(0.3)
    tmux("send-keys", "-t", session_name, "Enter")
    shown = wait_for(session_name, "Evidence from the probe:")
    assert "✗ fail" in shown and "Runbook" in shown
    tmux("send-keys", "-t", session_name, "y")
    # "sent to the terminal's clipboard (OSC 52) through tmux: …", wrapped by the toast's width.
    wait_for(session_name, "(OSC 52) through tmux")
    deadline = time.monotonic() + 5
    while (
        not OSC52.search(raw.read_bytes() if raw.exists() else b"") and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    copied = base64.b64decode(OSC52.search(raw.read_bytes()).group(1)).decode()
    assert (
        copied.startswith("kubectl --kubeconfig ") and "/golive-demo-" in copied
    )  # filled in for the demo
    assert (
        "autolytiq-prod" not in copied or "-n autolytiq-prod" in copied
    )  # the demo keeps the seed namespace
    tmux("send-keys", "-t", session_name, "q")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and session_name in tmux("list-sessions"):
        time.sleep(0.2)
    assert session_name not in tmux("list-sessions"), "the demo did not end on q"
