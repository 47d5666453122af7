"""kubectl's Table form for the sandbox's resources: the `meta.k8s.io/v1` Table document, its
columns, and how each cell is computed from an object (a pod's status, a service's ports, an
HPA's targets).

Split from `k8s_resources`, whose catalogue names these columns per resource.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .k8s_resources import Resource

Obj = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    cell: Callable[[Obj], Any]
    type: str = "string"
    priority: int = 0
    """0: always shown; 1: only with `-o wide`."""
    format: str = ""


def age(obj: Obj, now: dt.datetime | None = None) -> str:
    created = dt.datetime.strptime(
        obj["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=dt.UTC)
    seconds = int(((now or dt.datetime.now(dt.UTC)) - created).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit != "d" else 1):
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def is_ready(conditions: list[Obj] | None) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions or [])


def pod_ready(pod: Obj) -> str:
    """kubectl's READY column: containers ready / containers."""
    ready = sum(1 for c in pod["status"].get("containerStatuses", []) if c.get("ready"))
    return f"{ready}/{len(pod['spec']['containers'])}"


def pod_status(pod: Obj) -> str:
    for cs in pod["status"].get("containerStatuses", []):
        waiting = cs.get("state", {}).get("waiting")
        if waiting and waiting.get("reason"):
            return cast(str, waiting["reason"])  # the API's ContainerStateWaiting.reason: a string
    return cast(str, pod["status"].get("phase", "Unknown"))  # PodStatus.phase: a string


def external_ip(svc: Obj) -> str:
    ingress = svc.get("status", {}).get("loadBalancer", {}).get("ingress", [])
    if ingress:
        return ",".join(i.get("hostname") or i.get("ip", "") for i in ingress)
    return "<pending>" if svc["spec"].get("type") == "LoadBalancer" else "<none>"


def service_ports(svc: Obj) -> str:
    return ",".join(
        f"{p['port']}{':' + str(p['nodePort']) if p.get('nodePort') else ''}"
        f"/{p.get('protocol', 'TCP')}"
        for p in svc["spec"].get("ports", [])
    )


def selector_text(selector: Obj | None) -> str:
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    parts += [
        f"{e['key']} {e['operator'].lower()} ({','.join(e.get('values', []))})"
        for e in selector.get("matchExpressions") or []
    ]
    return ",".join(parts) or "<none>"


def hpa_targets(h: Obj) -> str:
    out = []
    current = {
        m["resource"]["name"]: m["resource"]["current"]
        for m in h.get("status", {}).get("currentMetrics", [])
        if m.get("type") == "Resource"
    }
    for metric in h["spec"].get("metrics", []):
        if metric.get("type") == "Resource":
            name = metric["resource"]["name"]
            target = metric["resource"]["target"].get("averageUtilization")
            now = current.get(name, {}).get("averageUtilization")
            out.append(f"{name}: {'<unknown>' if now is None else f'{now}%'}/{target}%")
    return ", ".join(out) or "<none>"


NAME = Column("Name", lambda o: o["metadata"]["name"], format="name")
AGE = Column("Age", age)


def table(resource: Resource, objects: list[Obj]) -> Obj:
    """The `meta.k8s.io/v1` Table kubectl asks for (`Accept:
    application/json;as=Table;v=v1;g=meta.k8s.io`)."""
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "1"},
        "columnDefinitions": [
            {
                "name": c.name,
                "type": c.type,
                "format": c.format,
                "description": c.name,
                "priority": c.priority,
            }
            for c in resource.columns
        ],
        "rows": [
            {
                "cells": [c.cell(obj) for c in resource.columns],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj["metadata"],
                },
            }
            for obj in objects
        ],
    }
