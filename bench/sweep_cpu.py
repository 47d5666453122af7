"""Benchmark: many warm sweeps of the production checklist, with the CPU each one costs.

bench/sweep.py times one sweep of each kind: on a loaded 2-core machine one sample says
little. This one stages the demo in a child process (as `--separate` does), then runs
`--sweeps` sweeps on one event loop with one ClientCache (as the cockpit does) and prints,
for each, its wall time, this process's CPU and the staged production's CPU; then the
median and minimum of the warm ones (all but the first, which imports the SDKs). To compare
code, copy it into the other tree (it imports the tree it sits in) and run the two alternately:
the CPU figures move far less than wall time.

Run: uv run --extra demo python bench/sweep_cpu.py [--scenario degraded|healthy] [--sweeps 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sweep import HOST
from golive_tui.checklists import load_checklist
from golive_tui.engine import Engine
from golive_tui.probes.base import ClientCache
from golive_tui.probes.threads import DaemonExecutor
from golive_tui.profile import load_profile

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="degraded", choices=["degraded", "healthy"])
    parser.add_argument("--sweeps", type=int, default=8)
    args = parser.parse_args()
    items = [i for i in load_checklist().items() if i.probe]
    host = subprocess.Popen(
        [sys.executable, "-c", HOST, args.scenario],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert host.stdin is not None and host.stdout is not None
    try:
        info = json.loads(host.stdout.readline())
        os.environ.update(info["env"])
        profile = load_profile(Path(info["profile"]))
        cache = ClientCache()
        rows: list[tuple[float, float, float]] = []
        with asyncio.Runner() as runner:
            runner.get_loop().set_default_executor(DaemonExecutor(max_workers=1))
            for n in range(args.sweeps):
                wall, cpu, prod = time.perf_counter(), time.process_time(), cpu_of(host.pid)
                runner.run(Engine(profile, clients=cache).run(items))
                row = (
                    (time.perf_counter() - wall) * 1000,
                    (time.process_time() - cpu) * 1000,
                    (cpu_of(host.pid) - prod) * 1000,
                )
                rows.append(row)
                print(
                    f"sweep {n}: wall {row[0]:6.0f} ms  cpu {row[1]:6.0f} ms  "
                    f"production cpu {row[2]:6.0f} ms",
                    flush=True,
                )
            runner.run(cache.aclose())
    finally:
        host.stdin.close()
        host.wait(timeout=60)
    warm = rows[1:]
    for label, pick in (("median", statistics.median), ("min", min)):
        wall, cpu, prod = (pick(r[k] for r in warm) for k in range(3))
        print(f"{len(items)} items, warm {label}: wall {wall:.0f} cpu {cpu:.0f} prod {prod:.0f} ms")


if __name__ == "__main__":
    main()
