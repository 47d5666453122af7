"""Benchmark: the seed's verification commands by hand vs `golive run`, whole process and warm.

Against the demo's staged production, in one run, on one machine:

1. **by hand** — the seed's read-only verification commands (kubectl, aws, openssl, curl,
   jq), one after another, as a captain types them (the machine's share only: no typing);
2. **`golive run`** of the whole production checklist as a fresh process, median of N;
3. **a warm sweep** inside one process that already swept once (what `R` costs in the
   cockpit: clients, TLS sessions and SDK models already there), median of N;

with the ratios, the warm sweep's wall time against its slowest probe, and the peak RSS
of `golive run` (`/usr/bin/time -v`). Commands that are not installed or that the
sandbox cannot answer are listed and left out of the total.

A production is not on loopback: `--rtt-ms N` puts every endpoint of the demo behind a TCP
relay (golive_tui/sandbox/relay.py, its own process) that delays each direction by N/2 ms,
for both sides alike; `--eks-auth` writes the demo's kubeconfig as `aws eks update-kubeconfig`
does (users[].user.exec) with a stand-in `aws eks get-token` of realistic start-up
(`--plugin-s`, 0.5 s as measured here), which kubectl runs on every invocation and golive
once per process.

Run: uv run --extra demo python bench/seed_by_hand.py [--runs 5] [--rtt-ms 20 --eks-auth]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from network import behind_network  # noqa: E402  (bench/network.py)

from golive_tui.checklists import load_checklist  # noqa: E402
from golive_tui.engine import Engine  # noqa: E402
from golive_tui.probes.base import ClientCache  # noqa: E402
from golive_tui.profile import SEED_SERVICES, load_profile  # noqa: E402
from golive_tui.sandbox.demo_process import DemoProcess  # noqa: E402


def seed_commands(profile) -> list[tuple[str, list[str]]]:
    """The seed's read-only verification commands, aimed at the staged production."""
    ns, mon = profile.target.namespace, profile.target.monitoring_namespace
    kube = f"kubectl --kubeconfig {profile.kubernetes.kubeconfig}"
    aws = (
        f"aws --endpoint-url {profile.aws.endpoint_url} --region "
        f"{profile.aws.region} --profile {profile.aws.profile}"
    )
    cacert = f"--cacert {profile.http.ca_bundle}"
    host, _, port = (profile.http.tls_endpoints or [f"{profile.target.domains[0]}:443"])[
        0
    ].rpartition(":")
    cluster = profile.aws.db_cluster_id
    sh = [
        ("kubectl get nodes", f"{kube} get nodes"),
        ("kubectl get pods", f"{kube} get pods -n {ns}"),
        ("kubectl get svc", f"{kube} get svc -n {ns} -o wide"),
        (
            "openssl s_client | x509 -dates",
            f"openssl s_client -connect {host}:{port} "
            f"-servername {host} -CAfile {profile.http.ca_bundle}"
            " </dev/null 2>/dev/null | openssl x509 -noout -dates",
        ),
        ("kubectl get hpa", f"{kube} get hpa -n {ns}"),
        ("kubectl get pdb", f"{kube} get pdb -n {ns}"),
        (
            "aws rds describe-db-clusters",
            f"{aws} rds describe-db-clusters --db-cluster-identifier {cluster}",
        ),
        (
            "aws rds … BackupRetentionPeriod",
            f"{aws} rds describe-db-clusters --db-cluster-identifier "
            f"{cluster} --query 'DBClusters[0].BackupRetentionPeriod'",
        ),
        (
            "aws rds … StorageEncrypted",
            f"{aws} rds describe-db-clusters --db-cluster-identifier "
            f"{cluster} --query 'DBClusters[0].StorageEncrypted'",
        ),
        (
            "kubectl exec … prisma migrate status",
            f"{kube} exec deployment/deal-service -n {ns} -- npx prisma migrate status",
        ),
        ("kubectl get deployments", f"{kube} get deployments -n {ns}"),
    ]
    for service in SEED_SERVICES[:5]:
        sh.append(
            (
                f"health {service}",
                f"{kube} exec deployment/api-gateway -n {ns} "
                f"-- curl -s http://{service}:8080/health",
            )
        )
    sh += [
        (
            "kubectl get deployment -o json | jq env",
            f"{kube} get deployment -n {ns} -o json | jq "
            "'.items[].spec.template.spec.containers[].env | length'",
        ),
        (
            "curl prometheus targets | jq",
            f"curl -s {profile.prometheus.url}/api/v1/targets | jq '.data.activeTargets | length'",
        ),
        (
            "kubectl get configmap rules | grep -c",
            f"{kube} get configmap prometheus-rules -n {mon} -o yaml | grep -c 'alert:'",
        ),
        (
            "curl -I health | grep headers",
            f"curl -sI {cacert} {profile.http.api_url}/health | "
            "grep -E '(Strict|X-Content|X-Frame|Content-Security)'",
        ),
        (
            "kubectl get pods -o json | jq securityContext",
            f"{kube} get pods -n {ns} -o json | jq '.items[].spec.containers[].securityContext'",
        ),
        ("aws wafv2 list-web-acls", f"{aws} wafv2 list-web-acls --scope REGIONAL"),
        (
            "curl prometheus p95 query",
            "curl -sg "
            f"'{profile.prometheus.url}/api/v1/query?query="
            "histogram_quantile(0.95,sum(rate(http_request_duration_seconds_bucket[5m]))by(le))'",
        ),
    ]
    return [(label, ["bash", "-o", "pipefail", "-c", command]) for label, command in sh]


def by_hand(profile) -> tuple[float, list[str], list[str]]:
    """Seconds for the commands that ran (a non-zero exit is an answer too: a pending migration
    exits 1)."""
    total, ran, left_out = 0.0, [], []
    for label, argv in seed_commands(profile):
        tools = {word for word in re.findall(r"(?:^|\| )(\w[\w-]*)", argv[-1])} & {
            "kubectl",
            "aws",
            "openssl",
            "curl",
            "jq",
        }
        missing = sorted(tool for tool in tools if shutil.which(tool) is None)
        if missing:
            left_out.append(f"{label} ({', '.join(missing)} not installed)")
            continue
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, timeout=120, env=os.environ)
        took = time.perf_counter() - started
        total += took
        BY_TOOL[
            label.split()[0]
            if label.split()[0] in ("kubectl", "aws")
            else "health"
            if label.startswith("health")
            else "curl/openssl"
        ].append(took)
        ran.append(label if done.returncode == 0 else f"{label} (exit {done.returncode})")
    return total, ran, left_out


WHOLE_CPU: list[float] = []
BY_TOOL: dict[str, list[float]] = {"kubectl": [], "health": [], "aws": [], "curl/openssl": []}
"""Seconds of each by-hand command, by tool (`health` is kubectl exec … curl)."""
VERDICTS: list[dict[str, int]] = []
"""The verdict counts of each whole_process() call's last run, in order."""


def whole_process(
    env: DemoProcess, profile_path: Path, runs: int, source: str = ""
) -> tuple[float, float]:
    """Median wall time of `golive run` as a fresh process (of the golive_tui under `source`, if
    given), its peak RSS (MB)."""
    argv = [
        sys.executable,
        "-m",
        "golive_tui",
        "--profile",
        str(profile_path),
        "--state",
        str(env.state_path),
        "run",
        "--format",
        "json",
        *(["--no-save"] if source else []),
    ]
    if source:  # another version's code, with this environment's packages
        argv = ["env", f"PYTHONPATH={source}", *argv]
    times, rss, cpu = [], 0.0, []
    for _ in range(runs):
        started = time.perf_counter()
        # In the other tree: `-m` puts the working directory first on sys.path, ahead of
        # PYTHONPATH, so from here the baseline ran this tree's code.
        timed = subprocess.run(
            ["/usr/bin/time", "-v", *argv],
            capture_output=True,
            timeout=300,
            env=os.environ,
            cwd=source or None,
        )
        times.append(time.perf_counter() - started)
        found = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", timed.stderr)
        rss = max(rss, int(found.group(1)) / 1024 if found else 0)
        # CPU seconds (user + system): what a loaded machine stretches; the wall time minus it is
        # mostly waiting
        cpu.append(
            sum(
                float(x)
                for x in re.findall(rb"(?:User|System) time \(seconds\): ([\d.]+)", timed.stderr)
            )
        )
    WHOLE_CPU.append(statistics.median(cpu))
    try:  # the verdicts of the last run: the network must change the time, never the answers
        VERDICTS.append(json.loads(timed.stdout)["counts"])
    except (ValueError, KeyError):
        VERDICTS.append({"unreadable output": 1})
    return statistics.median(times), rss


def warm_sweeps(profile, items, runs: int) -> tuple[float, float, str]:
    """Median wall time of a sweep in a process that swept before, and that sweep's slowest probe.

    One event loop and one ClientCache for all of them, as the cockpit keeps (kept-alive
    connections belong to the loop that opened them).
    """
    clients = ClientCache()

    async def sweeps() -> list[tuple[float, object]]:
        await Engine(profile, clients=clients).run(
            items
        )  # the first sweep: imports, clients, TLS sessions
        timed = []
        for _ in range(runs):
            started = time.perf_counter()
            results = await Engine(profile, clients=clients).run(items)
            timed.append(
                (time.perf_counter() - started, max(results, key=lambda r: r.result.duration_ms))
            )
        await clients.aclose()
        return timed

    timed = sorted(asyncio.run(sweeps()), key=lambda pair: pair[0])
    wall, slowest = timed[len(timed) // 2]
    return wall, slowest.result.duration_ms / 1000, slowest.item.key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--rtt-ms",
        type=float,
        default=0.0,
        help="round trip to every endpoint (a relay delays each way by half)",
    )
    parser.add_argument(
        "--eks-auth",
        action="store_true",
        help="the kubeconfig in the EKS form, with an exec plugin",
    )
    parser.add_argument(
        "--baseline",
        default="",
        metavar="DIR",
        help="also time `golive run` of another version (a "
        "directory holding its golive_tui), same run",
    )
    parser.add_argument(
        "--plugin-s", type=float, default=0.5, help="start-up of the stand-in `aws eks get-token`"
    )
    args = parser.parse_args()
    # golive as installed: a wheel's modules are compiled at install time (scripts/_uv.sh's
    # compile_golive does it for the checkout); without bytecode each run compiles ~50 of them.
    for tree in filter(None, [str(Path(__file__).resolve().parent.parent), args.baseline]):
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(Path(tree) / "golive_tui")], check=True
        )
    items = [i for i in load_checklist().items() if i.probe]
    # The staged production in its own process, as a real one is on other machines: its servers do
    # not share golive's interpreter lock.
    load_before = os.getloadavg()[0]
    with (
        DemoProcess("degraded") as env,
        behind_network(env, args.rtt_ms, args.eks_auth, args.plugin_s) as profile_path,
    ):
        profile = load_profile(profile_path)
        # The captain's shell: the demo's AWS profile for the `aws` CLI, which reads only the
        # environment.
        os.environ.update(
            {
                "AWS_CONFIG_FILE": profile.aws.config_file,
                "AWS_SHARED_CREDENTIALS_FILE": profile.aws.credentials_file,
                "AWS_PROFILE": profile.aws.profile,
            }
        )
        warm_sweeps(
            profile, items, 1
        )  # moto loads each service backend on its first call: warm both sides
        hand, ran, left_out = by_hand(profile)
        whole, rss = whole_process(env, profile_path, args.runs)
        baseline = (
            whole_process(env, profile_path, args.runs, args.baseline)[0] if args.baseline else None
        )
        warm, slowest, slowest_key = warm_sweeps(profile, items, args.runs)
    network = f"{args.rtt_ms:g} ms round trip to every endpoint" if args.rtt_ms else "loopback"
    auth = f"EKS exec plugin ({args.plugin_s:g} s start-up)" if args.eks_auth else "static token"
    load = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} cores, load {load_before:.1f} -> {load:.1f} (1-min "
        f"average, before -> after); {len(items)} probed items of the production checklist;"
        f" demo 'degraded'; {network}; kubeconfig: {auth}"
    )
    print(f"by hand: {len(ran)} of the seed's commands one after another: {hand:.2f} s")
    print("  " + "; ".join(ran))
    print(
        "  by tool: "
        + ", ".join(f"{tool} {len(times)}x {sum(times):.2f} s" for tool, times in BY_TOOL.items())
    )
    for line in left_out:
        print(f"  left out: {line}")
    print(
        f"golive run, whole process (median of {args.runs}): "
        f"{whole:.2f} s — {hand / whole:.1f}x faster than by hand;"
        f" peak RSS {rss:.0f} MB; CPU {WHOLE_CPU[0]:.2f} s (user+sys, median); "
        f"verdicts {VERDICTS[0]}"
    )
    if baseline is not None:
        print(
            f"  baseline {args.baseline} (median of {args.runs}): "
            f"{baseline:.2f} s — {hand / baseline:.1f}x;"
            f" CPU {WHOLE_CPU[1]:.2f} s; verdicts {VERDICTS[1]}"
        )
    print(
        f"warm sweep in one process (median of {args.runs}): "
        f"{warm:.2f} s — {hand / warm:.1f}x faster than by hand;"
        f" slowest probe {slowest:.2f} s ({slowest_key}), wall/slowest {warm / slowest:.2f}"
    )


if __name__ == "__main__":
    main()
