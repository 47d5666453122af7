"""Builders of Kubernetes objects (plain dicts, as the API server returns them).

Each builder returns one object with apiVersion, kind, metadata, spec and status, small
enough that a scenario in `k8s_objects` reads like a description of a cluster.
`Cluster.validate` checks every object against the Kubernetes 1.32 schema before it is served.

This module holds what every builder shares (metadata, conditions), the cluster-scoped
objects (Namespace, Node) and the `Cluster`; workloads are built in `k8s_build_workloads`
and the objects serving them (Service, HPA, PDB) in `k8s_build_serving`.
"""

from __future__ import annotations

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

_VALID: set[str] = set()
"""Digests of objects already validated: scenarios share most objects, validation costs ~10 ms
each."""


class FixtureError(ValueError):
    """A sandbox object that a real API server would refuse."""


def _hash(text: str, size: int = 10) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:size]


def meta(name: str, namespace: str = "", labels: dict[str, str] | None = None, **extra: Any) -> Obj:
    data: Obj = {"name": name}
    if namespace:
        data["namespace"] = namespace
    data.update(
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"golive-sandbox/{namespace}/{name}")),
        resourceVersion="1",
        creationTimestamp=CREATED,
    )
    if labels:
        data["labels"] = dict(labels)
    data.update(extra)
    return data


def condition(
    kind: str, ok: bool, reason: str = "", message: str = "", status: str | None = None
) -> Obj:
    cond: Obj = {
        "type": kind,
        "status": status or ("True" if ok else "False"),
        "lastTransitionTime": CREATED,
    }
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


# --- cluster-scoped -------------------------------------------------------------------------------


def namespace(name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": meta(name, labels={"kubernetes.io/metadata.name": name}),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def node(name: str, zone: str, ready: bool = True, *, kubelet: str = "v1.32.3-eks-473151a") -> Obj:
    """A worker node in availability zone `zone`; a NotReady node's Ready condition is Unknown."""
    digest = hashlib.sha1(name.encode()).hexdigest()
    ready_cond = condition(
        "Ready",
        ready,
        "KubeletReady" if ready else "NodeStatusUnknown",
        "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.",
        status=None if ready else "Unknown",
    )
    ready_cond["lastHeartbeatTime"] = CREATED
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(
            name,
            labels={
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": "m6i.xlarge",
                "eks.amazonaws.com/nodegroup": "general",
                "topology.kubernetes.io/region": zone[:-1],
                "topology.kubernetes.io/zone": zone,
            },
        ),
        "spec": {"providerID": f"aws:///{zone}/i-0{digest[:16]}"},
        "status": {
            "conditions": [ready_cond],
            "addresses": [
                {
                    "type": "InternalIP",
                    "address": f"10.0.{int(digest[2:4], 16)}.{int(digest[:2], 16)}",
                }
            ],
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": str(uuid.UUID(digest[:32])),
                "containerRuntimeVersion": "containerd://1.7.27",
                "kernelVersion": "6.1.132-147.221.amzn2023.x86_64",
                "kubeProxyVersion": kubelet,
                "kubeletVersion": kubelet,
                "machineID": digest[:32],
                "operatingSystem": "linux",
                "osImage": "Amazon Linux 2023.7.20250414",
                "systemUUID": str(uuid.UUID(digest[8:40])),
            },
        },
    }


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
            if (
                obj["kind"] == kind
                and md["name"] == name
                and (not namespace or md.get("namespace", "") == namespace)
            ):
                return obj
        raise KeyError(
            f"no {kind} {namespace + '/' if namespace else ''}{name} in the sandbox cluster"
        )

    def remove(self, kind: str, name: str, namespace: str = "") -> Obj:
        obj = self.find(kind, name, namespace)
        self.objects.remove(obj)
        self.validated = False
        return obj

    def with_namespaces(self) -> Cluster:
        """Add a Namespace object for every namespace an object lives in (as a real cluster has)."""
        have = {o["metadata"]["name"] for o in self.objects if o["kind"] == "Namespace"}
        wanted = sorted(
            {o["metadata"]["namespace"] for o in self.objects if o["metadata"].get("namespace")}
            - have
        )
        self.objects[:0] = [
            namespace(ns) for ns in ["default", "kube-system", *wanted] if ns not in have
        ]
        self.validated = False
        return self

    def validate(self) -> Cluster:
        """Check every object against the Kubernetes schema; raise FixtureError naming the bad
        one."""
        # kubernetes-validate ships no type information (no py.typed) and has no stub package
        import kubernetes_validate  # type: ignore[import-untyped]

        seen: set[tuple[str, str, str]] = set()
        for obj in self.objects:
            if not isinstance(obj, dict) or "apiVersion" not in obj or "kind" not in obj:
                raise FixtureError(f"sandbox object without apiVersion/kind: {str(obj)[:80]}")
            md = obj.get("metadata") or {}
            where = (
                f"{obj['kind']} {md.get('namespace', '') + '/' if md.get('namespace') else ''}"
                f"{md.get('name', '?')}"
            )
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
                raise FixtureError(
                    f"sandbox object {where} is invalid at {path}: {exc.message}"
                ) from None
            except kubernetes_validate.SchemaNotFoundError:
                raise FixtureError(
                    f"sandbox object {where}: no {SCHEMA_VERSION} schema "
                    f"for {obj['apiVersion']} {obj['kind']}"
                ) from None
            _VALID.add(digest)
        self.validated = True
        return self
