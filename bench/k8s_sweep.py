"""Benchmark: all Kubernetes probes against the degraded sandbox, one by one vs the concurrent engine.

Run: uv run --extra demo python bench/k8s_sweep.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.profile import Profile
from golive_tui.sandbox.k8s_api import K8sApiServer
from golive_tui.sandbox.k8s_objects import degraded_cluster
from golive_tui.sandbox.tls import SandboxCA


def main() -> None:
    server = K8sApiServer(degraded_cluster(), SandboxCA.in_tempdir()).start()
    kubeconfig = server.write_kubeconfig(Path(tempfile.mkdtemp()) / "config")
    profile = Profile.model_validate({"kubernetes": {"kubeconfig": str(kubeconfig)}})
    items = [i for i in load_checklist().items() if i.probe and all(s.kind.startswith("k8s.") for s in i.probe)]
    try:
        run_sync(profile, items[:1])  # warm imports
        sequential = 0.0
        for item in items:
            started = time.perf_counter()
            run_sync(profile, [item])
            sequential += time.perf_counter() - started
        started = time.perf_counter()
        results = run_sync(profile, items)
        concurrent = time.perf_counter() - started
    finally:
        server.stop()
    slowest = max(r.result.duration_ms for r in results)
    print(f"{len(items)} Kubernetes probes against the degraded sandbox")
    print(f"one by one (sum of single runs): {sequential * 1000:.0f} ms")
    print(f"concurrent sweep (engine, 16 workers): {concurrent * 1000:.0f} ms  (slowest probe {slowest:.0f} ms)")
    print(f"speed-up: {sequential / concurrent:.1f}x")


if __name__ == "__main__":
    main()
