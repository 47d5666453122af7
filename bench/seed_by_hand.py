"""Benchmark: the seed's verification commands run by hand vs golive's concurrent sweep.

Against the same demo environment, in the same run: what a team does today (kubectl get
nodes/pods/svc/hpa/pdb/deployments, aws rds describe-db-clusters ×3, aws wafv2
list-web-acls, openssl s_client, curl -I and the health curls, the Prometheus query), one
after another, vs `golive run` of the whole production checklist. Commands that are not
installed are reported and left out of the total.

Run: uv run --extra demo python bench/seed_by_hand.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.profile import SEED_SERVICES, load_profile
from golive_tui.sandbox.demo import DemoEnvironment


def seed_commands(profile, kubeconfig: str) -> list[list[str]]:
    ns = profile.target.namespace
    kube = ["kubectl", "--kubeconfig", kubeconfig]
    aws = ["aws", "--endpoint-url", profile.aws.endpoint_url, "--region", profile.aws.region, "--profile", profile.aws.profile]
    host, _, port = profile.http.tls_endpoints[0].rpartition(":")
    commands = [
        [*kube, "get", "nodes"], [*kube, "get", "pods", "-n", ns], [*kube, "get", "svc", "-n", ns, "-o", "wide"],
        [*kube, "get", "hpa", "-n", ns], [*kube, "get", "pdb", "-n", ns], [*kube, "get", "deployments", "-n", ns],
        [*aws, "rds", "describe-db-clusters", "--db-cluster-identifier", profile.aws.db_cluster_id],
        [*aws, "rds", "describe-db-clusters", "--db-cluster-identifier", profile.aws.db_cluster_id, "--query", "DBClusters[0].BackupRetentionPeriod"],
        [*aws, "rds", "describe-db-clusters", "--db-cluster-identifier", profile.aws.db_cluster_id, "--query", "DBClusters[0].StorageEncrypted"],
        [*aws, "wafv2", "list-web-acls", "--scope", "REGIONAL"],
        ["sh", "-c", f"openssl s_client -connect {host}:{port} -servername {host} -CAfile {profile.http.ca_bundle} </dev/null 2>/dev/null | openssl x509 -noout -dates"],
        ["curl", "-sI", "--cacert", profile.http.ca_bundle, f"{profile.http.api_url}/health"],
    ]
    commands += [["curl", "-s", "--cacert", profile.http.ca_bundle, profile.http.health_urls[s]] for s in SEED_SERVICES[:5]]
    commands.append(["curl", "-sg", f"{profile.prometheus.url}/api/v1/query?query=histogram_quantile(0.95,sum(rate(http_request_duration_seconds_bucket[5m]))by(le))"])
    return commands


def main() -> None:
    items = [i for i in load_checklist().items() if i.probe]
    with DemoEnvironment("degraded") as env:
        profile = load_profile(env.profile_path)
        run_sync(profile, items)  # warm-up for both: moto loads each backend on first use
        by_hand, skipped = 0.0, []
        for argv in seed_commands(profile, profile.kubernetes.kubeconfig):
            if shutil.which(argv[0]) is None:
                skipped.append(argv[0])
                continue
            started = time.perf_counter()
            subprocess.run(argv, capture_output=True, timeout=120, env={**os.environ, **env.aws_env()})
            by_hand += time.perf_counter() - started
        started = time.perf_counter()
        run_sync(profile, items)
        sweep = time.perf_counter() - started
    print(f"seed commands one after another: {by_hand * 1000:.0f} ms" + (f" (not installed, left out: {sorted(set(skipped))})" if skipped else ""))
    print(f"golive sweep of {len(items)} probed items: {sweep * 1000:.0f} ms")
    print(f"golive is {by_hand / sweep:.1f}x faster, and checks {len(items)} items instead of {len(seed_commands(profile, 'x'))} commands' worth")


if __name__ == "__main__":
    main()
