"""Benchmark: every k8s probe against the degraded sandbox, one by one vs concurrently.

The sandbox API server runs in its own process (as a real API server would), so the
client side is measured without sharing its GIL with the server. One by one: each probe
function called in turn (the sum of single-probe times), sharing one warm ApiClient.
Concurrently: a ThreadPoolExecutor of 16, with the warm client and with a fresh one (TLS
handshakes included), then the engine (`run_sync`) over the checklist's Kubernetes-only items.

Run: python bench/k8s_sweep.py [rounds]   (once on loopback, once with 30 ms per request)
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui.model import Item  # noqa: E402
from golive_tui.probes import registry  # noqa: E402
from golive_tui.probes.base import ClientCache, ProbeContext, ProbeResult  # noqa: E402
from golive_tui.sandbox.k8s_objects import degraded_cluster  # noqa: E402
from golive_tui.sandbox.k8s_sandbox import K8sSandbox  # noqa: E402

ITEM = Item(id="bench", title="bench")


def run_one(profile, clients: ClientCache, kind: str) -> tuple[str, float, ProbeResult | str]:
    spec = registry()[kind]
    started = time.perf_counter()
    try:
        result: ProbeResult | str = spec.func(ProbeContext(profile, ITEM, clients, profile.run.timeout), spec.params())
    except Exception as exc:  # a bench reports, it does not stop
        result = f"{type(exc).__name__}: {exc}"
    return kind, time.perf_counter() - started, result


def serve(directory: str, latency: float, ready, stop) -> None:
    """The server process: serve the degraded cluster until told to stop."""
    sandbox = K8sSandbox.start(degraded_cluster(), directory=Path(directory))
    sandbox.server.latency = latency
    ready.set()
    stop.wait()
    sandbox.stop()


def main(rounds: int = 5) -> None:
    for latency in (0.0, 0.03):
        sweep(rounds, latency)
        print()


def sweep(rounds: int, latency: float) -> None:
    from golive_tui.profile import Profile

    kinds = sorted(k for k in registry() if k.startswith("k8s."))
    directory = tempfile.mkdtemp(prefix="golive-bench-")
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(directory, latency, ready, stop), daemon=True)
    server.start()
    if not ready.wait(30):
        raise SystemExit("the sandbox API server did not start")
    profile = Profile.model_validate({"kubernetes": {"kubeconfig": f"{directory}/config"},
                                      "target": {"required_env": {"*": ["NODE_ENV", "DATABASE_URL"]}}})
    warm = ClientCache()
    try:
        for kind in kinds:  # imports, model classes, the first connection
            run_one(profile, warm, kind)
        sequential, concurrent_warm, concurrent_fresh, engine = [], [], [], []
        for _ in range(rounds):
            sequential.append(sum(run_one(profile, warm, kind)[1] for kind in kinds))
            concurrent_warm.append(_pool_sweep(profile, warm, kinds)[0])
            fresh = ClientCache()
            elapsed, outcomes = _pool_sweep(profile, fresh, kinds)
            concurrent_fresh.append(elapsed)
            fresh.close()
            engine.append(_engine_sweep(profile))
    finally:
        warm.close()
        stop.set()
        server.join(10)
    verdicts = {kind: (result if isinstance(result, str) else result.verdict.value) for kind, _, result in outcomes}
    seq, conc = min(sequential), min(concurrent_warm)
    where = "loopback, no added latency" if not latency else f"{latency * 1000:.0f} ms added per request, like a remote API server"
    print(f"{len(kinds)} k8s probes against the degraded sandbox (server in its own process; {where}), best of {rounds} rounds")
    print("verdicts: " + ", ".join(f"{k.removeprefix('k8s.')}={v}" for k, v in verdicts.items()))
    print(f"one by one (sum of single-probe times, warm client):    {seq * 1000:7.1f} ms")
    print(f"concurrent, ThreadPoolExecutor 16, warm client:          {conc * 1000:7.1f} ms")
    print(f"concurrent, ThreadPoolExecutor 16, fresh client + TLS:   {min(concurrent_fresh) * 1000:7.1f} ms")
    print(f"engine run_sync (checklist's k8s items, fresh client):   {min(engine) * 1000:7.1f} ms")
    print(f"ratio one-by-one / concurrent (warm): {seq / conc:.2f}x")


def _pool_sweep(profile, clients: ClientCache, kinds: list[str]) -> tuple[float, list]:
    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(lambda kind: run_one(profile, clients, kind), kinds))
    return time.perf_counter() - started, outcomes


def _engine_sweep(profile) -> float:
    from golive_tui.checklists import load_checklist
    from golive_tui.engine import run_sync

    items = [i for i in load_checklist().items() if i.probe and all(s.kind.startswith("k8s.") for s in i.probe)]
    started = time.perf_counter()
    run_sync(profile, items)
    return time.perf_counter() - started


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
