"""Kubernetes probes (the `kubernetes` client, never kubectl): cluster, nodes, workloads, policies.

Each probe names the offending objects in its evidence. Semantics follow what a careful
reviewer checks by hand: only Ready nodes count toward zones; an HPA covers a deployment
through scaleTargetRef and a PDB through its selector (names need not match); container
security settings override the pod's (Polaris' rule). Client, deadline and error mapping
live in `k8s_client`, the judgement in `k8s_rules`.
"""

from __future__ import annotations

from typing import Any

from . import k8s_rules as rules
from .base import NoParams, NotConfigured, ProbeContext, ProbeParams, ProbeResult, failed, passed, probe
from .k8s_client import K8s

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


def _deployments(k8s: K8s) -> dict[str, Any]:
    items = k8s.call(k8s.apps().list_namespaced_deployment, k8s.ctx.profile.target.namespace).items
    return {d.metadata.name: d for d in items}


def _join(problems: list[str]) -> str:
    return "; ".join(problems)


@probe("k8s.cluster", ClusterParams)
def cluster(ctx: ProbeContext, params: ClusterParams) -> ProbeResult:
    """The API server answers with its version (at least min_version) and has Ready nodes."""
    k8s = K8s(ctx)
    info = k8s.call(k8s.version().get_code)
    nodes = k8s.call(k8s.core().list_node).items
    ready = sum(rules.condition_true(n) for n in nodes)
    evidence = f"API server {k8s.host}: Kubernetes {info.git_version} ({info.platform})\n{ready}/{len(nodes)} nodes Ready"
    if params.min_version and rules.version_tuple(info.git_version) < rules.version_tuple(params.min_version):
        return failed(f"Kubernetes {info.git_version} is older than {params.min_version}", evidence)
    if not ready:
        return failed(f"Kubernetes {info.git_version} has no Ready node ({len(nodes)} nodes)", evidence)
    return passed(f"Kubernetes {info.git_version} answers; {ready}/{len(nodes)} nodes Ready", evidence)


@probe("k8s.nodes", NodeParams)
def nodes(ctx: ProbeContext, params: NodeParams) -> ProbeResult:
    """At least min_ready Ready nodes over at least min_zones zones; NotReady and cordoned nodes don't count."""
    k8s = K8s(ctx)
    zones: dict[str, list[str]] = {}
    left_out: list[str] = []
    for node in k8s.call(k8s.core().list_node).items:
        zone = (node.metadata.labels or {}).get(ZONE)
        where = f"{node.metadata.name} ({zone or 'no zone label'})"
        if not rules.condition_true(node):
            left_out.append(f"NotReady: {where}")
        elif node.spec and node.spec.unschedulable:
            left_out.append(f"cordoned: {where}")
        elif zone is None:
            left_out.append(f"no {ZONE} label: {node.metadata.name}")
        else:
            zones.setdefault(zone, []).append(node.metadata.name)
    ready = sum(len(names) for names in zones.values())
    evidence = "\n".join([f"{zone}: {', '.join(sorted(names))}" for zone, names in sorted(zones.items())] + left_out)
    summary = f"{ready} Ready nodes in {len(zones)} zones"
    if ready < params.min_ready or len(zones) < params.min_zones:
        extra = f"; {', '.join(left_out)}" if left_out else ""
        return failed(f"{summary} (need {params.min_ready} in {params.min_zones}){extra}", evidence)
    return passed(summary, evidence)


@probe("k8s.load-balancer", LoadBalancerParams)
def load_balancer(ctx: ProbeContext, params: LoadBalancerParams) -> ProbeResult:
    """The gateway Service is type LoadBalancer, has an ingress address and Ready pods behind it."""
    k8s = K8s(ctx)
    name, ns = params.service or ctx.profile.target.gateway_service, ctx.profile.target.namespace
    svc = k8s.call(k8s.core().read_namespaced_service, name, ns, not_found=None)
    if svc is None:
        return failed(f"service/{name} not found in namespace {ns}", f"GET service {ns}/{name}: 404")
    lb = svc.status.load_balancer if svc.status else None
    ingress = [i.hostname or i.ip for i in (lb.ingress if lb else None) or [] if i.hostname or i.ip]
    selector = svc.spec.selector or {}
    pods = []
    if selector:
        label_selector = ",".join(f"{k}={v}" for k, v in selector.items())
        pods = k8s.call(k8s.core().list_namespaced_pod, ns, label_selector=label_selector).items
    ready = sum(rules.condition_true(p) for p in pods)
    evidence = (f"service/{name}: type {svc.spec.type}, ingress {', '.join(ingress) or '(none)'}\n"
                f"selector {','.join(f'{k}={v}' for k, v in selector.items()) or '(none)'}: {ready}/{len(pods)} pods Ready")
    if svc.spec.type != "LoadBalancer":
        return failed(f"service/{name} is {svc.spec.type}, not LoadBalancer", evidence)
    if not ingress:
        return failed(f"service/{name} has no load balancer address yet", evidence)
    if not ready:
        return failed(f"service/{name} at {ingress[0]} has no Ready pod behind it: health checks would fail", evidence)
    return passed(f"service/{name} exposed at {ingress[0]} ({ready} Ready pods)", evidence)


@probe("k8s.deployments", DeploymentParams)
def deployments(ctx: ProbeContext, params: DeploymentParams) -> ProbeResult:
    """Every profile service's deployment has available = desired replicas and Ready, non-crash-looping pods."""
    k8s = K8s(ctx)
    by_name = _deployments(k8s)
    pods = k8s.call(k8s.core().list_namespaced_pod, ctx.profile.target.namespace).items
    problems, lines = [], []
    for name in ctx.profile.target.services:
        k8s.check_cancel()
        dep = by_name.get(name)
        if dep is None:
            problems.append(f"deployment/{name} not found")
            lines.append(f"deployment/{name}: not found in {ctx.profile.target.namespace}")
            continue
        desired, available = rules.replicas(dep), (dep.status.available_replicas if dep.status else None) or 0
        mine = [p for p in pods if rules.selector_matches(dep.spec.selector, p.metadata.labels or {})]
        pod_issues = [f"pod {p.metadata.name}: {', '.join(found)}" for p in mine if (found := rules.pod_problems(p, params.max_restarts))]
        lines.append(f"deployment/{name}: {available}/{desired} available, {sum(rules.condition_true(p) for p in mine)}/{len(mine)} pods Ready")
        lines += [f"  {issue}" for issue in pod_issues]
        if desired == 0:
            problems.append(f"deployment/{name}: scaled to 0 replicas")
        elif available < desired or pod_issues:
            detail = f" ({'; '.join(pod_issues)})" if pod_issues else ""
            problems.append(f"deployment/{name}: {available}/{desired} available{detail}")
    if problems:
        return failed(_join(problems), "\n".join(lines))
    return passed(f"all {len(ctx.profile.target.services)} deployments fully available, pods Ready", "\n".join(lines))


@probe("k8s.hpa", NoParams)
def hpa(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """A HorizontalPodAutoscaler targets (scaleTargetRef) the deployment of every profile service."""
    k8s = K8s(ctx)
    hpas = k8s.call(k8s.autoscaling().list_namespaced_horizontal_pod_autoscaler, ctx.profile.target.namespace).items
    targeted: dict[str, list[str]] = {}
    lines = []
    for h in hpas:
        ref = h.spec.scale_target_ref
        lines.append(f"hpa/{h.metadata.name} -> {ref.kind}/{ref.name} (min {h.spec.min_replicas or 1}, max {h.spec.max_replicas})")
        if ref.kind == "Deployment":
            targeted.setdefault(ref.name, []).append(h.metadata.name)
    without = [s for s in ctx.profile.target.services if s not in targeted]
    lines += [f"deployment/{s}: no HPA targets it" for s in without]
    if without:
        return failed(f"no HPA for: {', '.join(without)}", "\n".join(lines))
    return passed(f"every deployment autoscaled ({len(ctx.profile.target.services)} services, {len(hpas)} HPAs)", "\n".join(lines))


@probe("k8s.pdb", NoParams)
def pdb(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """A PDB selects every profile deployment's pods (by selector, not name) and none blocks all disruption."""
    k8s = K8s(ctx)
    pdbs = k8s.call(k8s.policy().list_namespaced_pod_disruption_budget, ctx.profile.target.namespace).items
    by_name = _deployments(k8s)

    def pods_selected(budget: Any) -> int:
        # All deployments of the namespace count, not only the profile's: that is what the budget guards.
        return sum(rules.replicas(d) for d in by_name.values()
                   if rules.selector_matches(budget.spec.selector, (d.spec.template.metadata.labels or {})))

    problems, lines = [], []
    for name in ctx.profile.target.services:
        dep = by_name.get(name)
        if dep is None:
            problems.append(f"deployment/{name} not found")
            continue
        labels = dep.spec.template.metadata.labels or {}
        covering = [b for b in pdbs if rules.selector_matches(b.spec.selector, labels)]
        if not covering:
            problems.append(f"deployment/{name}: no PDB selects its pods")
            lines.append(f"deployment/{name} ({', '.join(f'{k}={v}' for k, v in labels.items())}): no PDB")
            continue
        lines.append(f"deployment/{name}: covered by {', '.join(f'pdb/{b.metadata.name} ({rules.pdb_budget(b)})' for b in covering)}")
        for budget in covering:
            why = rules.pdb_blocks_all(budget, pods_selected(budget))
            if why:
                problems.append(f"pdb/{budget.metadata.name} blocks all disruption of {name} ({why})")
    for budget in pdbs:
        if not pods_selected(budget):
            lines.append(f"pdb/{budget.metadata.name} ({rules.selector_text(budget.spec.selector)}) selects no deployment's pods")
    if problems:
        return failed(_join(problems), "\n".join(lines))
    return passed(f"all {len(ctx.profile.target.services)} deployments covered by PDBs that allow disruption", "\n".join(lines))


@probe("k8s.container-security", NoParams)
def container_security(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every container (init too) runs as non-root, read-only root FS, no privilege escalation, not privileged."""
    k8s = K8s(ctx)
    by_name = _deployments(k8s)
    findings = []
    checked = 0
    for name, dep in sorted(by_name.items()):
        k8s.check_cancel()
        spec = dep.spec.template.spec
        checked += len(spec.containers or []) + len(spec.init_containers or [])
        findings += [f"deployment/{name}/{label}: {'; '.join(reasons)}" for label, reasons in rules.container_findings(spec)]
    scope = f"{checked} containers in {len(by_name)} deployments of {ctx.profile.target.namespace}"
    if findings:
        names = [f.split(":")[0].removeprefix("deployment/") for f in findings]
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        return failed(f"{len(findings)} of {checked} containers unsafe: {shown}", "\n".join([*findings, f"checked {scope}"]))
    return passed(f"all {scope} hardened", f"checked {scope}: non-root, read-only root FS, no privilege escalation, not privileged")


def _env_names(dep: Any, configmaps: dict[str, Any]) -> tuple[set[str], set[str], list[str]]:
    """(names defined, names defined empty, envFrom Secrets not read) over the deployment's containers."""
    defined, empty, unread = set(), set(), []
    for container in dep.spec.template.spec.containers or []:
        for var in container.env or []:
            (defined if var.value or var.value_from else empty).add(var.name)
        for source in container.env_from or []:
            prefix = source.prefix or ""
            if source.config_map_ref is not None and source.config_map_ref.name in configmaps:
                defined |= {prefix + key for key in (configmaps[source.config_map_ref.name].data or {})}
            elif source.secret_ref is not None:
                unread.append(source.secret_ref.name)
    return defined, empty - defined, unread


@probe("k8s.env-vars", NoParams)
def env_vars(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Each deployment defines, non-empty, the env vars of profile target.required_env (`*`: every deployment)."""
    required = ctx.profile.target.required_env
    if not any(required.values()):
        raise NotConfigured("profile target.required_env lists no env var names to check")
    k8s = K8s(ctx)
    by_name = _deployments(k8s)
    uses_configmaps = any(s.config_map_ref for d in by_name.values() for c in d.spec.template.spec.containers or []
                          for s in c.env_from or [])
    configmaps = {}
    if uses_configmaps:
        configmaps = {c.metadata.name: c for c in k8s.call(k8s.core().list_namespaced_config_map, ctx.profile.target.namespace).items}
    names = list(dict.fromkeys([*ctx.profile.target.services, *(k for k in required if k != "*")]))
    problems, lines = [], []
    for name in names:
        wanted = list(dict.fromkeys([*required.get("*", []), *required.get(name, [])]))
        dep = by_name.get(name)
        if dep is None:
            problems.append(f"deployment/{name} not found")
            continue
        defined, empty, unread = _env_names(dep, configmaps)
        absent = [v for v in wanted if v not in defined and v not in empty]
        blank = [v for v in wanted if v in empty]
        note = f" (envFrom Secret {', '.join(unread)} not read)" if unread and absent else ""
        lines.append(f"deployment/{name}: {len(wanted) - len(absent) - len(blank)}/{len(wanted)} required env vars set"
                     + (f"; missing {', '.join(absent)}" if absent else "") + (f"; empty {', '.join(blank)}" if blank else "") + note)
        if absent:
            problems.append(f"deployment/{name} lacks {', '.join(absent)}{note}")
        if blank:
            problems.append(f"deployment/{name} sets {', '.join(blank)} empty")
    if problems:
        return failed(_join(problems), "\n".join(lines))
    return passed(f"required env vars set in all {len(names)} deployments", "\n".join(lines))


@probe("k8s.secret-refs", NoParams)
def secret_refs(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Env vars named like secrets (*PASSWORD*, *SECRET*, *TOKEN*, *KEY*) come from Secrets, never literals."""
    k8s = K8s(ctx)
    problems, refs = [], []
    for name, dep in sorted(_deployments(k8s).items()):
        spec = dep.spec.template.spec
        for container in [*(spec.init_containers or []), *(spec.containers or [])]:
            for var in container.env or []:
                if not rules.secret_like(var.name):
                    continue
                where = f"deployment/{name}/{container.name}: {var.name}"
                source = var.value_from
                if source is not None and source.secret_key_ref is not None:
                    refs.append(f"{where} from secret {source.secret_key_ref.name}")
                elif source is not None and source.config_map_key_ref is not None:
                    problems.append(f"{where} comes from configmap {source.config_map_key_ref.name}, not a Secret")
                elif var.value:  # the value itself is never shown
                    problems.append(f"{where} is a literal value (use valueFrom.secretKeyRef)")
    evidence = "\n".join(problems + refs) or "no secret-like env vars found"
    if problems:
        return failed(f"secret-like env vars not from Secrets: {_join(p.removeprefix('deployment/') for p in problems)}", evidence)
    return passed(f"all {len(refs)} secret-like env vars come from Secrets", evidence)


@probe("k8s.alert-rules", AlertRuleParams)
def alert_rules(ctx: ProbeContext, params: AlertRuleParams) -> ProbeResult:
    """The Prometheus alert-rules ConfigMap exists and holds at least the minimum number of `alert:` rules."""
    k8s = K8s(ctx)
    name = params.configmap or ctx.profile.kubernetes.alert_rules_configmap
    ns = params.namespace or ctx.profile.target.monitoring_namespace
    minimum = params.min_alerts or ctx.profile.kubernetes.min_alert_rules
    cm = k8s.call(k8s.core().read_namespaced_config_map, name, ns, not_found=None)
    if cm is None:
        return failed(f"configmap/{name} not found in namespace {ns}", f"GET configmap {ns}/{name}: 404")
    alerts = rules.alert_names(cm.data or {})
    evidence = f"configmap {ns}/{name} ({', '.join(cm.data or {}) or 'no data'}): {len(alerts)} alert rules\n" + "\n".join(alerts)
    if len(alerts) < minimum:
        return failed(f"{len(alerts)} alert rules in configmap {ns}/{name} (need at least {minimum})", evidence.rstrip())
    return passed(f"{len(alerts)} alert rules in configmap {ns}/{name}", evidence.rstrip())
