"""http.health: services with an http.health_urls entry fetched directly, the others through the API
server's service proxy."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator

import pytest

from golive_tui.model import Item
from golive_tui.probes import registry
from golive_tui.probes.base import ClientCache, ProbeContext, ProbeResult, Verdict
from golive_tui.sandbox import k8s_build_serving as serving
from golive_tui.sandbox.k8s_objects import healthy_cluster
from golive_tui.sandbox.k8s_sandbox import K8sSandbox

SERVICES = [
    "api-gateway",
    "auth-service",
    "deal-service",
    "customer-service",
    "inventory-service",
    "tax-engine",
]
NS = "autolytiq-prod"


def health(profile) -> ProbeResult:
    kind = registry()["http.health"]
    ctx = ProbeContext(
        profile, Item(id="health-checks", title="Health Checks"), ClientCache(), profile.run.timeout
    )
    kind.prepare(ctx)
    result = kind.func(ctx, kind.params())
    return (
        asyncio.run(result) if inspect.isawaitable(result) else result
    )  # async since its services are asked at once


@pytest.fixture(scope="module")
def k8s_health(sandbox_ca) -> Iterator[K8sSandbox]:
    """A server the tests reload with clusters whose services answer differently."""
    sandbox = K8sSandbox.start(healthy_cluster(), sandbox_ca)
    yield sandbox
    sandbox.stop()


def test_every_service_through_the_service_proxy(k8s_healthy: K8sSandbox) -> None:
    result = health(
        k8s_healthy.profile()
    )  # no http.health_urls: the seed's in-cluster curl, through the API server
    assert (result.verdict, result.summary) == (Verdict.PASS, "all 6 services healthy (200)")
    for service in SERVICES:
        assert (
            f"{service}: service proxy {NS}/{service}:8080/health -> 200"
            in result.evidence.splitlines()
        )


def test_readiness_is_not_health(k8s_health: K8sSandbox) -> None:
    """A plausible-but-wrong probe — "the Service has Ready endpoints" (`kubectl get endpoints`) —
    passes here: every pod of deal-service is Ready, yet its /health answers 503 (its database is
    down)."""
    cluster = healthy_cluster()
    cluster.proxy_status["deal-service"] = 503
    k8s_health.server.load(cluster)
    result = health(k8s_health.profile())
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        "1 of 6 unhealthy: deal-service (503)",
    )
    assert f"deal-service: service proxy {NS}/deal-service:8080/health -> 503" in result.evidence


def test_no_endpoints_and_missing_service(k8s_health: K8sSandbox) -> None:
    cluster = healthy_cluster()
    for pod in [
        o
        for o in cluster.objects
        if o["kind"] == "Pod" and o["metadata"]["labels"]["app"] == "tax-engine"
    ]:
        pod["status"]["conditions"][0]["status"] = "False"
    cluster.remove("Service", "inventory-service", NS)
    cluster.validated = False
    k8s_health.server.load(cluster)
    result = health(k8s_health.profile())
    assert result.verdict is Verdict.FAIL
    assert (
        result.summary
        == "2 of 6 unhealthy: inventory-service (service not found), tax-engine (no endpoints)"
    )
    assert (
        f"tax-engine: service proxy {NS}/tax-engine:8080/health "
        '-> 503 (no endpoints available for service "tax-engine")' in result.evidence
    )
    assert 'services "inventory-service" not found' in result.evidence


def test_health_port_and_path_come_from_the_profile(k8s_health: K8sSandbox) -> None:
    k8s_health.server.load(healthy_cluster())
    wrong_path = health(k8s_health.profile(http={"health_path": "/healthz"}))
    assert wrong_path.verdict is Verdict.FAIL and "auth-service (404)" in wrong_path.summary
    named_port = health(k8s_health.profile(http={"health_port": 9090}))
    assert 'no service port "9090" found for service "auth-service"' in named_port.evidence


def test_direct_urls_where_given_and_the_proxy_for_the_rest(
    k8s_healthy: K8sSandbox, web_degraded
) -> None:
    urls = {s: f"{web_degraded.api.url}/{s}/health" for s in ("api-gateway", "deal-service")}
    profile = k8s_healthy.profile(
        http={"health_urls": urls, "ca_bundle": str(k8s_healthy.ca_bundle)}
    )
    result = health(profile)
    # The degraded web sandbox answers 503 for deal-service; the cluster's own proxy would have said
    # 200.
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        "1 of 6 unhealthy: deal-service (503)",
    )
    assert f"deal-service: GET {urls['deal-service']} -> 503" in result.evidence
    assert f"auth-service: service proxy {NS}/auth-service:8080/health -> 200" in result.evidence


def test_proxy_forbidden_is_not_verifiable(sandbox_ca) -> None:
    """Proxy and pods both refused: nothing visible decides (with pods readable, their readiness
    probes do: tests/test_read_only_rbac.py)."""
    sandbox = K8sSandbox.start(healthy_cluster(), sandbox_ca, denied={"services/proxy", "pods"})
    try:
        result = health(sandbox.profile())
    finally:
        sandbox.stop()
    assert result.verdict is Verdict.ERROR
    assert result.summary.startswith("health of api-gateway, auth-service")
    assert 'cannot get resource "services/proxy"' in result.evidence


def test_gateway_serves_both_ports() -> None:
    gateway = serving.service("api-gateway", NS, type="LoadBalancer", ingress_hostname="lb.example")
    assert [(p["name"], p["port"]) for p in gateway["spec"]["ports"]] == [
        ("http", 80),
        ("internal", 8080),
    ]
