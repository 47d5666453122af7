"""The Kubernetes API sandbox itself, over raw HTTPS: auth, Status errors, selectors, tables, proxy,
hang."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
import time

import httpx
import pytest

from golive_tui.sandbox import k8s_build as b
from golive_tui.sandbox import k8s_build_workloads as workloads
from golive_tui.sandbox.k8s_objects import degraded_cluster
from golive_tui.sandbox.k8s_sandbox import K8sSandbox
from golive_tui.sandbox.k8s_selectors import parse_label_selector

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def trust(sandbox: K8sSandbox) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(sandbox.ca_bundle))


def client(sandbox: K8sSandbox, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token or sandbox.token}"}
    return httpx.Client(base_url=sandbox.url, verify=trust(sandbox), headers=headers, timeout=5)


def test_auth_and_status_objects(k8s_degraded: K8sSandbox) -> None:
    with client(k8s_degraded, token="wrong") as http:
        denied = http.get("/api/v1/nodes")
    assert denied.status_code == 401
    assert denied.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    with httpx.Client(base_url=k8s_degraded.url, verify=trust(k8s_degraded)) as anonymous:
        assert anonymous.get("/version").status_code == 401
        assert anonymous.get("/readyz").text == "ok"
    with client(k8s_degraded) as http:
        missing = http.get("/apis/apps/v1/namespaces/autolytiq-prod/deployments/nope")
        assert missing.status_code == 404
        assert (
            missing.json()["message"] == 'deployments.apps "nope" not found'
            and missing.json()["reason"] == "NotFound"
        )
        assert http.get("/apis/batch/v1").status_code == 404
        assert http.delete("/api/v1/nodes/x").status_code == 405
        assert http.get("/version/").json()["gitVersion"] == "v1.32.3-eks-4096722"


def test_forbidden_mode_keeps_discovery(k8s_forbidden: K8sSandbox) -> None:
    with client(k8s_forbidden) as http:
        assert http.get("/apis").status_code == 200
        refused = http.get("/api/v1/nodes").json()
    assert refused["code"] == 403 and refused["reason"] == "Forbidden"
    assert refused["message"].endswith(
        'cannot list resource "nodes" in API group "" at the cluster scope'
    )


def test_discovery_lists_what_kubectl_needs(k8s_degraded: K8sSandbox) -> None:
    with client(k8s_degraded) as http:
        groups = {
            g["name"]: g["preferredVersion"]["groupVersion"]
            for g in http.get("/apis").json()["groups"]
        }
        core = {r["name"]: r for r in http.get("/api/v1").json()["resources"]}
        apps = http.get("/apis/apps/v1").json()
    assert groups == {"apps": "apps/v1", "autoscaling": "autoscaling/v2", "policy": "policy/v1"}
    assert {"nodes", "pods", "services", "configmaps", "namespaces", "services/proxy"} <= set(core)
    assert core["services"]["shortNames"] == ["svc"] and core["nodes"]["namespaced"] is False
    assert apps["groupVersion"] == "apps/v1" and apps["resources"][0]["kind"] == "Deployment"


def test_label_and_field_selectors(k8s_degraded: K8sSandbox) -> None:
    with client(k8s_degraded) as http:

        def names(path: str, **params: str) -> list[str]:
            return [o["metadata"]["name"] for o in http.get(path, params=params).json()["items"]]

        deployments = "/apis/apps/v1/namespaces/autolytiq-prod/deployments"
        assert names(deployments, labelSelector="tier=core") == ["auth-service"]
        assert names(deployments, labelSelector="tier in (edge,core),app!=auth-service") == [
            "api-gateway"
        ]
        assert len(names(deployments, labelSelector="tier notin (edge, core)")) == 4
        assert names(deployments, labelSelector="!tier") == []
        assert names(
            "/api/v1/nodes", fieldSelector="metadata.name=ip-10-0-2-41.eu-west-1.compute.internal"
        ) == ["ip-10-0-2-41.eu-west-1.compute.internal"]
        assert http.get(deployments, params={"labelSelector": "tier in (edge"}).status_code == 400
        assert (
            http.get("/api/v1/pods", params={"fieldSelector": "spec.nodeName=x"}).json()["reason"]
            == "BadRequest"
        )
        listed = http.get("/api/v1/namespaces/monitoring/configmaps").json()
    assert (
        listed["kind"] == "ConfigMapList"
        and listed["apiVersion"] == "v1"
        and "kind" not in listed["items"][0]
    )


def test_selector_parser() -> None:
    assert parse_label_selector("a=1, b in (x, y),!c,d") == [
        ("a", "=", frozenset({"1"})),
        ("b", "in", frozenset({"x", "y"})),
        ("c", "!", frozenset()),
        ("d", "exists", frozenset()),
    ]
    with pytest.raises(ValueError):
        parse_label_selector("a in x")


def test_kubectl_tables(k8s_degraded: K8sSandbox) -> None:
    with client(k8s_degraded) as http:
        pods = http.get(
            "/api/v1/namespaces/autolytiq-prod/pods",
            headers={"Accept": TABLE},
            params={"labelSelector": "app=deal-service"},
        ).json()
        one = http.get(
            "/apis/policy/v1/namespaces/autolytiq-prod/poddisruptionbudgets/pdb-batch",
            headers={"Accept": TABLE},
        ).json()
    assert (pods["kind"], pods["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in pods["columnDefinitions"] if c["priority"] == 0] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    crashing = next(r["cells"] for r in pods["rows"] if r["cells"][2] == "CrashLoopBackOff")
    assert crashing[1:4] == ["0/1", "CrashLoopBackOff", 12]
    assert pods["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert one["rows"][0]["cells"][:4] == ["pdb-batch", "N/A", "0", 0]


def test_service_proxy_health(k8s_degraded: K8sSandbox) -> None:
    base = "/api/v1/namespaces/autolytiq-prod/services"
    with client(k8s_degraded) as http:
        healthy = http.get(f"{base}/auth-service:8080/proxy/health")
        short = http.get(f"{base}/deal-service:http/proxy/health")
        missing = http.get(f"{base}/nope/proxy/health")
        k8s_degraded.server.cluster.proxy_status["auth-service"] = 500
        try:
            forced = http.get(f"{base}/https:auth-service:8080/proxy/health")
        finally:
            del k8s_degraded.server.cluster.proxy_status["auth-service"]
    assert (healthy.status_code, healthy.json()) == (
        200,
        {"status": "ok", "service": "auth-service", "ready": "3/3"},
    )
    assert (short.status_code, short.json()["ready"]) == (503, "1/3")
    assert missing.status_code == 404 and forced.status_code == 500


def test_invalid_fixture_objects_fail_loudly() -> None:
    node = b.node("n1", "eu-west-1a")
    node["spec"]["bogus"] = True
    with pytest.raises(
        b.FixtureError,
        match=r"Node n1 is invalid at spec: Additional properties are not allowed \('bogus'",
    ):
        b.Cluster([node]).validate()
    with pytest.raises(b.FixtureError, match="without apiVersion/kind"):
        b.Cluster([{"metadata": {"name": "x"}}]).validate()
    twice = workloads.configmap("c", "ns", {})
    with pytest.raises(b.FixtureError, match="defined twice"):
        b.Cluster([twice, dict(twice)]).validate()


def test_scenarios_keep_their_shape() -> None:
    cluster = degraded_cluster()
    assert cluster.validated
    kinds = {o["kind"] for o in cluster.objects}
    assert kinds == {
        "Namespace",
        "Node",
        "Deployment",
        "Pod",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ConfigMap",
        "Secret",
    }
    assert cluster.find("Deployment", "deal-service")["status"]["availableReplicas"] == 1


def test_hang_until_stopped(sandbox_ca, healthy_objects) -> None:
    sandbox = K8sSandbox.start(healthy_objects, sandbox_ca)
    sandbox.server.hang = True
    outcome: list[str] = []

    def call() -> None:
        try:
            with client(sandbox) as http:
                http.get("/api/v1/nodes", timeout=30)
            outcome.append("answered")
        except httpx.HTTPError as exc:
            outcome.append(type(exc).__name__)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.3)
    assert outcome == []  # still waiting
    started = time.monotonic()
    sandbox.stop()
    thread.join(5)
    assert outcome and outcome[0] != "answered" and time.monotonic() - started < 2
    with pytest.raises(httpx.ConnectError):
        httpx.get(sandbox.url, verify=trust(sandbox), timeout=2)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")
def test_the_seeds_kubectl_exec_commands_run_against_the_sandbox(k8s_degraded: K8sSandbox) -> None:
    """kubectl 1.30+ asks for the v5 channel protocol: the seed's exec checks run as a captain types
    them."""
    kubectl = [
        "kubectl",
        "--kubeconfig",
        str(k8s_degraded.kubeconfig),
        "-n",
        "autolytiq-prod",
        "exec",
    ]
    migrate = subprocess.run(
        [*kubectl, "deployment/deal-service", "--", "npx", "prisma", "migrate", "status"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 1 and "have not yet been applied" in migrate.stdout
    healthy = subprocess.run(
        [*kubectl, "deployment/api-gateway", "--", "curl", "-s", "http://auth-service:8080/health"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert healthy.returncode == 0 and json.loads(healthy.stdout)["status"] == "ok"
    crashing = subprocess.run(
        [*kubectl, "deployment/api-gateway", "--", "curl", "-s", "http://deal-service:8080/health"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashing.returncode == 0 and json.loads(crashing.stdout)["status"] == "unavailable"
    unknown = subprocess.run(
        [*kubectl, "deployment/api-gateway", "--", "curl", "-s", "http://nope:8080/health"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 6 and "Could not resolve host: nope" in unknown.stderr
