"""Benchmark: the Kubernetes probes as a captain feels them — first list and full sweep, cold
process and warm.

The sandbox API server runs in its own process (as a real API server would). Each
measurement that says "cold" is a fresh Python process (imports, kubeconfig, TLS
handshakes included), as one `golive run`; "warm" is a second sweep in that process with
the same ClientCache, as the cockpit's second `R`. Items: the shipped checklist's
Kubernetes-only items without `k8s.exec` (so an older tree, whose Migrations item ran a
local command, measures the same set); `k8s.exec` is timed on its own.

Run: python bench/k8s_sweep.py [rounds] [--latency MS] [--code DIR]
  --code DIR   measure the golive_tui package found in DIR (e.g. an export of an older commit)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHILD = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.probes.base import ClientCache
from golive_tui.profile import Profile

profile = Profile.model_validate(json.loads(sys.argv[2]))
mode = sys.argv[3]
SWEEP = ["go-live.infrastructure.node-groups", "go-live.infrastructure.load-balancer", \
"go-live.infrastructure.auto-scaling",
         "go-live.infrastructure.pdb", "go-live.application.all-services-deployed", \
"go-live.application.environment-variables",
         "go-live.application.secrets", "security.data.secrets-management", \
"security.infrastructure.container-security"]
every = load_checklist().item_map()
# Only the Kubernetes probes of each item: the same work whatever else a checklist version adds to \
a row.
sweep = [every[k].model_copy(update={"probe": [s for s in every[k].probe if \
s.kind.startswith("k8s.")]}) for k in SWEEP]
exec_items = [i for i in every.values() if any(s.kind == "k8s.exec" for s in i.probe)]
clients = ClientCache()
out = {}
if mode == "first":
    first = [i for i in sweep if i.key == "go-live.infrastructure.node-groups"]
    verdicts = [r.result.verdict.value for r in run_sync(profile, first, clients=clients)]
    out["first_list"] = time.perf_counter() - started
else:
    t = time.perf_counter()
    results = run_sync(profile, sweep, clients=clients)
    out["cold_sweep"] = time.perf_counter() - started
    out["cold_sweep_in_process"] = time.perf_counter() - t
    out["verdicts"] = {r.item.key: r.result.verdict.value for r in results}
    warm = []
    for _ in range(5):
        t = time.perf_counter()
        run_sync(profile, sweep, clients=clients)
        warm.append(time.perf_counter() - t)
    out["warm_sweep"] = min(warm)
    if exec_items:
        run_sync(profile, exec_items, clients=clients)
        t = time.perf_counter()
        out["exec_verdict"] = run_sync(profile, exec_items, clients=clients)[0].result.verdict.value
        out["warm_exec"] = time.perf_counter() - t
clients.close()
print(json.dumps(out))
"""


def serve(directory: str, latency: float, ready, stop) -> None:
    """The server process: serve the degraded cluster until told to stop."""
    from golive_tui.sandbox.k8s_objects import degraded_cluster
    from golive_tui.sandbox.k8s_sandbox import K8sSandbox

    sandbox = K8sSandbox.start(degraded_cluster(), directory=Path(directory))
    sandbox.server.latency = latency
    ready.set()
    stop.wait()
    sandbox.stop()


def child(code: str, profile: dict, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": code}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, code, json.dumps(profile), mode],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rounds", nargs="?", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.0, help="ms added to every API answer")
    parser.add_argument(
        "--code", default=str(REPO), help="directory holding the golive_tui package to measure"
    )
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="golive-bench-")
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(
        target=serve, args=(directory, args.latency / 1000, ready, stop), daemon=True
    )
    server.start()
    if not ready.wait(60):
        raise SystemExit("the sandbox API server did not start")
    profile = {
        "kubernetes": {"kubeconfig": f"{directory}/config"},
        "run": {"timeout": 10},
        "target": {"required_env": {"*": ["NODE_ENV", "DATABASE_URL"]}},
    }
    try:
        first = [child(args.code, profile, "first")["first_list"] for _ in range(args.rounds)]
        sweeps = [child(args.code, profile, "sweep") for _ in range(args.rounds)]
    finally:
        stop.set()
        server.join(10)
    where = f"{args.latency:g} ms added per request" if args.latency else "loopback"
    print(
        f"k8s probes against the degraded sandbox ({where}; code "
        f"{args.code}); median of {args.rounds} fresh processes"
    )
    verdicts = ", ".join(
        f"{key.rsplit('.', 1)[-1]}={verdict}" for key, verdict in sweeps[-1]["verdicts"].items()
    )
    print(f"verdicts: {verdicts}")
    print(
        f"first list (k8s.nodes), whole process:        {statistics.median(first) * 1000:7.0f} ms"
    )
    print(
        f"k8s sweep ({len(sweeps[-1]['verdicts'])} items), whole process:        "
        f"{statistics.median(s['cold_sweep'] for s in sweeps) * 1000:7.0f} ms"
    )
    print(
        "  of which the sweep itself (imports done):   "
        f"{statistics.median(s['cold_sweep_in_process'] for s in sweeps) * 1000:7.0f} ms"
    )
    print(
        "warm sweep, same process and clients (best of 5): "
        f"{statistics.median(s['warm_sweep'] for s in sweeps) * 1000:5.0f} ms"
    )
    if "warm_exec" in sweeps[-1]:
        print(
            "k8s.exec (Migrations), warm:                   "
            f"{statistics.median(s['warm_exec'] for s in sweeps) * 1000:7.0f} ms "
            f"({sweeps[-1]['exec_verdict']})"
        )


if __name__ == "__main__":
    main()
