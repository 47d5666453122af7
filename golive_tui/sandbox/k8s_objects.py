"""Kubernetes objects for the sandbox cluster, built small and validated against the real schemas.

`healthy_cluster()` passes every k8s probe; `degraded_cluster()` holds the traps a careful
reviewer looks for: a NotReady node that is the only one in its zone, a deployment short of
replicas with a crash-looping pod, a missing HPA, a PDB that blocks all disruption, a
container overriding pod-level runAsNonRoot with runAsUser 0, a privileged container, a
literal DB_PASSWORD, a LoadBalancer without an address, a missing required env var.
"""

from __future__ import annotations

import copy
from typing import Any

from ..profile import SEED_SERVICES

Obj = dict[str, Any]
K8S_SCHEMA_VERSION = "1.32"


def validate(objects: list[Obj]) -> list[Obj]:
    """Strict validation against the real Kubernetes schemas: an invalid fixture fails loudly."""
    import kubernetes_validate

    for obj in objects:
        kubernetes_validate.validate(obj, K8S_SCHEMA_VERSION, strict=True)
    return objects


def _meta(name: str, namespace: str | None = None, labels: dict | None = None) -> dict:
    meta: dict[str, Any] = {"name": name, "uid": f"uid-{name}", "creationTimestamp": "2026-11-20T10:00:00Z"}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return meta


def node(name: str, zone: str, ready: bool = True) -> Obj:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": _meta(name, labels={"topology.kubernetes.io/zone": zone, "kubernetes.io/hostname": name}),
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "reason": "KubeletReady" if ready else "KubeletNotReady"}],
                       "nodeInfo": _node_info()}}


def _node_info() -> dict:
    return {"architecture": "amd64", "bootID": "b", "containerRuntimeVersion": "containerd://1.7", "kernelVersion": "6.1",
            "kubeProxyVersion": "v1.32.1", "kubeletVersion": "v1.32.1", "machineID": "m", "operatingSystem": "linux",
            "osImage": "Amazon Linux 2023", "systemUUID": "s"}


def hardened_container(name: str, env: list[dict] | None = None) -> dict:
    return {"name": name, "image": f"registry.example/{name}:1.4.2",
            "ports": [{"containerPort": 8080}],
            "env": env if env is not None else [
                {"name": "NODE_ENV", "value": "production"},
                {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}},
                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
            ],
            "securityContext": {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]}}}


def deployment(name: str, namespace: str, replicas: int = 3, available: int | None = None,
               pod_security: dict | None = None, containers: list[dict] | None = None) -> Obj:
    available = replicas if available is None else available
    labels = {"app": name, "tier": "backend"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(name, namespace, labels),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"securityContext": pod_security if pod_security is not None else {"runAsNonRoot": True, "runAsUser": 10001},
                                           "containers": containers or [hardened_container(name)]}}},
            "status": {"replicas": replicas, "readyReplicas": available, "availableReplicas": available,
                       "updatedReplicas": replicas}}


def pod(name: str, namespace: str, app: str, ready: bool = True, restarts: int = 0, crashloop: bool = False) -> Obj:
    state = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}} if crashloop else {"running": {"startedAt": "2026-11-28T09:00:00Z"}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": _meta(name, namespace, {"app": app}),
            "spec": {"containers": [{"name": app, "image": f"registry.example/{app}:1.4.2"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": [{"name": app, "ready": ready, "restartCount": restarts, "image": f"registry.example/{app}:1.4.2",
                                              "imageID": "sha256:abc", "state": state}]}}


def service(name: str, namespace: str, lb_host: str | None = None, kind: str = "ClusterIP") -> Obj:
    status = {"loadBalancer": {"ingress": [{"hostname": lb_host}]} if lb_host else {}}
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(name, namespace, {"app": name}),
            "spec": {"type": kind, "selector": {"app": name}, "ports": [{"port": 8080, "targetPort": 8080, "protocol": "TCP"}]},
            "status": status}


def hpa(name: str, namespace: str, target: str) -> Obj:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": _meta(name, namespace),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                     "minReplicas": 3, "maxReplicas": 12,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}


def pdb(name: str, namespace: str, selector: dict, max_unavailable: int = 1) -> Obj:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(name, namespace),
            "spec": {"maxUnavailable": max_unavailable, "selector": selector}}


def alert_rules(namespace: str, count: int = 4) -> Obj:
    rules = "\n".join(f"  - alert: Rule{n}\n    expr: up == 0\n    for: 5m" for n in range(count))
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("prometheus-rules", namespace),
            "data": {"alerts.yaml": f"groups:\n- name: golive\n  rules:\n{rules}\n"}}


def healthy_cluster(namespace: str = "autolytiq-prod", services: list[str] | None = None) -> list[Obj]:
    services = services or list(SEED_SERVICES)
    objs: list[Obj] = [node(f"ip-10-0-{i}-10", f"eu-west-1{z}") for i, z in enumerate("abc", 1)]
    for n, name in enumerate(services):
        # Some deployments set runAsNonRoot only at pod level (passes: the container inherits it).
        pod_sc = {"runAsNonRoot": True} if n % 2 else {"runAsNonRoot": True, "runAsUser": 10001}
        objs.append(deployment(name, namespace, pod_security=pod_sc))
        objs += [pod(f"{name}-7d9f-{i}", namespace, name) for i in range(3)]
        objs.append(service(name, namespace, *(("lb-123.elb.example.com", "LoadBalancer") if name == "api-gateway" else ())))
        objs.append(hpa(f"{name}-hpa", namespace, name))
    # PDB names deliberately unlike the deployments: coverage is by selector, not name.
    objs.append(pdb("pdb-core", namespace, {"matchExpressions": [{"key": "app", "operator": "In", "values": services[:3]}]}))
    objs += [pdb(f"budget-{n}", namespace, {"matchLabels": {"app": name}}) for n, name in enumerate(services[3:])]
    objs.append(alert_rules("monitoring"))
    return validate(objs)


def degraded_cluster(namespace: str = "autolytiq-prod", services: list[str] | None = None) -> list[Obj]:
    services = services or list(SEED_SERVICES)
    objs = [o for o in copy.deepcopy(healthy_cluster(namespace, services))]

    def find(kind: str, name: str) -> Obj:
        return next(o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name)

    find("Node", "ip-10-0-3-10")["status"]["conditions"][0].update(status="False", reason="KubeletNotReady")
    deal = find("Deployment", "deal-service")
    deal["status"].update(availableReplicas=1, readyReplicas=1)
    crash = find("Pod", "deal-service-7d9f-1")
    crash["status"]["containerStatuses"][0].update(ready=False, restartCount=12,
                                                   state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}})
    crash["status"]["conditions"][0]["status"] = "False"
    objs.remove(find("HorizontalPodAutoscaler", "inventory-service-hpa"))
    find("PodDisruptionBudget", "budget-0")["spec"]["maxUnavailable"] = 0  # blocks every voluntary eviction
    customer = find("Deployment", "customer-service")["spec"]["template"]["spec"]["containers"][0]
    customer["securityContext"]["runAsUser"] = 0  # overrides pod-level runAsNonRoot
    tax = find("Deployment", "tax-engine")["spec"]["template"]["spec"]["containers"][0]
    tax["securityContext"]["privileged"] = True
    auth = find("Deployment", "auth-service")["spec"]["template"]["spec"]["containers"][0]
    auth["env"] = [e for e in auth["env"] if e["name"] != "DB_PASSWORD"] + [{"name": "DB_PASSWORD", "value": "hunter2"}]
    auth["env"] = [e for e in auth["env"] if e["name"] != "NODE_ENV"]  # a required env var missing
    find("Service", "api-gateway")["status"] = {"loadBalancer": {}}
    return validate(objs)


def mixed_cluster(namespace: str = "autolytiq-prod", services: list[str] | None = None) -> list[Obj]:
    """The demo's production: mostly healthy, with a few realistic failures (zones, replicas, HPA, root)."""
    services = services or list(SEED_SERVICES)
    objs = copy.deepcopy(healthy_cluster(namespace, services))

    def find(kind: str, name: str) -> Obj:
        return next(o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name)

    find("Node", "ip-10-0-3-10")["status"]["conditions"][0].update(status="False", reason="KubeletNotReady")
    find("Deployment", "deal-service")["status"].update(availableReplicas=2, readyReplicas=2)
    crash = find("Pod", "deal-service-7d9f-1")
    crash["status"]["containerStatuses"][0].update(ready=False, restartCount=7,
                                                   state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}})
    crash["status"]["conditions"][0]["status"] = "False"
    objs.remove(find("HorizontalPodAutoscaler", "inventory-service-hpa"))
    customer = find("Deployment", "customer-service")["spec"]["template"]["spec"]["containers"][0]
    customer["securityContext"]["runAsUser"] = 0  # overrides pod-level runAsNonRoot
    return validate(objs)
