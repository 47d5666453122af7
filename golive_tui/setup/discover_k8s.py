"""`golive init`, Kubernetes half: context, namespace, Deployments, Services, the gateway.

Reads only (GET), through the probes' client. A resource type the user may not list
(403) or the server does not serve (404) becomes a comment on the keys it would have
filled; nothing is guessed silently — when there are several candidates and nobody to
ask, the key stays commented out with the candidates listed. Monitoring (Prometheus,
Alertmanager, alert rules) is found by `discover_monitoring`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..probes.base import ProbeContext, ProbeError
from .discover_monitoring import discover_monitoring
from .draft import Draft
from .kube import SYSTEM_NAMESPACES, KubeContext, KubeReader, kube_context

Chooser = Callable[[str, list[str]], "str | None"]
"""(key, candidates) -> the one to use, or None to leave the key commented out."""
EKS_ARN = re.compile(r"^arn:aws[\w-]*:eks:([\w-]+):(\d{12}):cluster/([\w.-]+)$")
HOSTNAME_ANNOTATIONS = ("external-dns.alpha.kubernetes.io/hostname",)
CERT_ANNOTATIONS = (
    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
    "alb.ingress.kubernetes.io/certificate-arn",
)


@dataclass
class Clues:
    """What the Kubernetes side tells the AWS side."""

    context: KubeContext | None = None
    server: str = ""
    namespace: str = ""
    eks: tuple[str, str, str] | None = None
    """(region, account, cluster name) from an EKS ARN in the context or cluster name."""
    lb_hostnames: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    cert_arns: list[str] = field(default_factory=list)
    reachable: bool = False


def discover_kubernetes(
    ctx: ProbeContext, draft: Draft, choose: Chooser, *, namespace: str = ""
) -> Clues:
    clues = Clues()
    try:
        clues.context = context = kube_context(ctx)
    except ProbeError as exc:
        for key in (
            "kubernetes.context",
            "target.namespace",
            "target.services",
            "target.gateway_service",
        ):
            draft.missing(key, str(exc))
        return clues
    source = f"kubeconfig {context.files}"
    if ctx.profile.kubernetes.kubeconfig:
        draft.found(
            "kubernetes.kubeconfig", ctx.profile.kubernetes.kubeconfig, "as given (profile / --set)"
        )
    elif context.files not in ("(in-cluster)",):
        draft.found(
            "kubernetes.kubeconfig",
            context.files,
            "the kubeconfig found ($KUBECONFIG or ~/.kube/config)",
        )
    draft.found(
        "kubernetes.context",
        context.name,
        "as given"
        if ctx.profile.kubernetes.context
        else f"the current context of {source}; named so a "
        "later `kubectl config use-context` cannot point golive at another cluster",
    )
    for text in (context.name, context.cluster):
        if match := EKS_ARN.match(text or ""):
            clues.eks = (match[1], match[2], match[3])
            break
    try:
        reader = KubeReader(ctx)
        clues.server = reader.host
        version = reader.get("/version")
    except ProbeError as exc:
        draft.section_note("target", f"the API server could not be read: {exc}")
        for key in ("target.namespace", "target.services", "target.gateway_service"):
            draft.missing(key, f"the API server could not be read ({exc})")
        return clues
    if version.status == 401:
        draft.section_note(
            "target",
            f"the API server at {reader.host} refused the credentials (401): renew them "
            "and run init again",
        )
        return clues
    clues.reachable = True
    if version.ok:
        draft.section_note(
            "kubernetes",
            f"API server {reader.host}, Kubernetes {version.body.get('gitVersion', '?')}",
        )
    ns = _namespace(reader, draft, choose, context, namespace)
    clues.namespace = ns
    if ns:
        _workloads(reader, draft, choose, ns, clues)
    discover_monitoring(reader, draft, ctx.profile.target.monitoring_namespace)
    return clues


def _namespace(
    reader: KubeReader, draft: Draft, choose: Chooser, context: KubeContext, given: str
) -> str:
    if given:
        draft.found("target.namespace", given, "as given (--namespace)")
        return given
    if context.namespace:
        draft.found(
            "target.namespace",
            context.namespace,
            f"the namespace of kubeconfig context {context.name!r}",
        )
        return context.namespace
    answer = reader.get("/apis/apps/v1/deployments")
    if not answer.ok:
        draft.missing(
            "target.namespace",
            f"the context names no namespace, and {answer.why('Deployments in all namespaces')}",
        )
        return ""
    counts: Counter[str] = Counter(d["metadata"].get("namespace", "") for d in answer.items())
    candidates = sorted(
        ns
        for ns in counts
        if ns not in SYSTEM_NAMESPACES and not ns.startswith("kube-") and not _is_monitoring(ns)
    )
    if len(candidates) == 1:
        draft.found(
            "target.namespace", candidates[0], "the only non-system namespace with Deployments"
        )
        return candidates[0]
    picked = choose("target.namespace", candidates) if candidates else None
    if picked:
        draft.found(
            "target.namespace",
            picked,
            f"chosen from the namespaces with Deployments: {', '.join(candidates)}",
        )
        return picked
    draft.missing(
        "target.namespace",
        "the context names no namespace; namespaces with Deployments: "
        + (", ".join(f"{ns} ({counts[ns]})" for ns in candidates) or "none"),
    )
    return ""


def _is_monitoring(namespace: str) -> bool:
    return any(word in namespace for word in ("monitoring", "prometheus", "observability"))


def _workloads(reader: KubeReader, draft: Draft, choose: Chooser, ns: str, clues: Clues) -> None:
    deployments = reader.get(f"/apis/apps/v1/namespaces/{ns}/deployments")
    if deployments.ok and deployments.items():
        names = sorted(d["metadata"]["name"] for d in deployments.items())
        draft.found("target.services", names, f"the {len(names)} Deployments in namespace {ns}")
        _health_endpoint(draft, deployments.items())
    else:
        draft.missing(
            "target.services",
            deployments.why(f"Deployments in {ns}")
            if not deployments.ok
            else f"no Deployment in {ns}",
        )
    services = reader.get(f"/api/v1/namespaces/{ns}/services")
    if not services.ok:
        draft.missing("target.gateway_service", services.why(f"Services in {ns}"))
        return
    balancers = sorted(
        (s for s in services.items() if (s.get("spec") or {}).get("type") == "LoadBalancer"),
        key=lambda s: s["metadata"]["name"],
    )
    if deployments.ok:
        others = sorted(
            {s["metadata"]["name"] for s in services.items()}
            - {d["metadata"]["name"] for d in deployments.items()}
        )
        if others:
            draft.note(
                "target.services",
                f"Services without a Deployment of that name (not listed): {', '.join(others)}",
            )
    names = [s["metadata"]["name"] for s in balancers]
    if len(balancers) == 1:
        gateway = balancers[0]
        draft.found("target.gateway_service", names[0], f"the only LoadBalancer Service in {ns}")
    elif balancers and (picked := choose("target.gateway_service", names)):
        gateway = next(s for s in balancers if s["metadata"]["name"] == picked)
        draft.found(
            "target.gateway_service",
            picked,
            f"chosen from the LoadBalancer Services in {ns}: {', '.join(names)}",
        )
    else:
        draft.missing(
            "target.gateway_service", f"LoadBalancer Services in {ns}: {', '.join(names) or 'none'}"
        )
        gateway = None
    ingresses = reader.get(f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses")
    if gateway is not None:
        _gateway(draft, gateway, clues)
    _ingresses(draft, ingresses, ns, clues)
    _endpoints(draft, gateway, clues)


def _health_endpoint(draft: Draft, deployments: list[dict[str, Any]]) -> None:
    """The health port and path most readiness probes use (what the service proxy checks)."""
    seen: Counter[tuple[int, str]] = Counter()
    for dep in deployments:
        for container in (dep.get("spec") or {}).get("template", {}).get("spec", {}).get(
            "containers"
        ) or []:
            get = ((container.get("readinessProbe") or {}).get("httpGet")) or {}
            port = get.get("port")
            if isinstance(port, str):  # a named port: its number from the container's ports
                port = next(
                    (
                        p.get("containerPort")
                        for p in container.get("ports") or []
                        if p.get("name") == port
                    ),
                    None,
                )
            if isinstance(port, int) and get.get("path"):
                seen[(port, get["path"])] += 1
    if seen:
        (port, path), count = seen.most_common(1)[0]
        source = f"the readinessProbe of {count} of {len(deployments)} Deployments"
        draft.found("http.health_port", port, source)
        draft.found("http.health_path", path, source)
    else:
        draft.missing("http.health_port", "no Deployment has an httpGet readinessProbe")


def _gateway(draft: Draft, gateway: dict[str, Any], clues: Clues) -> None:
    name = gateway["metadata"]["name"]
    annotations = gateway["metadata"].get("annotations") or {}
    for ingress in ((gateway.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
        if ingress.get("hostname"):
            clues.lb_hostnames.append(ingress["hostname"])
    for key in HOSTNAME_ANNOTATIONS:
        for host in (annotations.get(key) or "").split(","):
            if host.strip() and host.strip() not in clues.domains:
                clues.domains.append(host.strip())
                draft.note("target.domains", f"{host.strip()}: annotation {key} of Service {name}")
    for key in CERT_ANNOTATIONS:
        clues.cert_arns += [
            arn.strip() for arn in (annotations.get(key) or "").split(",") if arn.strip()
        ]


def _ingresses(draft: Draft, answer: Any, ns: str, clues: Clues) -> None:
    if not answer.ok:
        if answer.status != 404:
            draft.note("target.domains", answer.why(f"Ingresses in {ns}"))
        return
    for ing in answer.items():
        spec, name = ing.get("spec") or {}, ing["metadata"]["name"]
        hosts = [r.get("host") for r in spec.get("rules") or []] + [
            h for t in spec.get("tls") or [] for h in t.get("hosts") or []
        ]
        for host in hosts:
            if host and not host.startswith("*") and host not in clues.domains:
                clues.domains.append(host)
                draft.note("target.domains", f"{host}: a host of Ingress {ns}/{name}")
        for ingress in ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
            if ingress.get("hostname"):
                clues.lb_hostnames.append(ingress["hostname"])
        annotations = ing["metadata"].get("annotations") or {}
        clues.cert_arns += [
            a.strip()
            for k in CERT_ANNOTATIONS
            for a in (annotations.get(k) or "").split(",")
            if a.strip()
        ]


def _endpoints(draft: Draft, gateway: dict[str, Any] | None, clues: Clues) -> None:
    """The public API URL and TLS endpoint: the first domain, on the gateway's HTTPS port."""
    if not clues.domains:
        draft.missing(
            "target.domains", "no external-dns hostname on the gateway Service and no Ingress host"
        )
        draft.missing("http.api_url", "no production domain found")
        return
    draft.found(
        "target.domains",
        list(clues.domains),
        "the hostnames the gateway and the Ingresses answer for (below)",
    )
    ports = ((gateway or {}).get("spec") or {}).get("ports") or []
    https = next((p for p in ports if p.get("name") == "https" or p.get("port") == 443), None)
    domain = clues.domains[0]
    if https is None:
        draft.found(
            "http.api_url",
            f"https://{domain}",
            "the first domain; the gateway names no HTTPS port, so 443",
        )
        return
    port = https["port"]
    where = (
        f"the first domain, on port {port} of the gateway "
        f"Service's {https.get('name') or 'HTTPS'} port"
    )
    draft.found("http.api_url", f"https://{domain}" + ("" if port == 443 else f":{port}"), where)
    if port != 443:
        draft.found(
            "http.tls_endpoints",
            [f"{d}:{port}" for d in clues.domains],
            f"each domain on the gateway's port {port}",
        )
