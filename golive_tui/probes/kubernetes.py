"""Kubernetes probes (the `kubernetes` client; never kubectl): cluster, nodes, workloads, policies.

Each probe names the offending objects in its evidence. Semantics follow what a careful
reviewer checks by hand: only Ready nodes count toward zones; a PDB covers a deployment
when its selector matches the pod labels (names need not match); container settings
override pod settings (Polaris' rule).
"""

from __future__ import annotations

from .base import ProbeContext, ProbeParams, ProbeResult, failed, passed, probe
from .k8s_client import api_client, call

ZONE = "topology.kubernetes.io/zone"
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY", "ACCESS_KEY")


class NoParams(ProbeParams):
    pass


class ClusterParams(ProbeParams):
    min_version: str = ""


class NodeParams(ProbeParams):
    min_ready: int = 3
    min_zones: int = 3


class LoadBalancerParams(ProbeParams):
    service: str = ""


class DeploymentParams(ProbeParams):
    max_restarts: int = 5


class AlertRuleParams(ProbeParams):
    configmap: str = ""
    namespace: str = ""
    min_alerts: int = 0


def _core(ctx):
    from kubernetes import client

    return client.CoreV1Api(api_client(ctx))


def _apps(ctx):
    from kubernetes import client

    return client.AppsV1Api(api_client(ctx))


def _deployments(ctx) -> list:
    ns = ctx.profile.target.namespace
    return call(ctx, _apps(ctx).list_namespaced_deployment, ns).items


def _expected(ctx, deployments: list) -> tuple[dict, list[str]]:
    by_name = {d.metadata.name: d for d in deployments}
    missing = [s for s in ctx.profile.target.services if s not in by_name]
    return by_name, missing


@probe("k8s.cluster", ClusterParams)
def cluster(ctx: ProbeContext, params: ClusterParams) -> ProbeResult:
    """The API server answers; its version is at least min_version."""
    from kubernetes import client

    info = call(ctx, client.VersionApi(api_client(ctx)).get_code)
    version = f"{info.major}.{info.minor}".replace("+", "")
    evidence = f"{api_client(ctx).configuration.host}: Kubernetes {info.git_version} ({info.platform})"
    if params.min_version and tuple(int(x) for x in version.split(".")[:2]) < tuple(int(x) for x in params.min_version.split(".")[:2]):
        return failed(f"Kubernetes {version} is older than {params.min_version}", evidence)
    return passed(f"API server reachable, Kubernetes {info.git_version}", evidence)


@probe("k8s.nodes", NodeParams)
def nodes(ctx: ProbeContext, params: NodeParams) -> ProbeResult:
    """At least min_ready Ready nodes spread over at least min_zones zones (NotReady nodes don't count)."""
    items = call(ctx, _core(ctx).list_node).items
    zones: dict[str, list[str]] = {}
    not_ready = []
    for node in items:
        ready = any(c.type == "Ready" and c.status == "True" for c in (node.status.conditions or []))
        zone = (node.metadata.labels or {}).get(ZONE, "(no zone label)")
        if ready:
            zones.setdefault(zone, []).append(node.metadata.name)
        else:
            not_ready.append(f"{node.metadata.name} ({zone})")
    ready_count = sum(len(v) for v in zones.values())
    lines = [f"{zone}: {', '.join(sorted(names))}" for zone, names in sorted(zones.items())]
    lines += [f"NotReady: {name}" for name in not_ready]
    summary = f"{ready_count} Ready nodes in {len(zones)} zones"
    if ready_count < params.min_ready or len(zones) < params.min_zones:
        extra = f"; NotReady: {', '.join(not_ready)}" if not_ready else ""
        return failed(f"{summary} (need {params.min_ready} in {params.min_zones}){extra}", "\n".join(lines))
    return passed(summary, "\n".join(lines))


@probe("k8s.load-balancer", LoadBalancerParams)
def load_balancer(ctx: ProbeContext, params: LoadBalancerParams) -> ProbeResult:
    """The gateway Service is type LoadBalancer and has an ingress address."""
    name = params.service or ctx.profile.target.gateway_service
    svc = call(ctx, _core(ctx).read_namespaced_service, name, ctx.profile.target.namespace)
    ingress = [i.hostname or i.ip for i in ((svc.status.load_balancer and svc.status.load_balancer.ingress) or [])]
    evidence = f"service/{name}: type {svc.spec.type}, ingress {', '.join(ingress) or '(none)'}"
    if svc.spec.type != "LoadBalancer":
        return failed(f"service/{name} is {svc.spec.type}, not LoadBalancer", evidence)
    if not ingress:
        return failed(f"service/{name} has no load balancer address yet", evidence)
    return passed(f"service/{name} exposed at {ingress[0]}", evidence)


@probe("k8s.deployments", DeploymentParams)
def deployments(ctx: ProbeContext, params: DeploymentParams) -> ProbeResult:
    """Every expected deployment exists with available = desired; pods are Ready and not crash-looping."""
    by_name, missing = _expected(ctx, _deployments(ctx))
    problems = [f"deployment/{m} missing" for m in missing]
    lines = []
    for name in ctx.profile.target.services:
        dep = by_name.get(name)
        if dep is None:
            continue
        desired = dep.spec.replicas if dep.spec.replicas is not None else 1
        available = dep.status.available_replicas or 0
        lines.append(f"deployment/{name}: {available}/{desired} available")
        if available < desired:
            problems.append(f"deployment/{name}: {available}/{desired} available")
    pods = call(ctx, _core(ctx).list_namespaced_pod, ctx.profile.target.namespace).items
    for pod in pods:
        for cs in pod.status.container_statuses or []:
            waiting = cs.state.waiting.reason if cs.state and cs.state.waiting else ""
            if waiting == "CrashLoopBackOff":
                problems.append(f"pod/{pod.metadata.name}: CrashLoopBackOff")
            if cs.restart_count > params.max_restarts:
                problems.append(f"pod/{pod.metadata.name}/{cs.name}: {cs.restart_count} restarts")
    if problems:
        return failed("; ".join(sorted(set(problems))), "\n".join(lines))
    return passed(f"all {len(ctx.profile.target.services)} deployments fully available, pods healthy", "\n".join(lines))


@probe("k8s.hpa", NoParams)
def hpa(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """A HorizontalPodAutoscaler targets every expected deployment."""
    from kubernetes import client

    hpas = call(ctx, client.AutoscalingV2Api(api_client(ctx)).list_namespaced_horizontal_pod_autoscaler,
                ctx.profile.target.namespace).items
    targeted = {h.spec.scale_target_ref.name: h for h in hpas if h.spec.scale_target_ref.kind == "Deployment"}
    lines = [f"hpa/{h.metadata.name} -> deployment/{h.spec.scale_target_ref.name} ({h.spec.min_replicas}-{h.spec.max_replicas})" for h in hpas]
    without = [s for s in ctx.profile.target.services if s not in targeted]
    if without:
        return failed(f"no HPA for: {', '.join(without)}", "\n".join(lines))
    return passed(f"every deployment autoscaled ({len(targeted)} HPAs)", "\n".join(lines))


def _selector_matches(selector, labels: dict[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in (selector.match_labels or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.match_expressions or []:
        present, value = expr.key in labels, labels.get(expr.key)
        ok = {"In": present and value in (expr.values or []), "NotIn": not present or value not in (expr.values or []),
              "Exists": present, "DoesNotExist": not present}.get(expr.operator, False)
        if not ok:
            return False
    return bool(selector.match_labels or selector.match_expressions)


def _blocks_all(pdb, replicas: int) -> bool:
    spec = pdb.spec
    if spec.max_unavailable is not None:
        return str(spec.max_unavailable) in ("0", "0%")
    if spec.min_available is not None:
        value = str(spec.min_available)
        return value == "100%" or (value.isdigit() and int(value) >= replicas)
    return False


@probe("k8s.pdb", NoParams)
def pdb(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every deployment is covered by a PDB whose selector matches its pods; no PDB blocks all disruption."""
    from kubernetes import client

    pdbs = call(ctx, client.PolicyV1Api(api_client(ctx)).list_namespaced_pod_disruption_budget, ctx.profile.target.namespace).items
    by_name, _ = _expected(ctx, _deployments(ctx))
    problems, lines = [], []
    for name in ctx.profile.target.services:
        dep = by_name.get(name)
        if dep is None:
            continue
        labels = dep.spec.template.metadata.labels or {}
        covering = [p for p in pdbs if _selector_matches(p.spec.selector, labels)]
        if not covering:
            problems.append(f"deployment/{name} not covered by any PDB")
            continue
        lines.append(f"deployment/{name}: covered by {', '.join('pdb/' + p.metadata.name for p in covering)}")
        replicas = dep.spec.replicas if dep.spec.replicas is not None else 1
        for p in covering:
            if _blocks_all(p, replicas):
                problems.append(f"pdb/{p.metadata.name} blocks all disruption of {name}")
    if problems:
        return failed("; ".join(sorted(set(problems))), "\n".join(lines))
    return passed("every deployment covered by a PDB that allows disruption", "\n".join(lines))


def _container_problems(spec) -> list[str]:
    pod_sc = spec.security_context
    out = []
    for container in list(spec.init_containers or []) + list(spec.containers or []):
        sc = container.security_context
        non_root = sc.run_as_non_root if sc and sc.run_as_non_root is not None else (pod_sc.run_as_non_root if pod_sc else None)
        user = sc.run_as_user if sc and sc.run_as_user is not None else (pod_sc.run_as_user if pod_sc else None)
        reasons = []
        if user == 0:
            reasons.append("runAsUser 0")
        elif not (non_root or (user is not None and user > 0)):
            reasons.append("may run as root (no runAsNonRoot / runAsUser)")
        if not (sc and sc.read_only_root_filesystem):
            reasons.append("root filesystem writable")
        if not (sc and sc.allow_privilege_escalation is False):
            reasons.append("allowPrivilegeEscalation not false")
        if sc and sc.privileged:
            reasons.append("privileged")
        out += [f"{container.name}: {r}" for r in reasons]
    return out


@probe("k8s.container-security", NoParams)
def container_security(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Containers run as non-root, read-only root FS, no privilege escalation, not privileged."""
    problems = []
    deps = _deployments(ctx)
    for dep in deps:
        problems += [f"deployment/{dep.metadata.name}/{p}" for p in _container_problems(dep.spec.template.spec)]
    if problems:
        return failed(f"{len(problems)} container setting(s) unsafe: {'; '.join(problems[:4])}{' …' if len(problems) > 4 else ''}",
                      "\n".join(problems))
    return passed(f"all containers of {len(deps)} deployments hardened", f"{len(deps)} deployments checked")


def _env_names(dep) -> set[str]:
    return {e.name for c in dep.spec.template.spec.containers for e in (c.env or [])}


@probe("k8s.env-vars", NoParams)
def env_vars(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Each deployment defines the env var names the profile requires (target.required_env)."""
    required = ctx.profile.target.required_env
    by_name, missing_deps = _expected(ctx, _deployments(ctx))
    problems = [f"deployment/{m} missing" for m in missing_deps]
    lines = []
    for name, dep in sorted(by_name.items()):
        wanted = set(required.get("*", [])) | set(required.get(name, []))
        have = _env_names(dep)
        lines.append(f"deployment/{name}: {len(have)} env vars")
        absent = sorted(wanted - have)
        if absent:
            problems.append(f"deployment/{name} lacks {', '.join(absent)}")
    if problems:
        return failed("; ".join(problems), "\n".join(lines))
    return passed("required env vars present" if required else "no required env vars listed in the profile; all deployments present", "\n".join(lines))


@probe("k8s.secret-refs", NoParams)
def secret_refs(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Env vars named like secrets come from Secrets (valueFrom), never literal values in the spec."""
    problems = []
    for dep in _deployments(ctx):
        for container in dep.spec.template.spec.containers:
            for env in container.env or []:
                if any(word in env.name.upper() for word in SECRET_WORDS) and env.value:
                    problems.append(f"deployment/{dep.metadata.name}/{container.name}: {env.name} is a literal value")
    if problems:
        return failed(f"secrets hardcoded in specs: {'; '.join(problems)}", "\n".join(problems))
    return passed("secret-like env vars all come from Secrets", "no literal secret values found")


@probe("k8s.alert-rules", AlertRuleParams)
def alert_rules(ctx: ProbeContext, params: AlertRuleParams) -> ProbeResult:
    """The Prometheus alert-rules ConfigMap exists and holds enough `alert:` rules."""
    name = params.configmap or ctx.profile.kubernetes.alert_rules_configmap
    namespace = params.namespace or ctx.profile.target.monitoring_namespace
    minimum = params.min_alerts or ctx.profile.kubernetes.min_alert_rules
    cm = call(ctx, _core(ctx).read_namespaced_config_map, name, namespace)
    count = sum(text.count("alert:") for text in (cm.data or {}).values())
    evidence = f"configmap/{name} in {namespace}: {count} alert rules in {', '.join(cm.data or {}) or 'no keys'}"
    if count < minimum:
        return failed(f"{count} alert rules in configmap/{name} (need ≥ {minimum})", evidence)
    return passed(f"{count} alert rules in configmap/{name}", evidence)
