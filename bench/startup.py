"""Benchmark: time to first frame of the golive TUI against a minimal Textual app, as a ratio.

Each measurement is a fresh process (imports included): the process start time is passed in,
and the app exits right after its first refresh. Headless mode, so no terminal is needed.

Run: uv run python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MINIMAL = """
import os, time
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        print(time.time() - float(os.environ["T0"]))
        self.exit()
Minimal().run(headless=True)
"""

GOLIVE = """
import os, sys, time, tomllib
sys.path.insert(0, {repo!r})
from golive_tui.model import Checklist
from golive_tui.checklists import load_checklist, DEFAULT_CHECKLIST
from golive_tui.profile import Profile
from golive_tui.state import StateStore, open_store
from golive_tui.tui.app import GoliveApp
try:
    checklist = load_checklist(DEFAULT_CHECKLIST)
except Exception:  # probe modules missing in a partial checkout: the schema is enough to draw
    checklist = Checklist.model_validate(tomllib.loads(DEFAULT_CHECKLIST.read_text()))
class Bench(GoliveApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(lambda: self.screen.call_after_refresh(self.done))
    def done(self):
        print(time.time() - float(os.environ["T0"]))
        self.exit()
app = Bench(checklist, Profile(), open_store({state!r}))
app.run(headless=True)
"""


def measure(code: str) -> float:
    env = {**os.environ, "T0": repr(time.time())}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        golive_code = GOLIVE.format(repo=str(REPO), state=str(Path(tmp) / "state.toml"))
        measure(MINIMAL), measure(golive_code)  # warm the OS file cache
        minimal = statistics.median(measure(MINIMAL) for _ in range(args.runs))
        golive = statistics.median(measure(golive_code) for _ in range(args.runs))
    print(f"minimal Textual app: {minimal * 1000:.0f} ms to first frame (median of {args.runs})")
    print(f"golive on the shipped checklist (129 items): {golive * 1000:.0f} ms")
    print(f"ratio: {golive / minimal:.2f}x")


if __name__ == "__main__":
    main()
