"""Which backends a probe of each kind cannot judge anything without: the Kubernetes API, the AWS
endpoint, Prometheus, a service host. The engine registers them with the run's Reachability
(reach.py), so an outage is found once per backend and its items are not evaluated.

A kind whose probe judges a host's reachability itself (health, TLS, runbook pages) names it as a
soft target: never `not evaluated`, only a short deadline once the host is known silent.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .base import ProbeContext


@dataclass(frozen=True)
class Target:
    name: str
    """What a captain calls it: `Kubernetes API`, `AWS endpoint`, `Prometheus`, `service host
    api.example.com`."""
    url: str
    ca: str = ""
    """PEM of the CA the backend's certificate chains to, when it is not the profile's (a
    kubeconfig's)."""
    soft: bool = False
    """The probe judges this host's reachability itself (health, TLS): never `not evaluated`, only a
    short deadline."""


def host_of(url: str) -> str:
    """`api.example.com:8443` of a URL (the URL itself when it has none)."""
    return urlsplit(url).netloc or url


def _http(name: str, url: str, soft: bool = False) -> list[Target]:
    return [Target(name, url, soft=soft)] if url.startswith(("http://", "https://")) else []


def _service(url: str) -> list[Target]:
    return _http(f"service host {host_of(url)}", url)


def kubernetes_server(ctx: ProbeContext) -> tuple[str, str]:
    """The API server the kubeconfig's context points at, and its CA's PEM ('' when it cannot be
    told)."""
    from .k8s_client import kubeconfig_path

    try:
        path = kubeconfig_path(ctx)
    except Exception:  # no kubeconfig: the probes say so; there is no server to check
        return "", ""
    if path is None:
        host, port = (
            os.environ.get("KUBERNETES_SERVICE_HOST", ""),
            os.environ.get("KUBERNETES_SERVICE_PORT", "443"),
        )
        return (f"https://{host}:{port}", _read(SERVICE_ACCOUNT_CA)) if host else ("", "")
    import yaml

    merged: dict[str, list[dict[str, Any]]] = {"contexts": [], "clusters": []}
    current = ""
    for part in path.split(os.pathsep):
        try:
            with open(part, encoding="utf-8") as f:
                data = yaml.safe_load(f) or {}
        except (OSError, yaml.YAMLError):
            return "", ""
        if not isinstance(data, dict):
            return "", ""
        current = current or str(data.get("current-context") or "")
        for key in merged:
            merged[key] += [e for e in data.get(key) or [] if isinstance(e, dict)]
    wanted = ctx.profile.kubernetes.context or current
    context = next(
        (c.get("context") or {} for c in merged["contexts"] if c.get("name") == wanted), {}
    )
    cluster = next(
        (
            c.get("cluster") or {}
            for c in merged["clusters"]
            if c.get("name") == context.get("cluster")
        ),
        {},
    )
    ca = ""
    if cluster.get("certificate-authority-data"):
        try:
            ca = base64.b64decode(str(cluster["certificate-authority-data"])).decode(
                "ascii", "replace"
            )
        except ValueError:
            ca = ""
    elif cluster.get("certificate-authority"):
        ca = _read(os.path.expanduser(str(cluster["certificate-authority"])))
    return str(cluster.get("server") or ""), ca


SERVICE_ACCOUNT_CA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _aws(ctx: ProbeContext) -> list[Target]:
    endpoint = ctx.profile.aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL", "")
    region = (
        ctx.profile.aws.region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    return [Target("AWS endpoint", endpoint or f"https://sts.{region}.amazonaws.com/")]


def targets(ctx: ProbeContext, kind: str, params: Any) -> list[Target]:
    """The backends a probe of `kind` cannot judge anything without (none when they cannot be
    told)."""
    try:
        return _targets(ctx, kind, params)
    except (
        Exception
    ):  # a profile value we cannot read as a URL: the probe itself says what is wrong
        return []


def _targets(ctx: ProbeContext, kind: str, params: Any) -> list[Target]:
    profile = ctx.profile
    if kind.startswith("k8s."):
        # Read once per sweep: parsing the kubeconfig's YAML for each of the ~13 k8s probes cost
        # ~3 ms of event-loop time each (the engine asks on the loop, before a probe starts).
        where = ("k8s-server", profile.kubernetes.kubeconfig, profile.kubernetes.context)
        server, ca = ctx.clients.shared(where, lambda: kubernetes_server(ctx), wait=ctx.timeout)
        return [Target("Kubernetes API", server.rstrip("/") + "/version", ca)] if server else []
    if kind.startswith("aws."):
        return _aws(ctx)
    if kind.startswith("prometheus."):
        return _http("Prometheus", profile.prometheus.url.rstrip("/") + "/-/ready")
    if kind == "alertmanager.config":
        return _http("Alertmanager", profile.prometheus.alertmanager_url.rstrip("/") + "/-/ready")
    if kind == "pagerduty.event":
        return _http("PagerDuty", profile.pagerduty.events_url)
    if kind in ("http.cors", "http.error-handling", "http.security-headers"):
        return _http(f"service host {host_of(profile.http.api_url)}", profile.http.api_url)
    if kind == "http.status-page":
        return _http(
            f"service host {host_of(profile.http.status_page_url)}", profile.http.status_page_url
        )
    if kind == "http.openapi":
        return _service(profile.http.openapi_url)
    if kind in ("http.openapi-auth", "http.jwt-unsigned-refused"):  # the document, then the API
        if not profile.http.openapi_url:
            return []  # skipped for the missing key, never `not evaluated` for the API host
        return _service(profile.http.openapi_url) + _service(profile.http.api_url)
    if kind == "http.session-cookies":
        return _service(profile.http.session_url)
    if kind == "http.oidc-discovery":
        return _service(profile.http.oidc_issuer)
    if kind == "grafana.dashboards":
        return _http("Grafana", profile.grafana.url.rstrip("/") + "/api/health")
    if kind in ("pagerduty.oncall-coverage", "pagerduty.escalation-policy"):
        return _http("PagerDuty API", profile.pagerduty.api_url)
    if kind == "http.runbooks":  # a runbook page that does not answer fails the row: soft
        return [
            t for url in profile.http.runbook_urls for t in _http(f"host {host_of(url)}", url, True)
        ]
    if kind == "deps.report":
        return [t for url in profile.deps.reports for t in _http(f"host {host_of(url)}", url)]
    if kind == "k6.scenario":
        urls = dict.fromkeys([*profile.k6.summaries.values(), profile.k6.summary])
        return [t for url in urls if url for t in _http(f"host {host_of(url)}", url)]
    # http.health and tls.* judge each service's reachability themselves (an unreachable service is
    # a failure, and a plain-HTTP URL fails without any network): their hosts are soft targets.
    if kind == "http.health":
        return [
            t
            for url in profile.http.health_urls.values()
            for t in _http(f"service host {host_of(url)}", url, True)
        ]
    if kind.startswith("tls."):
        endpoints = profile.http.tls_endpoints or [f"{d}:443" for d in profile.target.domains]
        return [Target(f"service host {e}", f"https://{e}/", soft=True) for e in endpoints]
    if kind == "tracing.recent-traces":
        if profile.tracing.backend == "jaeger":
            return _http("Jaeger", profile.tracing.jaeger_url)
        return _aws(ctx) if profile.tracing.backend == "xray" else []
    # dns, command and the rest have no one backend.
    return []
