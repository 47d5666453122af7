"""Benchmark: the cockpit's first frame against a minimal Textual app's, and its RSS after sweeps.

Startup: each measurement is a fresh process started on a pseudo-terminal of 80x24, the
way a captain's SSH session starts it (real driver, `textual run --dev` off, no hook in
the app): the clock runs from just before the fork to the moment the first frame's text
(`hello` for the minimal app, the item table's first title for golive) arrives on the
terminal. Both run alternately in the same run; the medians are compared.

RSS (`--rss`): the demo's staged production started in a process of its own, the cockpit
on a pseudo-terminal pointed at it (its profile and state), `R` pressed five times (each
time after the summary line of the previous sweep appears), then the cockpit process's
resident memory read from /proc (the staged production's is reported apart).

Run: uv run python bench/startup.py [--runs 7]
     uv run --extra demo python bench/startup.py --rss
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MINIMAL = """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
Minimal().run()
"""


class Terminal:
    """A process on a pseudo-terminal of a given size, its output read as it comes."""

    def __init__(
        self,
        argv: list[str],
        *,
        cols: int = 80,
        rows: int = 24,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.output = b""

    def wait_for(
        self, pattern: bytes | re.Pattern[bytes], timeout: float = 60.0, since: int = 0
    ) -> float:
        """Seconds from the start until `pattern` appears in the output (after offset `since`)."""
        deadline = time.monotonic() + timeout
        while True:
            found = (
                pattern.search(self.output, since)
                if isinstance(pattern, re.Pattern)
                else self.output.find(pattern, since) >= 0
            )
            if found:
                return time.perf_counter() - self.started
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                tail = self.output[-2000:].decode(errors="replace")
                raise SystemExit(f"{pattern!r} never appeared (exit {self.proc.poll()}):\n{tail}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    pass

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        os.close(self.master)


def clean_env(home: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "TEXTUAL"))}
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor"})
    if home is not None:
        env["HOME"] = str(home)
    return env


def first_frame(argv: list[str], marker: bytes, env: dict[str, str], cwd: Path) -> float:
    terminal = Terminal(argv, env=env, cwd=cwd)
    try:
        return terminal.wait_for(marker)
    finally:
        terminal.close()


def startup(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = clean_env(home)
        minimal = [sys.executable, "-c", MINIMAL]
        golive = [sys.executable, "-m", "golive_tui", "--state", str(home / "state.toml")]
        marker = b"EKS Cluster"  # the first item's title: the table is drawn
        (
            first_frame(minimal, b"hello", env, home),
            first_frame(golive, marker, env, home),
        )  # warm the file cache
        a, b = [], []
        for _ in range(runs):  # alternate, so a load spike hits both
            a.append(first_frame(minimal, b"hello", env, home))
            b.append(first_frame(golive, marker, env, home))
    m, g = statistics.median(a), statistics.median(b)
    print(
        f"minimal Textual app: {m * 1000:.0f} ms to first frame "
        f"(median of {runs}; {', '.join(f'{x * 1000:.0f}' for x in a)})"
    )
    print(
        f"golive cockpit, shipped checklist: {g * 1000:.0f} ms "
        f"({', '.join(f'{x * 1000:.0f}' for x in b)})"
    )
    print(f"ratio: {g / m:.2f}x (goal <= 1.3)")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


STAGED = """
import json, os, signal, sys
from golive_tui.sandbox.demo import DemoEnvironment, install_signal_handlers
install_signal_handlers()
before = dict(os.environ)
demo = DemoEnvironment("degraded").start()
env = {k: v for k, v in os.environ.items() if before.get(k) != v}
with open(sys.argv[1], "w") as out:
    json.dump({"profile": str(demo.profile_path), "state": str(demo.state_path), "env": env}, out)
try:
    signal.pause()
except KeyboardInterrupt:
    pass
finally:
    demo.stop()
"""


def sweeps_rss(sweeps: int) -> None:
    """The staged production in a process of its own, the cockpit in another: the cockpit's RSS
    alone."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        facts = home / "demo.json"
        staged = subprocess.Popen(
            [sys.executable, "-c", STAGED, str(facts)], start_new_session=True
        )
        try:
            deadline = time.monotonic() + 120
            while not facts.exists() or not facts.read_text().strip():
                if time.monotonic() > deadline or staged.poll() is not None:
                    raise SystemExit("the staged production did not start")
                time.sleep(0.2)
            demo = json.loads(facts.read_text())
            env = {**clean_env(home), **demo["env"]}
            terminal = Terminal(
                [
                    sys.executable,
                    "-m",
                    "golive_tui",
                    "--profile",
                    demo["profile"],
                    "--state",
                    demo["state"],
                ],
                env=env,
                cwd=home,
                cols=100,
                rows=30,
            )
            try:
                terminal.wait_for(b"approvals 0/6", timeout=60)
                time.sleep(5)  # the SDKs are imported in a worker after the first frame
                print(f"before any sweep (SDKs warm): {rss_kb(terminal.proc.pid) / 1024:.0f} MB")
                summary = re.compile(rb"probed in \d+(\.\d+)? s")
                for n in range(sweeps):
                    mark = len(terminal.output)
                    started = time.perf_counter()
                    terminal.send("R")
                    terminal.wait_for(summary, timeout=120, since=mark)
                    print(
                        f"sweep {n + 1}: summary after {time.perf_counter() - started:.1f} s, "
                        f"RSS {rss_kb(terminal.proc.pid) / 1024:.0f} MB"
                    )
                    time.sleep(0.5)
                cockpit = rss_kb(terminal.proc.pid)
                demo_rss = rss_kb(staged.pid) + sum(rss_kb(c) for c in children(staged.pid))
            finally:
                terminal.close()
        finally:
            os.killpg(staged.pid, signal.SIGTERM)
            staged.wait(timeout=30)
    print(
        f"cockpit RSS after {sweeps} sweeps of the demo: {cockpit / 1024:.0f} MB (goal <= 180); "
        f"the staged production's processes: {demo_rss / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--rss", action="store_true", help="RSS of the cockpit after five sweeps of the demo"
    )
    parser.add_argument("--sweeps", type=int, default=5)
    args = parser.parse_args()
    if args.rss:
        sweeps_rss(args.sweeps)
    else:
        startup(args.runs)


if __name__ == "__main__":
    main()
