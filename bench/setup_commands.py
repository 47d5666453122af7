"""Benchmark: `golive doctor` and `golive init --dry-run` as fresh processes against the demo's
staged production.

The staged production runs in its own process (as `golive demo` runs it) and is not timed.
Each command runs 5 times from a bare shell (a kubeconfig and an AWS profile in the
environment, nothing else); the median wall time is printed with doctor's own verdicts.

Run: uv run --extra demo python bench/setup_commands.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui.sandbox.demo import DEMO_AWS_PROFILE
from golive_tui.sandbox.demo_process import DemoProcess


def timed(
    argv: list[str], env: dict[str, str], cwd: str, runs: int = 5
) -> tuple[float, subprocess.CompletedProcess]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
        times.append(time.perf_counter() - started)
    assert result is not None
    return statistics.median(times), result


def main() -> None:
    golive = [sys.executable, "-m", "golive_tui"]
    with DemoProcess("degraded") as demo, tempfile.TemporaryDirectory() as cwd:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": cwd,
            "KUBECONFIG": str(demo.directory / "kubeconfig"),
            "AWS_PROFILE": DEMO_AWS_PROFILE,
            "AWS_CONFIG_FILE": str(demo.directory / "aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(demo.directory / "aws" / "credentials"),
            **{
                k: v
                for k, v in os.environ.items()
                if k in ("PYTHONDONTWRITEBYTECODE", "PYTHON_KEYRING_BACKEND")
            },
        }
        subprocess.run(
            [*golive, "--profile", str(demo.profile_path), "doctor"],
            capture_output=True,
            env=env,
            cwd=cwd,
        )  # moto warm-up
        doctor, result = timed([*golive, "--profile", str(demo.profile_path), "doctor"], env, cwd)
        print(
            f"golive doctor (whole process, median of 5): {doctor:.2f} s; "
            f"its last line: {result.stdout.splitlines()[-1]}"
        )
        init, result = timed([*golive, "init", "--yes", "--dry-run"], env, cwd)
        print(
            f"golive init --dry-run (whole process, median of 5): {init:.2f} s; "
            f"{result.stderr.splitlines()[-1]}"
        )


if __name__ == "__main__":
    main()
