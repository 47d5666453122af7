"""What the sandbox API server knows about resources: discovery, label selectors, kubectl tables.

The catalogue lists the resources the probes and `kubectl get` read; discovery documents
and `meta.k8s.io/v1` Tables (what kubectl prints) are derived from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    cell: Callable[[Obj], Any]
    type: str = "string"
    priority: int = 0
    """0: always shown; 1: only with `-o wide`."""
    format: str = ""


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
        return {"name": self.plural, "singularName": self.kind.lower(), "namespaced": self.namespaced, "kind": self.kind,
                "verbs": ["get", "list"], "shortNames": list(self.short_names), "categories": ["all"] if self.namespaced else []}


# --- table cells ------------------------------------------------------------------------------


def age(obj: Obj, now: dt.datetime | None = None) -> str:
    created = dt.datetime.strptime(obj["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    seconds = int(((now or dt.datetime.now(dt.UTC)) - created).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit != "d" else 1):
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def _ready(conditions: list[Obj] | None) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions or [])


def _pod_status(pod: Obj) -> str:
    for cs in pod["status"].get("containerStatuses", []):
        waiting = cs.get("state", {}).get("waiting")
        if waiting and waiting.get("reason"):
            return waiting["reason"]
    return pod["status"].get("phase", "Unknown")


def _external_ip(svc: Obj) -> str:
    ingress = svc.get("status", {}).get("loadBalancer", {}).get("ingress", [])
    if ingress:
        return ",".join(i.get("hostname") or i.get("ip", "") for i in ingress)
    return "<pending>" if svc["spec"].get("type") == "LoadBalancer" else "<none>"


def _ports(svc: Obj) -> str:
    return ",".join(f"{p['port']}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}"
                    for p in svc["spec"].get("ports", []))


def _selector_text(selector: Obj | None) -> str:
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    parts += [f"{e['key']} {e['operator'].lower()} ({','.join(e.get('values', []))})" for e in selector.get("matchExpressions") or []]
    return ",".join(parts) or "<none>"


def _hpa_targets(h: Obj) -> str:
    out = []
    current = {m["resource"]["name"]: m["resource"]["current"] for m in h.get("status", {}).get("currentMetrics", []) if m.get("type") == "Resource"}
    for metric in h["spec"].get("metrics", []):
        if metric.get("type") == "Resource":
            name = metric["resource"]["name"]
            target = metric["resource"]["target"].get("averageUtilization")
            now = current.get(name, {}).get("averageUtilization")
            out.append(f"{name}: {'<unknown>' if now is None else f'{now}%'}/{target}%")
    return ", ".join(out) or "<none>"


NAME = Column("Name", lambda o: o["metadata"]["name"], format="name")
AGE = Column("Age", age)

CATALOGUE: tuple[Resource, ...] = (
    Resource("Namespace", "", "v1", "namespaces", False, ("ns",), (
        NAME, Column("Status", lambda o: o.get("status", {}).get("phase", "Active")), AGE)),
    Resource("Node", "", "v1", "nodes", False, ("no",), (
        NAME,
        Column("Status", lambda o: "Ready" if _ready(o["status"].get("conditions")) else "NotReady"),
        Column("Roles", lambda o: "<none>"), AGE,
        Column("Version", lambda o: o["status"].get("nodeInfo", {}).get("kubeletVersion", "")),
        Column("Internal-IP", lambda o: next((a["address"] for a in o["status"].get("addresses", []) if a["type"] == "InternalIP"), "<none>"), priority=1),
        Column("Zone", lambda o: o["metadata"].get("labels", {}).get("topology.kubernetes.io/zone", "<none>"), priority=1),
        Column("OS-Image", lambda o: o["status"].get("nodeInfo", {}).get("osImage", ""), priority=1),
        Column("Container-Runtime", lambda o: o["status"].get("nodeInfo", {}).get("containerRuntimeVersion", ""), priority=1))),
    Resource("Pod", "", "v1", "pods", True, ("po",), (
        NAME,
        Column("Ready", lambda o: f"{sum(1 for c in o['status'].get('containerStatuses', []) if c.get('ready'))}/{len(o['spec']['containers'])}"),
        Column("Status", _pod_status),
        Column("Restarts", lambda o: sum(c.get("restartCount", 0) for c in o["status"].get("containerStatuses", [])), type="integer"),
        AGE,
        Column("IP", lambda o: o["status"].get("podIP", "<none>"), priority=1),
        Column("Node", lambda o: o["spec"].get("nodeName", "<none>"), priority=1))),
    Resource("Service", "", "v1", "services", True, ("svc",), (
        NAME, Column("Type", lambda o: o["spec"].get("type", "ClusterIP")),
        Column("Cluster-IP", lambda o: o["spec"].get("clusterIP", "<none>")),
        Column("External-IP", _external_ip), Column("Port(s)", _ports), AGE,
        Column("Selector", lambda o: ",".join(f"{k}={v}" for k, v in (o["spec"].get("selector") or {}).items()) or "<none>", priority=1))),
    Resource("ConfigMap", "", "v1", "configmaps", True, ("cm",), (
        NAME, Column("Data", lambda o: len(o.get("data", {})) + len(o.get("binaryData", {})), type="integer"), AGE)),
    Resource("Secret", "", "v1", "secrets", True, (), (
        NAME, Column("Type", lambda o: o.get("type", "Opaque")),
        Column("Data", lambda o: len(o.get("data", {})), type="integer"), AGE)),
    Resource("Deployment", "apps", "v1", "deployments", True, ("deploy",), (
        NAME,
        Column("Ready", lambda o: f"{o['status'].get('readyReplicas', 0)}/{o['spec'].get('replicas', 1)}"),
        Column("Up-to-date", lambda o: o["status"].get("updatedReplicas", 0), type="integer"),
        Column("Available", lambda o: o["status"].get("availableReplicas", 0), type="integer"), AGE,
        Column("Containers", lambda o: ",".join(c["name"] for c in o["spec"]["template"]["spec"]["containers"]), priority=1),
        Column("Images", lambda o: ",".join(c["image"] for c in o["spec"]["template"]["spec"]["containers"]), priority=1),
        Column("Selector", lambda o: _selector_text(o["spec"].get("selector")), priority=1))),
    Resource("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", True, ("hpa",), (
        NAME,
        Column("Reference", lambda o: f"{o['spec']['scaleTargetRef']['kind']}/{o['spec']['scaleTargetRef']['name']}"),
        Column("Targets", _hpa_targets),
        Column("MinPods", lambda o: o["spec"].get("minReplicas", 1), type="integer"),
        Column("MaxPods", lambda o: o["spec"]["maxReplicas"], type="integer"),
        Column("Replicas", lambda o: o.get("status", {}).get("currentReplicas", 0), type="integer"), AGE)),
    Resource("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", True, ("pdb",), (
        NAME,
        Column("Min Available", lambda o: str(o["spec"].get("minAvailable", "N/A"))),
        Column("Max Unavailable", lambda o: str(o["spec"].get("maxUnavailable", "N/A"))),
        Column("Allowed Disruptions", lambda o: o.get("status", {}).get("disruptionsAllowed", 0), type="integer"), AGE,
        Column("Selector", lambda o: _selector_text(o["spec"].get("selector")), priority=1))),
)
CATALOGUE += (  # issue 29: the rollout history `kubectl rollout undo` reads
    Resource("ReplicaSet", "apps", "v1", "replicasets", True, ("rs",), (
        NAME,
        Column("Desired", lambda o: o["spec"].get("replicas", 1), type="integer"),
        Column("Current", lambda o: o["status"].get("replicas", 0), type="integer"),
        Column("Ready", lambda o: o["status"].get("readyReplicas", 0), type="integer"), AGE,
        Column("Images", lambda o: ",".join(c["image"] for c in o["spec"]["template"]["spec"]["containers"]), priority=1))),
)
BY_KIND = {(r.group_version, r.kind): r for r in CATALOGUE}
GROUPS = sorted({(r.group, r.version) for r in CATALOGUE if r.group})


def find(group: str, version: str, plural: str) -> Resource | None:
    return next((r for r in CATALOGUE if (r.group, r.version, r.plural) == (group, version, plural)), None)


def api_versions(address: str) -> Obj:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]}


def api_group(group: str) -> Obj | None:
    versions = [v for g, v in GROUPS if g == group]
    if not versions:
        return None
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list() -> Obj:
    groups = [api_group(g) for g in dict.fromkeys(g for g, _ in GROUPS)]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [{k: v for k, v in g.items() if k not in ("kind", "apiVersion")} for g in groups if g]}


def resource_list(group: str, version: str) -> Obj | None:
    resources = [r for r in CATALOGUE if (r.group, r.version) == (group, version)]
    if not resources:
        return None
    entries = [r.discovery() for r in resources]
    if not group:
        entries.append({"name": "services/proxy", "singularName": "", "namespaced": True, "kind": "ServiceProxyOptions",
                        "verbs": ["get"]})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": resources[0].group_version, "resources": entries}


def table(resource: Resource, objects: list[Obj]) -> Obj:
    """The `meta.k8s.io/v1` Table kubectl asks for (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`)."""
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "1"},
        "columnDefinitions": [{"name": c.name, "type": c.type, "format": c.format, "description": c.name, "priority": c.priority}
                              for c in resource.columns],
        "rows": [{"cells": [c.cell(obj) for c in resource.columns],
                  "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}}
                 for obj in objects],
    }


# --- selectors ---------------------------------------------------------------------------------

_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_EQUALITY = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*([-A-Za-z0-9_.]*)\s*$")
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")

Requirement = tuple[str, str, frozenset[str]]


def parse_label_selector(text: str) -> list[Requirement]:
    """`app=web,tier in (a,b),!legacy` -> requirements; ValueError on bad syntax (the server answers 400)."""
    terms, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    out: list[Requirement] = []
    for term in terms:
        if not term.strip():
            continue
        if m := _EQUALITY.match(term):
            out.append((m[1], "!=" if m[2] == "!=" else "=", frozenset([m[3]])))
        elif m := _SET.match(term):
            out.append((m[1], m[2], frozenset(v.strip() for v in m[3].split(",") if v.strip())))
        elif m := _EXISTS.match(term):
            out.append((m[2], "!" if m[1] else "exists", frozenset()))
        else:
            raise ValueError(f"unable to parse requirement: {term.strip()!r}")
    return out


def label_selector_matches(requirements: list[Requirement], labels: dict[str, str]) -> bool:
    for key, op, values in requirements:
        present, value = key in labels, labels.get(key)
        ok = {"=": present and value in values, "in": present and value in values,
              "!=": not present or value not in values, "notin": not present or value not in values,
              "exists": present, "!": not present}[op]
        if not ok:
            return False
    return True


def field_selector_matches(text: str, obj: Obj) -> bool:
    """Only metadata.name and metadata.namespace, as most resources support; ValueError otherwise."""
    for term in filter(None, (t.strip() for t in text.split(","))):
        m = re.match(r"^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$", term)
        if not m:
            raise ValueError(f'field label not supported: "{term.split("=")[0].rstrip("!")}"')
        actual = obj["metadata"].get(m[1].split(".")[1], "")
        if (actual == m[3]) != (m[2] != "!="):
            return False
    return True
