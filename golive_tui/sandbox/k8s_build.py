"""Builders of Kubernetes objects (plain dicts, as the API server returns them).

Each builder returns one object with apiVersion, kind, metadata, spec and status, small
enough that a scenario in `k8s_objects` reads like a description of a cluster.
`Cluster.validate` checks every object against the Kubernetes 1.32 schema before it is served.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from .k8s_exec_ws import CommandResult

Obj = dict[str, Any]

SCHEMA_VERSION = "1.32"
CREATED = (dt.datetime.now(dt.UTC) - dt.timedelta(days=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
"""creationTimestamp of every object: twelve days before the sandbox started."""
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

HARDENED: Obj = {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
"""Container securityContext that passes every check when the pod sets a non-root user."""
NON_ROOT_POD: Obj = {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}}


_VALID: set[str] = set()
"""Digests of objects already validated: scenarios share most objects, validation costs ~10 ms each."""


class FixtureError(ValueError):
    """A sandbox object that a real API server would refuse."""


def _hash(text: str, size: int = 10) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:size]


def meta(name: str, namespace: str = "", labels: dict[str, str] | None = None, **extra: Any) -> Obj:
    data: Obj = {"name": name}
    if namespace:
        data["namespace"] = namespace
    data.update(uid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"golive-sandbox/{namespace}/{name}")),
                resourceVersion="1", creationTimestamp=CREATED)
    if labels:
        data["labels"] = dict(labels)
    data.update(extra)
    return data


def condition(kind: str, ok: bool, reason: str = "", message: str = "", status: str | None = None) -> Obj:
    cond: Obj = {"type": kind, "status": status or ("True" if ok else "False"), "lastTransitionTime": CREATED}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


# --- cluster-scoped -------------------------------------------------------------------------------


def namespace(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(name, labels={"kubernetes.io/metadata.name": name}),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def node(name: str, zone: str, ready: bool = True, *, kubelet: str = "v1.32.3-eks-473151a") -> Obj:
    """A worker node in availability zone `zone`; a NotReady node's Ready condition is Unknown."""
    digest = hashlib.sha1(name.encode()).hexdigest()
    ready_cond = condition("Ready", ready, "KubeletReady" if ready else "NodeStatusUnknown",
                           "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.",
                           status=None if ready else "Unknown")
    ready_cond["lastHeartbeatTime"] = CREATED
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name, labels={
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "node.kubernetes.io/instance-type": "m6i.xlarge", "eks.amazonaws.com/nodegroup": "general",
            "topology.kubernetes.io/region": zone[:-1], "topology.kubernetes.io/zone": zone,
        }),
        "spec": {"providerID": f"aws:///{zone}/i-0{digest[:16]}"},
        "status": {
            "conditions": [ready_cond],
            "addresses": [{"type": "InternalIP", "address": f"10.0.{int(digest[2:4], 16)}.{int(digest[:2], 16)}"}],
            "nodeInfo": {
                "architecture": "amd64", "bootID": str(uuid.UUID(digest[:32])),
                "containerRuntimeVersion": "containerd://1.7.27", "kernelVersion": "6.1.132-147.221.amzn2023.x86_64",
                "kubeProxyVersion": kubelet, "kubeletVersion": kubelet, "machineID": digest[:32],
                "operatingSystem": "linux", "osImage": "Amazon Linux 2023.7.20250414",
                "systemUUID": str(uuid.UUID(digest[8:40])),
            },
        },
    }


# --- workloads ------------------------------------------------------------------------------------


def env(name: str, value: str) -> Obj:
    return {"name": name, "value": value}


def secret_env(name: str, secret: str, key: str) -> Obj:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def container(name: str, image: str, *, env_vars: list[Obj] | None = None, port: int | None = 8080,
              security: Obj | None = None, command: list[str] | None = None) -> Obj:
    """A container; `security` is its securityContext (None: the container sets none)."""
    data: Obj = {"name": name, "image": image if "/" in image else f"{REGISTRY}/{image}"}
    if command:
        data["command"] = command
    if port:
        data["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        data["readinessProbe"] = {"httpGet": {"path": "/health", "port": port}, "periodSeconds": 10}
    if env_vars:
        data["env"] = list(env_vars)
    data["resources"] = {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
    if security is not None:
        data["securityContext"] = dict(security)
    return data


def deployment(name: str, namespace: str, *, containers: list[Obj], replicas: int = 3, available: int | None = None,
               labels: dict[str, str] | None = None, init_containers: list[Obj] | None = None,
               pod_security: Obj | None = None) -> Obj:
    """An apps/v1 Deployment whose pods carry `app: name` plus `labels`; `available` defaults to `replicas`."""
    available = replicas if available is None else available
    pod_labels = {"app": name, **(labels or {})}
    pod_spec: Obj = {"serviceAccountName": name, "containers": containers}
    if init_containers:
        pod_spec["initContainers"] = init_containers
    if pod_security is not None:
        pod_spec["securityContext"] = dict(pod_security)
    status: Obj = {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas}
    if available:  # the API server omits zero counts
        status.update(readyReplicas=available, availableReplicas=available)
    if replicas > available:
        status["unavailableReplicas"] = replicas - available
    enough = available >= replicas
    status["conditions"] = [
        condition("Available", enough, "MinimumReplicasAvailable" if enough else "MinimumReplicasUnavailable",
                  "Deployment has minimum availability." if enough else "Deployment does not have minimum availability."),
        condition("Progressing", True, "NewReplicaSetAvailable", f'ReplicaSet "{name}-{_hash(name)}" has successfully progressed.'),
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, namespace, labels=pod_labels, generation=1),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": pod_labels}, "spec": pod_spec},
        },
        "status": status,
    }


def pods_for(deploy: Obj, nodes: list[str], *, not_ready: int | None = None, crashloop: int = 0, restarts: int = 0) -> list[Obj]:
    """The pods of a Deployment spread over `nodes`.

    `not_ready` pods (default: replicas - availableReplicas) are not Ready; the first
    `crashloop` of them wait in CrashLoopBackOff with `restarts` restarts.
    """
    spec = deploy["spec"]
    name, ns = deploy["metadata"]["name"], deploy["metadata"]["namespace"]
    if not_ready is None:
        not_ready = spec["replicas"] - deploy["status"].get("availableReplicas", 0)
    rs = f"{name}-{_hash(name)}"
    template = spec["template"]
    pods = []
    for index in range(spec["replicas"]):
        pod_name = f"{rs}-{_hash(f'{name}/{index}', 5)}"
        ready, crashing = index >= not_ready, index < min(crashloop, not_ready)
        statuses = []
        for cont in template["spec"]["containers"]:
            if crashing:
                state: Obj = {"waiting": {"reason": "CrashLoopBackOff",
                                          "message": f"back-off 5m0s restarting failed container={cont['name']} pod={pod_name}"}}
            elif ready:
                state = {"running": {"startedAt": CREATED}}
            else:
                state = {"waiting": {"reason": "ContainerCreating"}}
            statuses.append({"name": cont["name"], "image": cont["image"],
                             "imageID": f"{cont['image'].split(':')[0]}@sha256:{hashlib.sha256(cont['image'].encode()).hexdigest()}",
                             "ready": ready, "started": ready, "restartCount": restarts if crashing else 0, "state": state})
        not_ready_reason = "" if ready else "ContainersNotReady"
        pods.append({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta(pod_name, ns, labels={**template["metadata"]["labels"], "pod-template-hash": _hash(name)},
                             ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "controller": True,
                                               "blockOwnerDeletion": True,
                                               "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"golive-sandbox/{ns}/{rs}"))}]),
            "spec": {**template["spec"], "nodeName": nodes[index % len(nodes)]},
            "status": {
                "phase": "Running" if ready or crashing else "Pending",
                "conditions": [condition("Ready", ready, not_ready_reason), condition("ContainersReady", ready, not_ready_reason),
                               condition("PodScheduled", True)],
                "podIP": f"10.0.{index % 3 + 1}.{10 + int(_hash(pod_name, 4), 16) % 240}",
                "startTime": CREATED,
                "containerStatuses": statuses,
            },
        })
    return pods


# --- networking, scaling, disruption, config ------------------------------------------------------


def service(name: str, namespace: str, *, selector: dict[str, str] | None = None, type: str = "ClusterIP",
            port: int = 8080, ingress_hostname: str | None = None) -> Obj:
    """A Service; a LoadBalancer has an ingress address only when `ingress_hostname` is given."""
    digest = hashlib.sha1(f"{namespace}/{name}".encode()).digest()
    cluster_ip = f"172.20.{digest[0]}.{digest[1] or 1}"
    spec: Obj = {"type": type, "selector": {"app": name} if selector is None else selector, "clusterIP": cluster_ip,
                 "clusterIPs": [cluster_ip],
                 "ports": [{"name": "http", "port": 80 if type == "LoadBalancer" else port, "targetPort": port, "protocol": "TCP"}]}
    if type == "LoadBalancer":
        # Port 80 for the load balancer; the app's own port too, as the seed's in-cluster `curl http://$svc:8080/health` needs.
        spec["ports"].append({"name": "internal", "port": port, "targetPort": port, "protocol": "TCP"})
        for n, entry in enumerate(spec["ports"]):
            entry["nodePort"] = 30000 + (int.from_bytes(digest[2:4], "big") + n) % 2000
        spec["externalTrafficPolicy"] = "Cluster"
    status: Obj = {"loadBalancer": {"ingress": [{"hostname": ingress_hostname}]} if ingress_hostname else {}}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, namespace, labels={"app": name}), "spec": spec, "status": status}


def hpa(name: str, namespace: str, target: str, *, min_replicas: int = 3, max_replicas: int = 12, current: int = 3) -> Obj:
    """An autoscaling/v2 HPA scaling Deployment `target` on CPU utilisation."""
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta(name, namespace),
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                 "minReplicas": min_replicas, "maxReplicas": max_replicas,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
        "status": {"currentReplicas": current, "desiredReplicas": current,
                   "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 41, "averageValue": "102m"}}}],
                   "conditions": [condition("AbleToScale", True, "ReadyForNewScale"), condition("ScalingActive", True, "ValidMetricFound")]},
    }


def pdb(name: str, namespace: str, *, match_labels: dict[str, str] | None = None, match_expressions: list[Obj] | None = None,
        min_available: int | str | None = None, max_unavailable: int | str | None = None, expected_pods: int = 3) -> Obj:
    """A policy/v1 PodDisruptionBudget; its status is derived from `expected_pods` healthy pods."""
    selector: Obj = {}
    if match_labels:
        selector["matchLabels"] = dict(match_labels)
    if match_expressions:
        selector["matchExpressions"] = list(match_expressions)
    spec: Obj = {"selector": selector}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    allowed = _disruptions_allowed(expected_pods, min_available, max_unavailable)
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta(name, namespace, generation=1),
        "spec": spec,
        "status": {"observedGeneration": 1, "currentHealthy": expected_pods, "desiredHealthy": expected_pods - allowed,
                   "disruptionsAllowed": allowed, "expectedPods": expected_pods,
                   "conditions": [condition("DisruptionAllowed", allowed > 0, "SufficientPods" if allowed else "InsufficientPods",
                                             f"{allowed} disruptions allowed")]},
    }


def expression(key: str, operator: str, *values: str) -> Obj:
    """A label-selector requirement: expression("app", "In", "a", "b")."""
    return {"key": key, "operator": operator, **({"values": list(values)} if values else {})}


def _disruptions_allowed(pods: int, min_available: int | str | None, max_unavailable: int | str | None) -> int:
    def count(value: int | str) -> int:
        if isinstance(value, int):
            return value
        whole, rest = divmod(pods * int(value.rstrip("%")), 100)
        return whole + (1 if rest else 0)

    if max_unavailable is not None:
        return max(0, count(max_unavailable))
    if min_available is not None:
        return max(0, pods - count(min_available))
    return 0


def configmap(name: str, namespace: str, data: dict[str, str], labels: dict[str, str] | None = None) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(name, namespace, labels=labels), "data": dict(data)}


def secret(name: str, namespace: str, keys: list[str]) -> Obj:
    """An Opaque Secret holding `keys` (sandbox values, never real ones)."""
    data = {key: base64.b64encode(f"sandbox-{name}-{key}".encode()).decode() for key in keys}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta(name, namespace), "type": "Opaque", "data": data}


def alert_rules_configmap(namespace: str, alerts: list[str], name: str = "prometheus-rules") -> Obj:
    """The Prometheus rules ConfigMap the seed greps for `alert:` lines."""
    rules = "".join(f"      - alert: {alert}\n        expr: golive_sandbox_{alert.lower()} > 0\n        for: 5m\n"
                    f"        labels:\n          severity: critical\n" for alert in alerts)
    return configmap(name, namespace, {"alerts.yaml": f"groups:\n  - name: autolytiq\n    rules:\n{rules}"},
                     labels={"app.kubernetes.io/part-of": "prometheus"})


# --- a whole cluster ------------------------------------------------------------------------------


@dataclass
class Cluster:
    """The object set one sandbox API server serves."""

    objects: list[Obj] = field(default_factory=list)
    git_version: str = "v1.32.3-eks-4096722"
    proxy_status: dict[str, int] = field(default_factory=dict)
    """Service name -> HTTP status its service-proxy health answer is forced to."""
    health_path: str = "/health"
    """The path the services answer through the service proxy (others: the app's 404)."""
    commands: dict[str, dict[tuple[str, ...], CommandResult]] = field(default_factory=dict)
    """Deployment (pod label `app`) -> argv -> what `pods/exec` of that argv answers in its pods."""
    validated: bool = field(default=False, compare=False)
    """Set by validate(); add() and remove() clear it."""

    def add(self, *objs: Obj | list[Obj]) -> Cluster:
        for obj in objs:
            self.objects.extend(obj if isinstance(obj, list) else [obj])
        self.validated = False
        return self

    def find(self, kind: str, name: str, namespace: str = "") -> Obj:
        for obj in self.objects:
            md = obj["metadata"]
            if obj["kind"] == kind and md["name"] == name and (not namespace or md.get("namespace", "") == namespace):
                return obj
        raise KeyError(f"no {kind} {namespace + '/' if namespace else ''}{name} in the sandbox cluster")

    def remove(self, kind: str, name: str, namespace: str = "") -> Obj:
        obj = self.find(kind, name, namespace)
        self.objects.remove(obj)
        self.validated = False
        return obj

    def with_namespaces(self) -> Cluster:
        """Add a Namespace object for every namespace an object lives in (as a real cluster has)."""
        have = {o["metadata"]["name"] for o in self.objects if o["kind"] == "Namespace"}
        wanted = sorted({o["metadata"]["namespace"] for o in self.objects if o["metadata"].get("namespace")} - have)
        self.objects[:0] = [namespace(ns) for ns in ["default", "kube-system", *wanted] if ns not in have]
        self.validated = False
        return self

    def validate(self) -> Cluster:
        """Check every object against the Kubernetes schema; raise FixtureError naming the bad one."""
        import kubernetes_validate

        seen: set[tuple[str, str, str]] = set()
        for obj in self.objects:
            if not isinstance(obj, dict) or "apiVersion" not in obj or "kind" not in obj:
                raise FixtureError(f"sandbox object without apiVersion/kind: {str(obj)[:80]}")
            md = obj.get("metadata") or {}
            where = f"{obj['kind']} {md.get('namespace', '') + '/' if md.get('namespace') else ''}{md.get('name', '?')}"
            key = (obj["kind"], md.get("namespace", ""), md.get("name", ""))
            if key in seen:
                raise FixtureError(f"sandbox object {where} is defined twice")
            seen.add(key)
            digest = hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()
            if digest in _VALID:
                continue
            try:
                kubernetes_validate.validate(obj, SCHEMA_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                path = ".".join(str(part) for part in exc.path) or "(top level)"
                raise FixtureError(f"sandbox object {where} is invalid at {path}: {exc.message}") from None
            except kubernetes_validate.SchemaNotFoundError:
                raise FixtureError(f"sandbox object {where}: no {SCHEMA_VERSION} schema for {obj['apiVersion']} {obj['kind']}") from None
            _VALID.add(digest)
        self.validated = True
        return self
