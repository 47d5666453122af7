"""Kubernetes probes through the real `kubernetes` client against the HTTPS API sandbox."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import Verdict

REPO = Path(__file__).resolve().parent.parent
KINDS = ["k8s.cluster", "k8s.nodes", "k8s.load-balancer", "k8s.hpa", "k8s.pdb", "k8s.deployments", "k8s.env-vars",
         "k8s.secret-refs", "k8s.container-security", "k8s.alert-rules"]


def probe_item(kind: str, **params) -> Item:
    item = Item(id=kind.replace(".", "-"), title=kind, probe=[ProbeSpec(kind=kind, params=params)])
    object.__setattr__(item, "key", f"t.{item.id}")
    return item


def run(profile, *items):
    return {r.item.probe[0].kind: r.result for r in run_sync(profile, list(items))}


def test_every_kind_passes_on_the_healthy_cluster(k8s_healthy) -> None:
    profile = k8s_healthy.profile()
    profile.target.required_env = {"*": ["NODE_ENV", "DATABASE_URL"]}
    results = run(profile, *(probe_item(k) for k in KINDS))
    assert {k: r.verdict for k, r in results.items()} == {k: Verdict.PASS for k in KINDS}, {k: r.summary for k, r in results.items()}
    assert "3 Ready nodes in 3 zones" == results["k8s.nodes"].summary
    # PDBs named unlike their deployments still cover them by selector.
    assert "deployment/api-gateway: covered by pdb/pdb-core" in results["k8s.pdb"].evidence


def test_degraded_cluster_names_the_offenders(k8s_degraded) -> None:
    profile = k8s_degraded.profile()
    profile.target.required_env = {"*": ["NODE_ENV"]}
    results = run(profile, *(probe_item(k) for k in KINDS))
    assert results["k8s.cluster"].verdict is Verdict.PASS
    nodes = results["k8s.nodes"]
    assert nodes.verdict is Verdict.FAIL and "2 Ready nodes in 2 zones" in nodes.summary
    assert "ip-10-0-3-10 (eu-west-1c)" in nodes.summary  # the NotReady node was the only one in its zone
    deps = results["k8s.deployments"]
    assert "deployment/deal-service: 1/3 available" in deps.summary and "CrashLoopBackOff" in deps.summary
    assert "12 restarts" in deps.summary
    assert results["k8s.hpa"].summary == "no HPA for: inventory-service"
    assert results["k8s.pdb"].summary == "pdb/budget-0 blocks all disruption of customer-service"
    security = results["k8s.container-security"].evidence
    assert "deployment/customer-service/customer-service: runAsUser 0" in security
    assert "deployment/tax-engine/tax-engine: privileged" in security
    # runAsNonRoot only at pod level is fine: the inheriting containers are not named.
    assert "auth-service" not in security and "api-gateway" not in security
    assert "DB_PASSWORD is a literal value" in results["k8s.secret-refs"].summary
    assert "hunter2" not in json.dumps({k: r.summary + r.evidence for k, r in results.items()})
    assert results["k8s.load-balancer"].summary == "service/api-gateway has no load balancer address yet"
    assert results["k8s.env-vars"].summary == "deployment/auth-service lacks NODE_ENV"


def test_expired_token_is_a_clear_error(k8s_healthy, tmp_path) -> None:
    kubeconfig = k8s_healthy.server.write_kubeconfig(tmp_path / "stale", token="expired-token")
    profile = k8s_healthy.profile(kubeconfig=str(kubeconfig))
    result = run(profile, probe_item("k8s.nodes"))["k8s.nodes"]
    assert result.verdict is Verdict.ERROR and result.summary == "unauthorised (401): token expired or invalid"


def test_forbidden_is_a_clear_error(k8s_faulty) -> None:
    k8s_faulty.server.forbidden = True
    result = run(k8s_faulty.profile(), probe_item("k8s.hpa"))["k8s.hpa"]
    assert result.verdict is Verdict.ERROR and result.summary.startswith("forbidden (403): User \"golive\" cannot list")


def test_unreachable_api_server(k8s_faulty) -> None:
    profile = k8s_faulty.profile()
    k8s_faulty.server.stop()
    started = time.monotonic()
    result = run(profile, probe_item("k8s.cluster"))["k8s.cluster"]
    assert result.verdict is Verdict.ERROR and result.summary.startswith(f"cannot reach API server at {k8s_faulty.url}")
    assert time.monotonic() - started < 4


def test_hanging_api_server_times_out_within_the_timeout(k8s_faulty) -> None:
    k8s_faulty.server.hang = True
    profile = k8s_faulty.profile()
    profile.run.timeout = 1.5
    started = time.monotonic()
    result = run(profile, probe_item("k8s.nodes"))["k8s.nodes"]
    elapsed = time.monotonic() - started
    assert result.verdict is Verdict.ERROR and "timed out after 1.5s" in result.summary
    assert elapsed < 1.5 + 1.0


def test_missing_kubeconfig_says_where_it_looked(tmp_path) -> None:
    from golive_tui.profile import Profile

    result = run(Profile(), probe_item("k8s.cluster"))["k8s.cluster"]
    assert result.verdict is Verdict.ERROR and "no kubeconfig (looked in" in result.summary


def test_context_from_the_profile(k8s_healthy, tmp_path) -> None:
    config = json.loads(k8s_healthy.kubeconfig.read_text())
    config["contexts"].append({"name": "broken", "context": {"cluster": "sandbox", "user": "nobody"}})
    config["users"].append({"name": "nobody", "user": {"token": "wrong"}})
    config["current-context"] = "broken"
    path = tmp_path / "two-contexts"
    path.write_text(json.dumps(config))
    broken = run(k8s_healthy.profile(kubeconfig=str(path)), probe_item("k8s.cluster"))["k8s.cluster"]
    assert broken.verdict is Verdict.ERROR
    chosen = run(k8s_healthy.profile(kubeconfig=str(path), context="sandbox"), probe_item("k8s.cluster"))["k8s.cluster"]
    assert chosen.verdict is Verdict.PASS


def test_kubeconfig_env_var_is_honoured(k8s_healthy, monkeypatch) -> None:
    from golive_tui.profile import Profile

    monkeypatch.setenv("KUBECONFIG", str(k8s_healthy.kubeconfig))
    assert run(Profile(), probe_item("k8s.cluster"))["k8s.cluster"].verdict is Verdict.PASS


def test_golive_run_section_go_live_json(k8s_degraded, tmp_path) -> None:
    """`golive run --section go-live --format json`: k8s verdicts with offending names (other backends absent)."""
    profile = tmp_path / "profile.toml"
    profile.write_text(f'[kubernetes]\nkubeconfig = "{k8s_degraded.kubeconfig}"\n[run]\ntimeout = 3\n')
    result = subprocess.run([sys.executable, "-m", "golive_tui", "--profile", str(profile), "run", "--section", "go-live",
                             "--format", "json"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    assert items["go-live.infrastructure.node-groups"]["verdict"] == "fail"
    assert "ip-10-0-3-10" in items["go-live.infrastructure.node-groups"]["summary"]
    assert items["go-live.infrastructure.auto-scaling"]["summary"] == "no HPA for: inventory-service"
    assert items["go-live.application.all-services-deployed"]["verdict"] == "fail"
    for item in items.values():
        assert set(item) >= {"id", "title", "section", "owner", "verdict", "summary", "evidence", "value", "checked_at", "duration_ms"}
    assert "go-live.infrastructure.node-groups" in (tmp_path / "golive-state.toml").read_text()


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_real_kubectl_reads_the_sandbox(k8s_degraded) -> None:
    out = subprocess.run(["kubectl", "--kubeconfig", str(k8s_degraded.kubeconfig), "get", "deployments", "-n", "autolytiq-prod"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "deal-service" in out.stdout and "tax-engine" in out.stdout


def test_shipped_checklist_k8s_items_against_degraded(k8s_degraded) -> None:
    checklist = load_checklist()
    items = [i for i in checklist.items() if i.probe and all(s.kind.startswith("k8s.") for s in i.probe)]
    results = {r.item.key: r.result for r in run_sync(k8s_degraded.profile(), items)}
    assert results["security.infrastructure.container-security"].verdict is Verdict.FAIL
    assert results["go-live.infrastructure.pdb"].verdict is Verdict.FAIL
