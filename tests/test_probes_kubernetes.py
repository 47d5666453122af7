"""Kubernetes probes through the real `kubernetes` client against the HTTPS API sandbox."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from golive_tui.model import Item
from golive_tui.probes import registry
from golive_tui.probes.base import ClientCache, ProbeContext, ProbeError, ProbeResult, Verdict
from golive_tui.sandbox import k8s_build as b
from golive_tui.sandbox import k8s_build_serving as serving
from golive_tui.sandbox import k8s_build_workloads as workloads
from golive_tui.sandbox.k8s_objects import (
    LITERAL_PASSWORD,
    LONE_NODE,
    MIGRATE_STATUS,
    healthy_cluster,
)
from golive_tui.sandbox.k8s_sandbox import K8sSandbox

KINDS = [
    "k8s.cluster",
    "k8s.nodes",
    "k8s.load-balancer",
    "k8s.hpa",
    "k8s.pdb",
    "k8s.deployments",
    "k8s.env-vars",
    "k8s.secret-refs",
    "k8s.container-security",
    "k8s.alert-rules",
    "k8s.exec",
]
ITEM = Item(id="k8s-probe", title="a Kubernetes probe")
PARAMS = {
    "k8s.exec": {
        "deployment": "deal-service",
        "argv": list(MIGRATE_STATUS),
        "pattern": "Database schema is up to date",
    }
}
"""Parameters a kind needs (the others run on their defaults)."""


def probe(
    profile,
    kind: str,
    *,
    clients: ClientCache | None = None,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    **params,
) -> ProbeResult:
    """Call the registered probe function with a real ProbeContext (as the engine does)."""
    spec = registry()[kind]
    ctx = ProbeContext(profile, ITEM, clients or ClientCache(), timeout or profile.run.timeout)
    if cancel is not None:
        ctx.cancel = cancel
    if spec.prepare is not None:  # as the engine: client set-up before the probe's deadline
        spec.prepare(ctx)
    return spec.func(ctx, spec.params(**params))


def probe_error(profile, kind: str, **kwargs) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(ProbeError) as caught:
        probe(profile, kind, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message, time.monotonic() - started


def test_every_kind_is_registered_as_blocking() -> None:
    kinds = {k: v for k, v in registry().items() if k.startswith("k8s.")}
    assert sorted(kinds) == sorted(
        [*KINDS, "k8s.rollback-history"]
    )  # the latter: tests/test_probes_rollback.py
    assert all(v.blocking for v in kinds.values())


@pytest.mark.parametrize("kind", KINDS)
def test_healthy_cluster_passes(k8s_healthy: K8sSandbox, kind: str) -> None:
    result = probe(k8s_healthy.profile(), kind, **PARAMS.get(kind, {}))
    assert result.verdict is Verdict.PASS, (result.summary, result.evidence)
    assert result.evidence


# --- the degraded cluster: every trap, with the offenders named -----------------------------------


def test_nodes_count_only_ready_nodes_and_their_zones(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.nodes")
    # Three Ready nodes meet min_ready, but the NotReady node was its zone's only one.
    assert result.verdict is Verdict.FAIL
    assert result.summary.startswith("3 Ready nodes in 2 zones (need 3 in 3)")
    assert f"NotReady: {LONE_NODE} (eu-west-1c)" in result.summary
    assert (
        "eu-west-1a: ip-10-0-1-23.eu-west-1.compute.internal, "
        "ip-10-0-1-87.eu-west-1.compute.internal" in result.evidence
    )
    assert "eu-west-1c:" not in result.evidence
    assert probe(k8s_degraded.profile(), "k8s.nodes", min_zones=2).verdict is Verdict.PASS


def test_deployments_short_of_replicas_and_crash_looping(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.deployments")
    assert result.verdict is Verdict.FAIL
    assert result.summary.startswith("deployment/deal-service: 1/3 available (pod deal-service-")
    assert "deal-service CrashLoopBackOff, 12 restarts" in result.summary
    assert "not Ready (ContainerCreating)" in result.summary
    assert "deployment/api-gateway: 3/3 available, 3/3 pods Ready" in result.evidence
    assert result.summary.count("deployment/") == 1
    # 12 restarts is within a limit of 20, but the pods are still not Ready.
    relaxed = probe(k8s_degraded.profile(), "k8s.deployments", max_restarts=20)
    assert "restarts" not in relaxed.summary and relaxed.verdict is Verdict.FAIL


def test_hpa_names_the_deployment_without_one(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.hpa")
    assert (result.verdict, result.summary) == (Verdict.FAIL, "no HPA for: inventory-service")
    assert "hpa/tax-engine-hpa -> Deployment/tax-engine (min 3, max 12)" in result.evidence


def test_pdb_coverage_by_selector_and_the_blocking_budget(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.pdb")
    assert result.verdict is Verdict.FAIL
    assert result.summary == "pdb/pdb-batch blocks all disruption of tax-engine (maxUnavailable 0)"
    # Names unlike the deployments: matchLabels, matchLabels AND matchExpressions, matchExpressions
    # alone.
    assert "deployment/api-gateway: covered by pdb/pdb-core (maxUnavailable 1)" in result.evidence
    assert (
        "deployment/auth-service: covered by pdb/pdb-identity (minAvailable 2)" in result.evidence
    )
    assert "deployment/inventory-service: covered by pdb/pdb-backend" in result.evidence
    # pdb-legacy's matchLabels would match the backend, its matchExpressions nothing: AND selects no
    # pod.
    assert "pdb-legacy" not in result.summary
    assert (
        "pdb/pdb-legacy (tier=backend, app In (legacy-billing)) selects no deployment's pods"
        in result.evidence
    )


def test_container_security_follows_polaris(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.container-security")
    assert result.verdict is Verdict.FAIL
    assert (
        result.summary == "3 of 8 containers unsafe: customer-service/customer-service, "
        "deal-service/migrate (init), tax-engine/log-shipper"
    )
    lines = result.evidence.splitlines()
    assert (
        "deployment/customer-service/customer-service: "
        "runAsUser 0 (root) overrides the pod's runAsNonRoot" in lines
    )
    assert (
        "deployment/tax-engine/log-shipper: privileged; allowPrivilegeEscalation not false" in lines
    )
    assert "deployment/deal-service/migrate (init): allowPrivilegeEscalation not false" in lines
    # auth-service sets runAsNonRoot only at pod level: its containers inherit it and pass.
    assert "auth-service" not in result.evidence


def test_env_vars_missing_one(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.env-vars")
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        "deployment/inventory-service lacks DATABASE_URL",
    )
    assert (
        "deployment/api-gateway: 4/4 required env vars set" in result.evidence
    )  # `*` plus its own UPSTREAM_TIMEOUT_MS


def test_env_vars_without_required_names_checks_every_container_and_reference(
    k8s_degraded: K8sSandbox,
) -> None:
    # Formerly `skipped`: with no target.required_env the seed's own check runs (env per container,
    # refs resolve).
    result = probe(k8s_degraded.profile(target={"required_env": {}}), "k8s.env-vars")
    assert result.verdict is Verdict.PASS, (result.summary, result.evidence)
    assert result.summary.startswith(
        "every container defines env, all references resolve (6 deployments of autolytiq-prod"
    )
    assert "deployment/tax-engine/log-shipper: 2 env entries" in result.evidence
    assert (
        "deployment/deal-service/migrate (init)" not in result.evidence
    )  # init containers may rightly define none


def test_secret_refs_name_the_literal_never_its_value(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.secret-refs")
    assert result.verdict is Verdict.FAIL
    assert "deal-service/deal-service: DB_PASSWORD is a literal value" in result.summary
    assert (
        "deployment/auth-service/auth-service: JWT_SECRET from secret auth-jwt" in result.evidence
    )
    assert LITERAL_PASSWORD not in result.summary + result.evidence


def test_load_balancer_without_an_address(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.load-balancer")
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        "service/api-gateway has no load balancer address yet",
    )
    not_lb = probe(k8s_degraded.profile(), "k8s.load-balancer", service="auth-service")
    assert (not_lb.verdict, not_lb.summary) == (
        Verdict.FAIL,
        "service/auth-service is ClusterIP, not LoadBalancer",
    )
    missing = probe(k8s_degraded.profile(), "k8s.load-balancer", service="nope")
    assert (missing.verdict, missing.summary) == (
        Verdict.FAIL,
        "service/nope not found in namespace autolytiq-prod",
    )


def test_alert_rules_count_and_missing_configmap(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.alert-rules")
    assert (result.verdict, result.summary) == (
        Verdict.PASS,
        "6 alert rules in configmap monitoring/prometheus-rules",
    )
    assert "PodCrashLooping" in result.evidence
    too_few = probe(k8s_degraded.profile(), "k8s.alert-rules", min_alerts=10)
    assert (too_few.verdict, too_few.summary) == (
        Verdict.FAIL,
        "6 alert rules in configmap monitoring/prometheus-rules (need at least 10)",
    )
    missing = probe(k8s_degraded.profile(), "k8s.alert-rules", configmap="alertmanager-rules")
    assert (missing.verdict, missing.summary) == (
        Verdict.FAIL,
        "configmap/alertmanager-rules not found in namespace monitoring",
    )


def test_cluster_version_floor(k8s_degraded: K8sSandbox) -> None:
    result = probe(k8s_degraded.profile(), "k8s.cluster")
    assert (result.verdict, result.summary) == (
        Verdict.PASS,
        "Kubernetes v1.32.3-eks-4096722 answers; 3/4 nodes Ready",
    )
    too_old = probe(k8s_degraded.profile(), "k8s.cluster", min_version="1.33")
    assert (too_old.verdict, too_old.summary) == (
        Verdict.FAIL,
        "Kubernetes v1.32.3-eks-4096722 is older than 1.33",
    )


# --- composed clusters: the rules at their edges --------------------------------------------------


@pytest.fixture(scope="module")
def k8s_custom(sandbox_ca) -> Iterator[K8sSandbox]:
    """A server the tests of this module reload with composed clusters."""
    sandbox = K8sSandbox.start(
        healthy_cluster(services=["api-gateway", "auth-service"]), sandbox_ca
    )
    yield sandbox
    sandbox.stop()


@pytest.mark.parametrize(
    ("budget", "blocks"),
    [
        ({"min_available": 3}, "minAvailable 3 of 3 pods"),
        ({"min_available": "100%"}, "minAvailable 100% of 3 pods"),
        ({"min_available": "90%"}, "minAvailable 90% of 3 pods"),  # rounds up to 3 of 3
        ({"max_unavailable": "0%"}, "maxUnavailable 0%"),
        ({"min_available": 2}, ""),
        ({"max_unavailable": "10%"}, ""),  # rounds up to 1
    ],
)
def test_pdb_that_blocks_all_disruption(k8s_custom: K8sSandbox, budget: dict, blocks: str) -> None:
    cluster = healthy_cluster(services=["api-gateway", "auth-service"])
    cluster.remove("PodDisruptionBudget", "pdb-core")
    cluster.add(
        serving.pdb(
            "edge-budget",
            "autolytiq-prod",
            match_expressions=[serving.expression("tier", "NotIn", "core", "backend")],
            **budget,
        )
    )
    k8s_custom.server.load(cluster)
    profile = k8s_custom.profile(target={"services": ["api-gateway", "auth-service"]})
    result = probe(profile, "k8s.pdb")
    assert "deployment/api-gateway: covered by pdb/edge-budget" in result.evidence
    if blocks:
        assert (result.verdict, result.summary) == (
            Verdict.FAIL,
            f"pdb/edge-budget blocks all disruption of api-gateway ({blocks})",
        )
    else:
        assert result.verdict is Verdict.PASS, result.summary


def test_containers_without_any_security_context(k8s_custom: K8sSandbox) -> None:
    cluster = (
        b.Cluster()
        .add(
            workloads.deployment(
                "bare", "autolytiq-prod", containers=[workloads.container("bare", "bare:1")]
            )
        )
        .with_namespaces()
    )
    k8s_custom.server.load(cluster)
    result = probe(k8s_custom.profile(), "k8s.container-security")
    assert result.evidence.splitlines()[0] == (
        "deployment/bare/bare: may run as root (no runAsNonRoot: true or runAsUser > 0); "
        "allowPrivilegeEscalation not false; root filesystem writable"
    )
    deployments = probe(k8s_custom.profile(), "k8s.deployments")
    assert "deployment/api-gateway not found" in deployments.summary


def test_an_invalid_object_is_refused_at_load(k8s_custom: K8sSandbox) -> None:
    broken = workloads.deployment(
        "broken", "autolytiq-prod", containers=[workloads.container("app", "app:1")]
    )
    broken["spec"]["replicas"] = "three"
    with pytest.raises(
        b.FixtureError, match=r"Deployment autolytiq-prod/broken is invalid at spec.replicas"
    ):
        k8s_custom.server.load(b.Cluster([broken]))


# --- failures become one-line errors, in time -----------------------------------------------------


def test_unreachable_api_server(k8s_unreachable: K8sSandbox) -> None:
    message, elapsed = probe_error(k8s_unreachable.profile(), "k8s.nodes")
    assert message == f"cannot reach API server at {k8s_unreachable.url}: Connection refused"
    assert elapsed < 1.0


def test_expired_token(k8s_expired: K8sSandbox) -> None:
    message, _ = probe_error(k8s_expired.profile(), "k8s.deployments")
    assert message == "unauthorised (401): token expired or invalid"


def test_forbidden(k8s_forbidden: K8sSandbox) -> None:
    message, _ = probe_error(k8s_forbidden.profile(), "k8s.hpa")
    assert message == (
        "forbidden (403): horizontalpodautoscalers is forbidden: "
        'User "system:serviceaccount:golive:readonly" '
        'cannot list resource "horizontalpodautoscalers" in API '
        'group "autoscaling" in the namespace "autolytiq-prod"'
    )
    assert k8s_forbidden.token not in message


def test_hanging_api_server_times_out_within_the_probe_timeout(k8s_hanging: K8sSandbox) -> None:
    # k8s.deployments makes two calls: together they still get only the probe's timeout.
    message, elapsed = probe_error(k8s_hanging.profile(), "k8s.deployments", timeout=1.0)
    assert message == f"timed out after 1s waiting for the API server at {k8s_hanging.url}"
    assert 0.9 < elapsed < 1.75


def test_unknown_certificate_authority(k8s_healthy: K8sSandbox, tmp_path: Path) -> None:
    from golive_tui.sandbox.tls import SandboxCA

    stranger = SandboxCA(tmp_path / "other-ca")
    ours, theirs = (
        base64.b64encode(p.read_bytes()).decode() for p in (k8s_healthy.ca_bundle, stranger.bundle)
    )
    (tmp_path / "config").write_text(k8s_healthy.kubeconfig.read_text().replace(ours, theirs))
    message, _ = probe_error(
        k8s_healthy.profile(kubernetes={"kubeconfig": str(tmp_path / "config")}), "k8s.cluster"
    )
    assert message.startswith(
        f"TLS error with the API server at {k8s_healthy.url}: certificate verify failed"
    )


def test_missing_kubeconfig_says_where_it_looked(tmp_path: Path) -> None:
    from golive_tui.profile import Profile

    message, _ = probe_error(Profile(), "k8s.cluster")
    assert message == (
        f"no kubeconfig: looked in profile kubernetes.kubeconfig (empty), $KUBECONFIG (unset), "
        f"{Path.home() / '.kube' / 'config'} (missing), in-cluster "
        "service account ($KUBERNETES_SERVICE_HOST unset)"
    )
    message, _ = probe_error(
        Profile.model_validate({"kubernetes": {"kubeconfig": str(tmp_path / "nope")}}),
        "k8s.cluster",
    )
    assert (
        message == f"kubeconfig {tmp_path / 'nope'} (profile kubernetes.kubeconfig) does not exist"
    )


def test_cancel_stops_before_calling(k8s_healthy: K8sSandbox) -> None:
    cancel = threading.Event()
    cancel.set()
    message, _ = probe_error(k8s_healthy.profile(), "k8s.nodes", cancel=cancel)
    assert message == "cancelled"


# --- where the config comes from ------------------------------------------------------------------


def test_context_from_the_profile(
    k8s_healthy: K8sSandbox, k8s_degraded: K8sSandbox, tmp_path: Path
) -> None:
    both = tmp_path / "two-clusters"
    k8s_healthy.server.write_kubeconfig(both, context="prod-healthy")
    k8s_degraded.server.write_kubeconfig(
        both, context="prod-degraded"
    )  # added; current context stays
    profile = k8s_healthy.profile(kubernetes={"kubeconfig": str(both)})
    assert probe(profile, "k8s.nodes").verdict is Verdict.PASS
    chosen = k8s_healthy.profile(kubernetes={"kubeconfig": str(both), "context": "prod-degraded"})
    assert probe(chosen, "k8s.nodes").summary.startswith("3 Ready nodes in 2 zones")
    message, _ = probe_error(
        k8s_healthy.profile(kubernetes={"kubeconfig": str(both), "context": "staging"}), "k8s.nodes"
    )
    assert message.startswith(
        f"kubeconfig {both}: Invalid kube-config file. Expected object with name staging"
    )


def test_kubeconfig_env_var_then_home(
    k8s_healthy: K8sSandbox, k8s_degraded: K8sSandbox, monkeypatch, tmp_path: Path
) -> None:
    from golive_tui.profile import Profile

    home_config = Path.home() / ".kube" / "config"
    home_config.parent.mkdir(parents=True)
    home_config.write_text(k8s_degraded.kubeconfig.read_text())
    profile = Profile()
    assert probe(profile, "k8s.cluster").summary.endswith("3/4 nodes Ready")  # ~/.kube/config
    # A set $KUBECONFIG replaces ~/.kube/config (missing entries skipped), as with kubectl.
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{k8s_healthy.kubeconfig}")
    assert probe(profile, "k8s.cluster").summary.endswith("4/4 nodes Ready")


def test_one_api_client_per_run_shared_by_concurrent_probes(k8s_degraded: K8sSandbox) -> None:
    profile, clients = k8s_degraded.profile(), ClientCache()
    with ThreadPoolExecutor(16) as pool:
        results = list(
            pool.map(
                lambda kind: probe(profile, kind, clients=clients, **PARAMS.get(kind, {})),
                KINDS * 2,
            )
        )
    assert [r.verdict for r in results[: len(KINDS)]] == [r.verdict for r in results[len(KINDS) :]]
    shared = clients.get(
        "kubernetes", lambda: pytest.fail("the ApiClient was not kept for the run")
    )
    assert shared.configuration.host == k8s_degraded.url
    clients.close()


# --- through the engine, the CLI and kubectl ------------------------------------------------------


def test_engine_run_of_the_shipped_k8s_items(
    k8s_degraded: K8sSandbox, k8s_forbidden: K8sSandbox
) -> None:
    from golive_tui.checklists import load_checklist
    from golive_tui.engine import run_sync

    items = [
        i
        for i in load_checklist().items()
        if i.probe and all(s.kind.startswith("k8s.") for s in i.probe)
    ]
    results = {r.item.key: r.result for r in run_sync(k8s_degraded.profile(), items)}
    assert results["go-live.infrastructure.node-groups"].verdict is Verdict.FAIL
    assert results["go-live.infrastructure.auto-scaling"].summary == "no HPA for: inventory-service"
    assert results["security.infrastructure.container-security"].verdict is Verdict.FAIL
    assert results["go-live.application.all-services-deployed"].summary.startswith(
        "deployment/deal-service: 1/3 available"
    )
    denied = run_sync(
        k8s_forbidden.profile(), [i for i in items if i.key == "go-live.infrastructure.pdb"]
    )[0].result
    assert denied.verdict is Verdict.ERROR and denied.summary.startswith(
        "forbidden (403): poddisruptionbudgets is forbidden"
    )


def test_golive_run_cli_json(k8s_degraded: K8sSandbox, tmp_path: Path) -> None:
    import tomli_w

    profile = tmp_path / "profile.toml"
    profile.write_text(tomli_w.dumps(k8s_degraded.profile_data()))
    args = [
        sys.executable,
        "-m",
        "golive_tui",
        "--profile",
        str(profile),
        "run",
        "--format",
        "json",
        "--item",
        "go-live.infrastructure.node-groups",
        "--item",
        "go-live.application.secrets",
        "--item",
        "go-live.infrastructure.pdb",
    ]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    assert LONE_NODE in items["go-live.infrastructure.node-groups"]["summary"]
    assert "DB_PASSWORD is a literal value" in items["go-live.application.secrets"]["summary"]
    assert (
        LITERAL_PASSWORD not in result.stdout + result.stderr
        and k8s_degraded.token not in result.stdout + result.stderr
    )


def test_golive_run_cli_on_a_checklist_of_every_k8s_kind(
    k8s_degraded: K8sSandbox, tmp_path: Path
) -> None:
    import tomli_w

    checklist = Path(__file__).parent / "data" / "k8s.toml"
    profile = tmp_path / "profile.toml"
    profile.write_text(tomli_w.dumps(k8s_degraded.profile_data()))
    args = [
        sys.executable,
        "-m",
        "golive_tui",
        "--checklist",
        str(checklist),
        "--profile",
        str(profile),
        "--state",
        str(tmp_path / "state.toml"),
        "run",
        "--format",
        "json",
    ]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    verdicts = {key.removeprefix("k8s."): item["verdict"] for key, item in items.items()}
    assert verdicts == {
        "cluster": "pass",
        "nodes": "fail",
        "load-balancer": "fail",
        "hpa": "fail",
        "pdb": "fail",
        "deployments": "fail",
        "env-vars": "fail",
        "secret-refs": "fail",
        "container-security": "fail",
        "alert-rules": "pass",
    }
    assert "deployment/inventory-service lacks DATABASE_URL" in items["k8s.env-vars"]["summary"]
    assert "pdb/pdb-batch blocks all disruption" in items["k8s.pdb"]["summary"]
    assert "deal-service/migrate (init)" in items["k8s.container-security"]["summary"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_real_kubectl_reads_the_sandbox(k8s_degraded: K8sSandbox) -> None:
    def kubectl(*args: str) -> str:
        out = subprocess.run(
            ["kubectl", "--kubeconfig", str(k8s_degraded.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    nodes = kubectl("get", "nodes").splitlines()
    assert nodes[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert f"{LONE_NODE} NotReady <none> 12d v1.32.3-eks-473151a" in [
        " ".join(line.split()) for line in nodes
    ]
    pods = kubectl("get", "pods", "-n", "autolytiq-prod", "-l", "app in (deal-service)")
    assert "CrashLoopBackOff" in pods and pods.count("deal-service-") == 3
    assert "<pending>" in kubectl("get", "svc", "-n", "autolytiq-prod", "-o", "wide")
    assert "1/3" in kubectl("get", "deployments", "-n", "autolytiq-prod")
    assert "Deployment/tax-engine" in kubectl("get", "hpa", "-n", "autolytiq-prod")
    assert "pdb-batch" in kubectl("get", "pdb", "-n", "autolytiq-prod")
    assert "prometheus-rules" in kubectl("get", "configmaps", "-n", "monitoring")
    listed = json.loads(kubectl("get", "deployments", "-n", "autolytiq-prod", "-o", "json"))
    assert len(listed["items"]) == 6


def test_a_refused_token_is_read_again_on_the_next_sweep(
    k8s_healthy: K8sSandbox, tmp_path: Path
) -> None:
    """A long cutover outlives a token: after the 401, the cockpit's next sweep uses the kubeconfig
    as it is now."""
    from golive_tui.engine import run_sync

    expired = k8s_healthy.with_token("expired-token-0000", tmp_path / "kubeconfig")
    item = Item(id="nodes", title="nodes", probe=[{"kind": "k8s.nodes"}])
    object.__setattr__(item, "key", "t.nodes")
    clients = ClientCache()  # one for both sweeps, as a cockpit keeps it
    (first,) = run_sync(expired.profile(), [item], clients=clients)
    assert first.result.summary == "unauthorised (401): token expired or invalid"
    expired.kubeconfig.write_text(
        k8s_healthy.kubeconfig.read_text()
    )  # `aws eks update-kubeconfig` ran again
    (second,) = run_sync(expired.profile(), [item], clients=clients)
    assert second.result.verdict is not Verdict.ERROR, second.result.summary
