"""Benchmark: the full probe sweep of the production checklist against the demo environment.

Reports wall time of the concurrent sweep, the slowest single probe, the sum of all probe
times, and peak RSS. The demo (k8s, moto, HTTPS, PagerDuty look-alike, real Prometheus) is
started first and not timed; a first sweep warms moto's per-service backends (~1 s each).

Run: uv run --extra demo python bench/sweep.py [--scenario degraded|healthy]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.profile import load_profile
from golive_tui.sandbox.demo import DemoEnvironment


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="degraded", choices=["degraded", "healthy"])
    args = parser.parse_args()
    checklist = load_checklist()
    items = [i for i in checklist.items() if i.probe]
    with DemoEnvironment(args.scenario) as env:
        profile = load_profile(env.profile_path)
        run_sync(profile, items)  # warm-up: moto loads each service backend on first use
        started = time.perf_counter()
        results = run_sync(profile, items)
        wall = time.perf_counter() - started
    slowest = max(results, key=lambda r: r.result.duration_ms)
    total = sum(r.result.duration_ms for r in results)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(items)} probed items ({sum(len(i.probe) for i in items)} probes), scenario {args.scenario}")
    print(f"sweep wall time:   {wall * 1000:.0f} ms")
    print(f"slowest probe:     {slowest.result.duration_ms:.0f} ms ({slowest.item.key})")
    print(f"sum of probe times {total:.0f} ms  (concurrency gain {total / (wall * 1000):.1f}x)")
    print(f"wall / slowest:    {wall * 1000 / slowest.result.duration_ms:.2f}")
    print(f"peak RSS:          {rss_mb:.0f} MB (this process: golive + the in-process sandboxes)")


if __name__ == "__main__":
    main()
