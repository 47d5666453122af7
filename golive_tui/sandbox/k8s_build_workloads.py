"""Builders of workload objects: Deployments, their Pods and containers, and the ConfigMaps
and Secrets they read.

Split from `k8s_build` (which holds the shared metadata helpers and the `Cluster`) to keep
each module one sitting long; a scenario in `k8s_objects` composes these with `k8s_build_serving`.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

from .k8s_build import CREATED, Obj, _hash, condition, meta

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

HARDENED: Obj = {
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
}
"""Container securityContext that passes every check when the pod sets a non-root user."""
NON_ROOT_POD: Obj = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def env(name: str, value: str) -> Obj:
    return {"name": name, "value": value}


def secret_env(name: str, secret: str, key: str) -> Obj:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def container(
    name: str,
    image: str,
    *,
    env_vars: list[Obj] | None = None,
    port: int | None = 8080,
    security: Obj | None = None,
    command: list[str] | None = None,
) -> Obj:
    """A container; `security` is its securityContext (None: the container sets none)."""
    data: Obj = {"name": name, "image": image if "/" in image else f"{REGISTRY}/{image}"}
    if command:
        data["command"] = command
    if port:
        data["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        data["readinessProbe"] = {"httpGet": {"path": "/health", "port": port}, "periodSeconds": 10}
    if env_vars:
        data["env"] = list(env_vars)
    data["resources"] = {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"memory": "512Mi"},
    }
    if security is not None:
        data["securityContext"] = dict(security)
    return data


def deployment(
    name: str,
    namespace: str,
    *,
    containers: list[Obj],
    replicas: int = 3,
    available: int | None = None,
    labels: dict[str, str] | None = None,
    init_containers: list[Obj] | None = None,
    pod_security: Obj | None = None,
) -> Obj:
    """An apps/v1 Deployment whose pods carry `app: name` plus `labels`; `available` defaults to
    `replicas`."""
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
        condition(
            "Available",
            enough,
            "MinimumReplicasAvailable" if enough else "MinimumReplicasUnavailable",
            "Deployment has minimum availability."
            if enough
            else "Deployment does not have minimum availability.",
        ),
        condition(
            "Progressing",
            True,
            "NewReplicaSetAvailable",
            f'ReplicaSet "{name}-{_hash(name)}" has successfully progressed.',
        ),
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, namespace, labels=pod_labels, generation=1),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {"metadata": {"labels": pod_labels}, "spec": pod_spec},
        },
        "status": status,
    }


def pods_for(
    deploy: Obj,
    nodes: list[str],
    *,
    not_ready: int | None = None,
    crashloop: int = 0,
    restarts: int = 0,
) -> list[Obj]:
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
                state: Obj = {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": (
                            f"back-off 5m0s restarting failed container={cont['name']} "
                            f"pod={pod_name}"
                        ),
                    }
                }
            elif ready:
                state = {"running": {"startedAt": CREATED}}
            else:
                state = {"waiting": {"reason": "ContainerCreating"}}
            statuses.append(
                {
                    "name": cont["name"],
                    "image": cont["image"],
                    "imageID": (
                        f"{cont['image'].split(':')[0]}@sha256:{hashlib.sha256(cont['image'].encode()).hexdigest()}"
                    ),
                    "ready": ready,
                    "started": ready,
                    "restartCount": restarts if crashing else 0,
                    "state": state,
                }
            )
        not_ready_reason = "" if ready else "ContainersNotReady"
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": meta(
                    pod_name,
                    ns,
                    labels={**template["metadata"]["labels"], "pod-template-hash": _hash(name)},
                    ownerReferences=[
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "name": rs,
                            "controller": True,
                            "blockOwnerDeletion": True,
                            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"golive-sandbox/{ns}/{rs}")),
                        }
                    ],
                ),
                "spec": {**template["spec"], "nodeName": nodes[index % len(nodes)]},
                "status": {
                    "phase": "Running" if ready or crashing else "Pending",
                    "conditions": [
                        condition("Ready", ready, not_ready_reason),
                        condition("ContainersReady", ready, not_ready_reason),
                        condition("PodScheduled", True),
                    ],
                    "podIP": f"10.0.{index % 3 + 1}.{10 + int(_hash(pod_name, 4), 16) % 240}",
                    "startTime": CREATED,
                    "containerStatuses": statuses,
                },
            }
        )
    return pods


def configmap(
    name: str, namespace: str, data: dict[str, str], labels: dict[str, str] | None = None
) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(name, namespace, labels=labels),
        "data": dict(data),
    }


def secret(name: str, namespace: str, keys: list[str]) -> Obj:
    """An Opaque Secret holding `keys` (sandbox values, never real ones)."""
    data = {key: base64.b64encode(f"sandbox-{name}-{key}".encode()).decode() for key in keys}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(name, namespace),
        "type": "Opaque",
        "data": data,
    }


def alert_rules_configmap(namespace: str, alerts: list[str], name: str = "prometheus-rules") -> Obj:
    """The Prometheus rules ConfigMap the seed greps for `alert:` lines."""
    rules = "".join(
        f"      - alert: {alert}\n"
        f"        expr: golive_sandbox_{alert.lower()} > 0\n        for: 5m\n"
        f"        labels:\n          severity: critical\n"
        for alert in alerts
    )
    return configmap(
        name,
        namespace,
        {"alerts.yaml": f"groups:\n  - name: autolytiq\n    rules:\n{rules}"},
        labels={"app.kubernetes.io/part-of": "prometheus"},
    )
