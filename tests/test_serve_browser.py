"""The browser view, proven in a real browser: `golive serve` on the demo's record, headless
Chromium.

Real parts: the demo's staged production (its profile and state), `golive serve` in its own
process, Debian's `chromium` driven by Playwright (from PyPI, with the system browser: no
download). The page's terminal is xterm.js drawing on a canvas; the test reads its *text* from
xterm's own buffer (the Terminal the page builds, caught by an init script as it is assigned),
never pixels. It passes the token, waits for the session's first frame (not textual-serve's
splash), checks the header and rows, that keys change nothing in a read-only session, and that
a change made from a terminal (`golive mark` on the same state) reaches the browser within 2 s.
A screenshot of it goes to screenshots/browser-view.png (with GOLIVE_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.sandbox.tls import free_port
from golive_tui.state import open_store

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = REPO / "screenshots" / "browser-view.png"

# xterm.js keeps its Terminal in a local of textual.js; the page assigns it as `this.terminal = …`.
# A setter on Object.prototype (for that one name) keeps a reference, then steps aside.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, \
enumerable: true});
    (window.__terminals = window.__terminals || []).push(value);
  },
  get() { return undefined; },
});
"""
SCREEN_TEXT = """
() => {
  const t = (window.__terminals || [])[0];
  if (!t) return '';
  const buffer = t.buffer.active, lines = [];
  for (let y = 0; y < t.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : '');
  }
  return lines.join('\\n');
}
"""
HEADER = re.compile(r"(NO-GO|GO)\s.*?(\d+)/(\d+)")


def golive(profile: Path, state: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--profile",
            str(profile),
            "--state",
            str(state),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


class Serving:
    def __init__(self, profile: Path, state: Path) -> None:
        self.port = free_port()
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "golive_tui",
                "--profile",
                str(profile),
                "--state",
                str(state),
                "serve",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(
            target=lambda: self.output.extend(self.proc.stdout),  # type: ignore[arg-type]
            daemon=True,
        ).start()

    def token(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"\?token=([A-Za-z0-9_\-]+)", "".join(self.output))
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        pytest.fail(f"golive serve did not start: {''.join(self.output)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def screen(page) -> str:
    return page.evaluate(SCREEN_TEXT)


def wait_screen(page, predicate, timeout: float, what: str) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen(page)
        if predicate(text):
            return text
        time.sleep(0.05)
    pytest.fail(f"the browser never showed {what} within {timeout:g}s; it shows:\n{text}")


def finished(text: str) -> int:
    found = HEADER.search(text.splitlines()[0] if text else "")
    return int(found.group(2)) if found else -1


def test_the_browser_view_of_the_demo(staged_demo, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed (apt-get install -y chromium; scripts/test does it)")
    # The demo's production and a copy of its record (the staged demo is shared with other tests).
    profile, state = staged_demo.profile_path, tmp_path / "golive-state.toml"
    if staged_demo.state_path.exists():
        shutil.copyfile(staged_demo.state_path, state)
    assert golive(profile, state, "run", "--format", "json").returncode in (
        0,
        1,
        3,
    )  # a swept record, as in the demo
    checklist = load_checklist()
    manual = next(
        i
        for i in checklist.items()
        if not i.probe and open_store(state).read().item(i.key).status == "pending"
    )
    served = Serving(profile, state)
    try:
        token = served.token()
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=binary, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.add_init_script(CATCH_TERMINAL)
            page.goto(f"http://127.0.0.1:{served.port}/?token={token}")
            # The session's first frame, not textual-serve's splash: the header and the table's
            # rows.
            text = wait_screen(
                page, lambda t: HEADER.search(t) and "EKS Cluster" in t, 90, "the cockpit"
            )
            first = text.splitlines()[0]
            assert "READ-ONLY" in first, first
            assert "Node Groups" in text and "Infrastructure" in text
            assert page.url == f"http://127.0.0.1:{served.port}/"  # the token left the address bar
            before = state.read_bytes()

            # Keys in a read-only session change nothing (d attests, x fails, R sweeps).
            page.locator(".xterm-screen").click()
            for key in ("j", "d", "x", "R"):
                page.keyboard.press(key)
            wait_screen(
                page,
                lambda t: "read-only" in t.replace("READ-ONLY", "").lower(),
                10,
                "the read-only notice",
            )
            time.sleep(1.5)  # a write would have landed by now (the cockpit saves in ≤ 1 s)
            assert state.read_bytes() == before

            # A change from a terminal reaches the browser within 2 s.
            count = finished(screen(page))
            assert count >= 0
            marked = golive(
                profile, state, "mark", manual.key, "done", "--note", "from the terminal"
            )
            assert marked.returncode == 0, marked.stderr
            changed = time.monotonic()
            wait_screen(
                page,
                lambda t: finished(t) == count + 1,
                2.0,
                f"{manual.title} done (header {count + 1})",
            )
            print(f"terminal change seen in the browser after {time.monotonic() - changed:.2f} s")
            # The README's image is refreshed on request only (a test run leaves the tree clean).
            shot = (
                SCREENSHOT
                if os.environ.get("GOLIVE_UPDATE_SCREENSHOTS")
                else tmp_path / SCREENSHOT.name
            )
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            browser.close()
    finally:
        served.stop()
