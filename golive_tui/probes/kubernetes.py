"""Kubernetes probes (the `kubernetes` client, never kubectl): cluster, nodes, workloads, policies.

Each probe names the offending objects in its evidence. Semantics follow what a careful
reviewer checks by hand: only Ready nodes count toward zones; an HPA covers a deployment
through scaleTargetRef and a PDB through its selector (names need not match); container
security settings override the pod's (Polaris' rule). Client, deadline and error mapping
live in `k8s_client`, the judgement in `k8s_rules`, the env-var probes in `k8s_env`,
`k8s.exec` in `k8s_exec`. Objects are the API's JSON (camelCase dicts).
"""

from __future__ import annotations

from typing import Any

from . import (  # noqa: F401  (registers their kinds)
    k8s_env,
    k8s_exec,
    k8s_rollback,  # noqa: F401  (registers its kind)
)
from . import k8s_rules as rules
from .base import NoParams, ProbeContext, ProbeParams, ProbeResult, failed, passed, profile_services
from .k8s_client import K8s, deployments, k8s_probe, none_deployed, ns_path

ZONE = "topology.kubernetes.io/zone"


class ClusterParams(ProbeParams):
    min_version: str = ""
    """e.g. "1.30": fail when the API server is older."""


class NodeParams(ProbeParams):
    min_ready: int = 3
    min_zones: int = 3


class LoadBalancerParams(ProbeParams):
    service: str = ""
    """Service name; empty: profile target.gateway_service."""


class DeploymentParams(ProbeParams):
    max_restarts: int = 5


class AlertRuleParams(ProbeParams):
    configmap: str = ""
    namespace: str = ""
    min_alerts: int = 0
    """0: profile kubernetes.min_alert_rules."""


def _join(problems: list[str]) -> str:
    return "; ".join(problems)


@k8s_probe("k8s.cluster", ClusterParams)
def cluster(ctx: ProbeContext, params: ClusterParams) -> ProbeResult:
    """The API server answers with its version (at least min_version) and has Ready nodes."""
    k8s = K8s(ctx)
    info = k8s.get("/version")
    version = str(info.get("gitVersion", "?"))
    nodes = k8s.list("/api/v1/nodes")
    ready = sum(rules.condition_true(n) for n in nodes)
    evidence = (
        f"API server {k8s.host}: Kubernetes {version} "
        f"({info.get('platform', '?')})\n{ready}/{len(nodes)} nodes Ready"
    )
    if params.min_version and rules.version_tuple(version) < rules.version_tuple(
        params.min_version
    ):
        return failed(f"Kubernetes {version} is older than {params.min_version}", evidence)
    if not ready:
        return failed(f"Kubernetes {version} has no Ready node ({len(nodes)} nodes)", evidence)
    return passed(f"Kubernetes {version} answers; {ready}/{len(nodes)} nodes Ready", evidence)


@k8s_probe("k8s.nodes", NodeParams)
def nodes(ctx: ProbeContext, params: NodeParams) -> ProbeResult:
    """At least min_ready Ready nodes over at least min_zones zones; NotReady and cordoned nodes
    don't count."""
    k8s = K8s(ctx)
    zones: dict[str, list[str]] = {}
    left_out: list[str] = []
    for node in k8s.list("/api/v1/nodes"):
        node_name, zone = rules.name(node), rules.labels(node).get(ZONE)
        where = f"{node_name} ({zone or 'no zone label'})"
        if not rules.condition_true(node):
            left_out.append(f"NotReady: {where}")
        elif rules.spec(node).get("unschedulable"):
            left_out.append(f"cordoned: {where}")
        elif zone is None:
            left_out.append(f"no {ZONE} label: {node_name}")
        else:
            zones.setdefault(zone, []).append(node_name)
    ready = sum(len(names) for names in zones.values())
    evidence = "\n".join(
        [f"{zone}: {', '.join(sorted(names))}" for zone, names in sorted(zones.items())] + left_out
    )
    summary = f"{ready} Ready nodes in {len(zones)} zones"
    if ready < params.min_ready or len(zones) < params.min_zones:
        extra = f"; {', '.join(left_out)}" if left_out else ""
        return failed(f"{summary} (need {params.min_ready} in {params.min_zones}){extra}", evidence)
    return passed(summary, evidence)


@k8s_probe("k8s.load-balancer", LoadBalancerParams)
def load_balancer(ctx: ProbeContext, params: LoadBalancerParams) -> ProbeResult:
    """The gateway Service is type LoadBalancer, has an ingress address and Ready pods behind it."""
    k8s = K8s(ctx)
    name, ns = params.service or ctx.profile.target.gateway_service, ctx.profile.target.namespace
    svc = k8s.find(ns_path(ctx, "v1", "services", name))
    if svc is None:
        return failed(
            f"service/{name} not found in namespace {ns}", f"GET service {ns}/{name}: 404"
        )
    ingress = [
        i.get("hostname") or i.get("ip")
        for i in (rules.status(svc).get("loadBalancer") or {}).get("ingress") or []
        if i.get("hostname") or i.get("ip")
    ]
    selector = rules.spec(svc).get("selector") or {}
    kind = rules.spec(svc).get("type", "ClusterIP")
    pods = []
    if selector:
        pods = k8s.list(
            ns_path(ctx, "v1", "pods"),
            labelSelector=",".join(f"{k}={v}" for k, v in selector.items()),
        )
    ready = sum(rules.condition_true(p) for p in pods)
    evidence = (
        f"service/{name}: type {kind}, ingress {', '.join(ingress) or '(none)'}\nselector "
        f"{','.join(f'{k}={v}' for k, v in selector.items()) or '(none)'}: {ready}/{len(pods)} "
        "pods Ready"
    )
    if kind != "LoadBalancer":
        return failed(f"service/{name} is {kind}, not LoadBalancer", evidence)
    if not ingress:
        return failed(f"service/{name} has no load balancer address yet", evidence)
    if not ready:
        return failed(
            f"service/{name} at {ingress[0]} has no Ready pod behind it: health checks would fail",
            evidence,
        )
    return passed(f"service/{name} exposed at {ingress[0]} ({ready} Ready pods)", evidence)


@k8s_probe("k8s.deployments", DeploymentParams)
def deployments_ready(ctx: ProbeContext, params: DeploymentParams) -> ProbeResult:
    """Every profile service's deployment has available = desired replicas and Ready,
    non-crash-looping pods."""
    services = profile_services(ctx)
    k8s = K8s(ctx)
    by_name = deployments(k8s)
    pods = k8s.list(ns_path(ctx, "v1", "pods"))
    problems, lines = [], []
    for name in services:
        k8s.check_cancel()
        dep = by_name.get(name)
        if dep is None:
            problems.append(f"deployment/{name} not found")
            lines.append(f"deployment/{name}: not found in {ctx.profile.target.namespace}")
            continue
        desired, available = (
            rules.replicas(dep),
            int(rules.status(dep).get("availableReplicas") or 0),
        )
        mine = [
            p
            for p in pods
            if rules.selector_matches(rules.spec(dep).get("selector"), rules.labels(p))
        ]
        pod_issues = [
            f"pod {rules.name(p)}: {', '.join(found)}"
            for p in mine
            if (found := rules.pod_problems(p, params.max_restarts))
        ]
        lines.append(
            f"deployment/{name}: {available}/{desired} available, "
            f"{sum(rules.condition_true(p) for p in mine)}/{len(mine)} pods Ready"
        )
        lines += [f"  {issue}" for issue in pod_issues]
        if desired == 0:
            problems.append(f"deployment/{name}: scaled to 0 replicas")
        elif available < desired or pod_issues:
            detail = f" ({'; '.join(pod_issues)})" if pod_issues else ""
            problems.append(f"deployment/{name}: {available}/{desired} available{detail}")
    if problems:
        return failed(_join(problems), "\n".join(lines))
    return passed(f"all {len(services)} deployments fully available, pods Ready", "\n".join(lines))


@k8s_probe("k8s.hpa", NoParams)
def hpa(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """A HorizontalPodAutoscaler targets (scaleTargetRef) the deployment of every profile service,
    and is able to scale it."""
    services = profile_services(ctx)
    k8s = K8s(ctx)
    hpas = k8s.list(ns_path(ctx, "autoscaling/v2", "horizontalpodautoscalers"))
    targeted: dict[str, list[str]] = {}
    stuck: dict[str, str] = {}
    lines = []
    for h in hpas:
        ref, hs = rules.spec(h).get("scaleTargetRef") or {}, rules.spec(h)
        # The spec says what the HPA would do; its conditions say whether it can (metrics served,
        # target scalable).
        down = [
            c
            for c in rules.status(h).get("conditions") or []
            if c.get("type") in ("AbleToScale", "ScalingActive") and c.get("status") == "False"
        ]
        lines.append(
            f"hpa/{rules.name(h)} -> {ref.get('kind')}/{ref.get('name')} "
            f"(min {hs.get('minReplicas') or 1}, max {hs.get('maxReplicas')})"
            + "".join(
                f"; {c['type']} False: {c.get('reason', '?')} {c.get('message', '')}".rstrip()
                for c in down
            )
        )
        if ref.get("kind") != "Deployment":
            continue
        if down:
            stuck[ref.get("name", "")] = (
                f"hpa/{rules.name(h)} cannot scale it ({down[0]['type']} False: "
                f"{down[0].get('reason', '?')})"
            )
        else:
            targeted.setdefault(ref.get("name", ""), []).append(rules.name(h))
    without = [s for s in services if s not in targeted]
    lines += [
        f"deployment/{s}: " + (stuck[s] if s in stuck else "no HPA targets it") for s in without
    ]
    if without:
        missing = [s for s in without if s not in stuck]
        parts = [f"no HPA for: {', '.join(missing)}"] if missing else []
        parts += [f"deployment/{s}: {stuck[s]}" for s in without if s in stuck]
        return failed("; ".join(parts), "\n".join(lines))
    return passed(
        f"every deployment autoscaled ({len(services)} services, {len(hpas)} HPAs)",
        "\n".join(lines),
    )


@k8s_probe("k8s.pdb", NoParams)
def pdb(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """A PDB selects every profile deployment's pods (by selector, not name) and none blocks all
    disruption."""
    services = profile_services(ctx)
    k8s = K8s(ctx)
    pdbs = k8s.list(ns_path(ctx, "policy/v1", "poddisruptionbudgets"))
    by_name = deployments(k8s)

    def pods_selected(budget: Any) -> int:
        # All deployments of the namespace count, not only the profile's: that is what the budget
        # guards.
        return sum(
            rules.replicas(d)
            for d in by_name.values()
            if rules.selector_matches(rules.spec(budget).get("selector"), rules.template_labels(d))
        )

    problems, lines = [], []
    for name in services:
        dep = by_name.get(name)
        if dep is None:
            problems.append(f"deployment/{name} not found")
            continue
        pod_labels = rules.template_labels(dep)
        covering = [
            b for b in pdbs if rules.selector_matches(rules.spec(b).get("selector"), pod_labels)
        ]
        if not covering:
            problems.append(f"deployment/{name}: no PDB selects its pods")
            lines.append(
                f"deployment/{name} ({', '.join(f'{k}={v}' for k, v in pod_labels.items())}): no "
                "PDB"
            )
            continue
        lines.append(
            f"deployment/{name}: covered by "
            f"{', '.join(f'pdb/{rules.name(b)} ({rules.pdb_budget(b)})' for b in covering)}"
        )
        for budget in covering:
            why = rules.pdb_blocks_all(budget, pods_selected(budget))
            if why:
                problems.append(f"pdb/{rules.name(budget)} blocks all disruption of {name} ({why})")
    for budget in pdbs:
        if not pods_selected(budget):
            lines.append(
                f"pdb/{rules.name(budget)} "
                f"({rules.selector_text(rules.spec(budget).get('selector'))}) selects no "
                "deployment's pods"
            )
    if problems:
        return failed(_join(problems), "\n".join(lines))
    return passed(
        f"all {len(services)} deployments covered by PDBs that allow disruption", "\n".join(lines)
    )


@k8s_probe("k8s.container-security", NoParams)
def container_security(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every container (init too) runs as non-root, read-only root FS, no privilege escalation, not
    privileged."""
    k8s = K8s(ctx)
    by_name = deployments(k8s)
    if not by_name:
        return none_deployed(ctx)
    findings = []
    checked = 0
    for name, dep in sorted(by_name.items()):
        k8s.check_cancel()
        spec = rules.pod_spec(dep)
        checked += len(rules.containers(spec))
        findings += [
            f"deployment/{name}/{label}: {'; '.join(reasons)}"
            for label, reasons in rules.container_findings(spec)
        ]
    scope = f"{checked} containers in {len(by_name)} deployments of {ctx.profile.target.namespace}"
    if findings:
        names = [f.split(":")[0].removeprefix("deployment/") for f in findings]
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        return failed(
            f"{len(findings)} of {checked} containers unsafe: {shown}",
            "\n".join([*findings, f"checked {scope}"]),
        )
    return passed(
        f"all {scope} hardened",
        f"checked {scope}: non-root, read-only root FS, no privilege escalation, not privileged",
    )


@k8s_probe("k8s.alert-rules", AlertRuleParams)
def alert_rules(ctx: ProbeContext, params: AlertRuleParams) -> ProbeResult:
    """The Prometheus alert-rules ConfigMap exists and holds at least the minimum number of `alert:`
    rules."""
    k8s = K8s(ctx)
    name = params.configmap or ctx.profile.kubernetes.alert_rules_configmap
    ns = params.namespace or ctx.profile.target.monitoring_namespace
    minimum = params.min_alerts or ctx.profile.kubernetes.min_alert_rules
    cm = k8s.find(ns_path(ctx, "v1", "configmaps", name, namespace=ns))
    if cm is None:
        return failed(
            f"configmap/{name} not found in namespace {ns}", f"GET configmap {ns}/{name}: 404"
        )
    data = cm.get("data") or {}
    alerts = rules.alert_names(data)
    evidence = (
        f"configmap {ns}/{name} ({', '.join(data) or 'no data'}): {len(alerts)} alert rules\n"
        + "\n".join(alerts)
    )
    if len(alerts) < minimum:
        return failed(
            f"{len(alerts)} alert rules in configmap {ns}/{name} (need at least {minimum})",
            evidence.rstrip(),
        )
    return passed(f"{len(alerts)} alert rules in configmap {ns}/{name}", evidence.rstrip())
