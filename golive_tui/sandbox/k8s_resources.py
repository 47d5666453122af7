"""What the sandbox API server knows about resources: the catalogue and discovery.

The catalogue lists the resources the probes and `kubectl get` read, each with the columns
kubectl prints for it; discovery documents are derived from it. The Table document and its
cells are in `k8s_tables`; label and field selectors are parsed in `k8s_selectors`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .k8s_tables import (
    AGE,
    NAME,
    Column,
    Obj,
    external_ip,
    hpa_targets,
    is_ready,
    pod_ready,
    pod_status,
    selector_text,
    service_ports,
)


@dataclass(frozen=True)
class Resource:
    kind: str
    group: str
    """API group; "" for the core group."""
    version: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def prefix(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else "/api/v1"

    def discovery(self) -> Obj:
        return {
            "name": self.plural,
            "singularName": self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": ["get", "list"],
            "shortNames": list(self.short_names),
            "categories": ["all"] if self.namespaced else [],
        }


CATALOGUE: tuple[Resource, ...] = (
    Resource(
        "Namespace",
        "",
        "v1",
        "namespaces",
        False,
        ("ns",),
        (NAME, Column("Status", lambda o: o.get("status", {}).get("phase", "Active")), AGE),
    ),
    Resource(
        "Node",
        "",
        "v1",
        "nodes",
        False,
        ("no",),
        (
            NAME,
            Column(
                "Status",
                lambda o: "Ready" if is_ready(o["status"].get("conditions")) else "NotReady",
            ),
            Column("Roles", lambda o: "<none>"),
            AGE,
            Column("Version", lambda o: o["status"].get("nodeInfo", {}).get("kubeletVersion", "")),
            Column(
                "Internal-IP",
                lambda o: next(
                    (
                        a["address"]
                        for a in o["status"].get("addresses", [])
                        if a["type"] == "InternalIP"
                    ),
                    "<none>",
                ),
                priority=1,
            ),
            Column(
                "Zone",
                lambda o: (
                    o["metadata"].get("labels", {}).get("topology.kubernetes.io/zone", "<none>")
                ),
                priority=1,
            ),
            Column(
                "OS-Image", lambda o: o["status"].get("nodeInfo", {}).get("osImage", ""), priority=1
            ),
            Column(
                "Container-Runtime",
                lambda o: o["status"].get("nodeInfo", {}).get("containerRuntimeVersion", ""),
                priority=1,
            ),
        ),
    ),
    Resource(
        "Pod",
        "",
        "v1",
        "pods",
        True,
        ("po",),
        (
            NAME,
            Column("Ready", pod_ready),
            Column("Status", pod_status),
            Column(
                "Restarts",
                lambda o: sum(
                    c.get("restartCount", 0) for c in o["status"].get("containerStatuses", [])
                ),
                type="integer",
            ),
            AGE,
            Column("IP", lambda o: o["status"].get("podIP", "<none>"), priority=1),
            Column("Node", lambda o: o["spec"].get("nodeName", "<none>"), priority=1),
        ),
    ),
    Resource(
        "Service",
        "",
        "v1",
        "services",
        True,
        ("svc",),
        (
            NAME,
            Column("Type", lambda o: o["spec"].get("type", "ClusterIP")),
            Column("Cluster-IP", lambda o: o["spec"].get("clusterIP", "<none>")),
            Column("External-IP", external_ip),
            Column("Port(s)", service_ports),
            AGE,
            Column(
                "Selector",
                lambda o: (
                    ",".join(f"{k}={v}" for k, v in (o["spec"].get("selector") or {}).items())
                    or "<none>"
                ),
                priority=1,
            ),
        ),
    ),
    Resource(
        "ConfigMap",
        "",
        "v1",
        "configmaps",
        True,
        ("cm",),
        (
            NAME,
            Column(
                "Data",
                lambda o: len(o.get("data", {})) + len(o.get("binaryData", {})),
                type="integer",
            ),
            AGE,
        ),
    ),
    Resource(
        "Secret",
        "",
        "v1",
        "secrets",
        True,
        (),
        (
            NAME,
            Column("Type", lambda o: o.get("type", "Opaque")),
            Column("Data", lambda o: len(o.get("data", {})), type="integer"),
            AGE,
        ),
    ),
    Resource(
        "Deployment",
        "apps",
        "v1",
        "deployments",
        True,
        ("deploy",),
        (
            NAME,
            Column(
                "Ready",
                lambda o: f"{o['status'].get('readyReplicas', 0)}/{o['spec'].get('replicas', 1)}",
            ),
            Column("Up-to-date", lambda o: o["status"].get("updatedReplicas", 0), type="integer"),
            Column("Available", lambda o: o["status"].get("availableReplicas", 0), type="integer"),
            AGE,
            Column(
                "Containers",
                lambda o: ",".join(c["name"] for c in o["spec"]["template"]["spec"]["containers"]),
                priority=1,
            ),
            Column(
                "Images",
                lambda o: ",".join(c["image"] for c in o["spec"]["template"]["spec"]["containers"]),
                priority=1,
            ),
            Column("Selector", lambda o: selector_text(o["spec"].get("selector")), priority=1),
        ),
    ),
    Resource(
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        True,
        ("hpa",),
        (
            NAME,
            Column(
                "Reference",
                lambda o: (
                    f"{o['spec']['scaleTargetRef']['kind']}/{o['spec']['scaleTargetRef']['name']}"
                ),
            ),
            Column("Targets", hpa_targets),
            Column("MinPods", lambda o: o["spec"].get("minReplicas", 1), type="integer"),
            Column("MaxPods", lambda o: o["spec"]["maxReplicas"], type="integer"),
            Column(
                "Replicas", lambda o: o.get("status", {}).get("currentReplicas", 0), type="integer"
            ),
            AGE,
        ),
    ),
    Resource(
        "PodDisruptionBudget",
        "policy",
        "v1",
        "poddisruptionbudgets",
        True,
        ("pdb",),
        (
            NAME,
            Column("Min Available", lambda o: str(o["spec"].get("minAvailable", "N/A"))),
            Column("Max Unavailable", lambda o: str(o["spec"].get("maxUnavailable", "N/A"))),
            Column(
                "Allowed Disruptions",
                lambda o: o.get("status", {}).get("disruptionsAllowed", 0),
                type="integer",
            ),
            AGE,
            Column("Selector", lambda o: selector_text(o["spec"].get("selector")), priority=1),
        ),
    ),
)
CATALOGUE += (  # issue 29: the rollout history `kubectl rollout undo` reads
    Resource(
        "ReplicaSet",
        "apps",
        "v1",
        "replicasets",
        True,
        ("rs",),
        (
            NAME,
            Column("Desired", lambda o: o["spec"].get("replicas", 1), type="integer"),
            Column("Current", lambda o: o["status"].get("replicas", 0), type="integer"),
            Column("Ready", lambda o: o["status"].get("readyReplicas", 0), type="integer"),
            AGE,
            Column(
                "Images",
                lambda o: ",".join(c["image"] for c in o["spec"]["template"]["spec"]["containers"]),
                priority=1,
            ),
        ),
    ),
)
BY_KIND = {(r.group_version, r.kind): r for r in CATALOGUE}
GROUPS = sorted({(r.group, r.version) for r in CATALOGUE if r.group})


def find(group: str, version: str, plural: str) -> Resource | None:
    return next(
        (r for r in CATALOGUE if (r.group, r.version, r.plural) == (group, version, plural)), None
    )


def api_versions(address: str) -> Obj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def api_group(group: str) -> Obj | None:
    versions = [v for g, v in GROUPS if g == group]
    if not versions:
        return None
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": gvs,
        "preferredVersion": gvs[0],
    }


def api_group_list() -> Obj:
    groups = [api_group(g) for g in dict.fromkeys(g for g, _ in GROUPS)]
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {k: v for k, v in g.items() if k not in ("kind", "apiVersion")} for g in groups if g
        ],
    }


def resource_list(group: str, version: str) -> Obj | None:
    resources = [r for r in CATALOGUE if (r.group, r.version) == (group, version)]
    if not resources:
        return None
    entries = [r.discovery() for r in resources]
    if not group:
        entries.append(
            {
                "name": "services/proxy",
                "singularName": "",
                "namespaced": True,
                "kind": "ServiceProxyOptions",
                "verbs": ["get"],
            }
        )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": resources[0].group_version,
        "resources": entries,
    }
