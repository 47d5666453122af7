"""Builders of the objects that serve a workload: the Service that exposes it, the HPA that
scales it and the PodDisruptionBudget that keeps enough of it up.

Split from `k8s_build` (the shared metadata helpers and the `Cluster`) to keep each module one
sitting long; `k8s_build_workloads` builds the Deployments these point at.
"""

from __future__ import annotations

import hashlib

from .k8s_build import Obj, condition, meta


def service(
    name: str,
    namespace: str,
    *,
    selector: dict[str, str] | None = None,
    type: str = "ClusterIP",
    port: int = 8080,
    ingress_hostname: str | None = None,
) -> Obj:
    """A Service; a LoadBalancer has an ingress address only when `ingress_hostname` is given."""
    digest = hashlib.sha1(f"{namespace}/{name}".encode()).digest()
    cluster_ip = f"172.20.{digest[0]}.{digest[1] or 1}"
    spec: Obj = {
        "type": type,
        "selector": {"app": name} if selector is None else selector,
        "clusterIP": cluster_ip,
        "clusterIPs": [cluster_ip],
        "ports": [
            {
                "name": "http",
                "port": 80 if type == "LoadBalancer" else port,
                "targetPort": port,
                "protocol": "TCP",
            }
        ],
    }
    if type == "LoadBalancer":
        # Port 80 for the load balancer; the app's own port too, as the seed's in-cluster `curl
        # http://$svc:8080/health` needs.
        spec["ports"].append(
            {"name": "internal", "port": port, "targetPort": port, "protocol": "TCP"}
        )
        for n, entry in enumerate(spec["ports"]):
            entry["nodePort"] = 30000 + (int.from_bytes(digest[2:4], "big") + n) % 2000
        spec["externalTrafficPolicy"] = "Cluster"
    status: Obj = {
        "loadBalancer": {"ingress": [{"hostname": ingress_hostname}]} if ingress_hostname else {}
    }
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name, namespace, labels={"app": name}),
        "spec": spec,
        "status": status,
    }


def hpa(
    name: str,
    namespace: str,
    target: str,
    *,
    min_replicas: int = 3,
    max_replicas: int = 12,
    current: int = 3,
) -> Obj:
    """An autoscaling/v2 HPA scaling Deployment `target` on CPU utilisation."""
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta(name, namespace),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": min_replicas,
            "maxReplicas": max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
        "status": {
            "currentReplicas": current,
            "desiredReplicas": current,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "current": {"averageUtilization": 41, "averageValue": "102m"},
                    },
                }
            ],
            "conditions": [
                condition("AbleToScale", True, "ReadyForNewScale"),
                condition("ScalingActive", True, "ValidMetricFound"),
            ],
        },
    }


def pdb(
    name: str,
    namespace: str,
    *,
    match_labels: dict[str, str] | None = None,
    match_expressions: list[Obj] | None = None,
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    expected_pods: int = 3,
) -> Obj:
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
        "status": {
            "observedGeneration": 1,
            "currentHealthy": expected_pods,
            "desiredHealthy": expected_pods - allowed,
            "disruptionsAllowed": allowed,
            "expectedPods": expected_pods,
            "conditions": [
                condition(
                    "DisruptionAllowed",
                    allowed > 0,
                    "SufficientPods" if allowed else "InsufficientPods",
                    f"{allowed} disruptions allowed",
                )
            ],
        },
    }


def expression(key: str, operator: str, *values: str) -> Obj:
    """A label-selector requirement: expression("app", "In", "a", "b")."""
    return {"key": key, "operator": operator, **({"values": list(values)} if values else {})}


def _disruptions_allowed(
    pods: int, min_available: int | str | None, max_unavailable: int | str | None
) -> int:
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
