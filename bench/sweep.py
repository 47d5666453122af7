"""Benchmark: the full probe sweep of the production checklist against the demo environment.

Sweeps in one process: cold (imports, moto loading each service backend, TLS
handshakes), again with fresh clients, and warm (one long-lived ClientCache and one event
loop, as the cockpit keeps). For each: wall time, the slowest probe, wall / slowest (goal ≤ 1.5),
the sum of probe times; then the slowest probes of the warm sweep and peak RSS. The demo (k8s, moto,
HTTPS, PagerDuty look-alike, real Prometheus) is started first and not timed: in this
process, or with --separate in a child process, as a real production runs on other
machines (its servers then do not compete with the probes for this interpreter's lock).

Run: uv run --extra demo python bench/sweep.py [--scenario degraded|healthy] [--separate]
     [--warm N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui.checklists import load_checklist
from golive_tui.engine import Engine, run_sync
from golive_tui.probes.base import ClientCache
from golive_tui.probes.threads import DaemonExecutor
from golive_tui.profile import load_profile
from golive_tui.sandbox.demo import DemoEnvironment


def sweep(label: str, profile, items, clients=None, runner=None) -> list:
    started = time.perf_counter()
    if runner is None:
        results = run_sync(profile, items, clients=clients)
    else:  # one event loop for every sweep, as in the cockpit: pooled connections stay open
        results = runner.run(Engine(profile, clients=clients).run(items))
    wall = (time.perf_counter() - started) * 1000
    slowest = max(results, key=lambda r: r.result.duration_ms)
    total = sum(r.result.duration_ms for r in results)
    print(
        f"{label:22} wall {wall:6.0f} ms   slowest "
        f"{slowest.result.duration_ms:6.0f} ms ({slowest.item.key})   "
        f"wall/slowest {wall / slowest.result.duration_ms:4.2f}   "
        f"sum {total:6.0f} ms ({total / wall:.1f}x)"
    )
    return results


ORDINAL = {2: "second", 3: "third"}

HOST = """
import json, os, sys
from golive_tui.sandbox.demo import DemoEnvironment

demo = DemoEnvironment(sys.argv[1]).start()
keys = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY")
print(json.dumps({"profile": str(demo.profile_path), "env": {k: os.environ[k] for k in keys if k \
in os.environ}}), flush=True)
sys.stdin.read()
demo.stop()
"""


@contextmanager
def staged(scenario: str, separate: bool):
    """The demo's staged production; yields the path of its profile."""
    if not separate:
        with DemoEnvironment(scenario) as env:
            yield env.profile_path
        return
    host = subprocess.Popen(
        [sys.executable, "-c", HOST, scenario],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        info = json.loads(host.stdout.readline())
        os.environ.update(info["env"])
        yield Path(info["profile"])
    finally:
        host.stdin.close()
        host.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="degraded", choices=["degraded", "healthy"])
    parser.add_argument(
        "--separate", action="store_true", help="run the staged production in a child process"
    )
    parser.add_argument(
        "--warm",
        type=int,
        default=2,
        help="warm sweeps; beyond 2, the median wall of all but the first is printed too (one "
        "warm sweep on a 2-core VM varies by ±25 %%: compare medians)",
    )
    args = parser.parse_args()
    checklist = load_checklist()
    items = [i for i in checklist.items() if i.probe]
    where = "a child process" if args.separate else "this process"
    print(
        f"{len(items)} probed items ({sum(len(i.probe) for i in items)} "
        f"probes), scenario {args.scenario}, "
        f"staged production in {where}"
    )
    with staged(args.scenario, args.separate) as profile_path:
        profile = load_profile(profile_path)
        sweep("cold (first) sweep", profile, items)
        sweep("fresh clients", profile, items)
        cache = ClientCache()
        with asyncio.Runner() as runner:
            runner.get_loop().set_default_executor(DaemonExecutor(max_workers=1))
            try:
                sweep("warm: first", profile, items, cache, runner)
                walls = []
                for n in range(2, max(args.warm, 2) + 1):
                    started = time.perf_counter()
                    results = sweep(f"warm: {ORDINAL.get(n, n)}", profile, items, cache, runner)
                    walls.append((time.perf_counter() - started) * 1000)
            finally:
                runner.run(cache.aclose())
    if len(walls) > 1:
        print(f"warm: median of {len(walls)}  wall {statistics.median(walls):6.0f} ms")
    print("slowest probes of the warm sweep:")
    for r in sorted(results, key=lambda r: -r.result.duration_ms)[:5]:
        print(
            f"  {r.result.duration_ms:6.0f} ms  {r.item.key} "
            f"({', '.join(s.kind for s in r.item.probe)})"
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS: {rss_mb:.0f} MB (this process"
        + ("" if args.separate else " with the staged production")
        + ")"
    )


if __name__ == "__main__":
    main()
