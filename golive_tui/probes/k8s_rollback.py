"""`k8s.rollback-history`: every service's Deployment has a revision to roll back to.

`kubectl rollout undo` goes to the Deployment's previous ReplicaSet (the highest revision
below the current one, by the `deployment.kubernetes.io/revision` annotation, among the
ReplicaSets the Deployment owns). revisionHistoryLimit 0 prunes them all; a first deploy has
none yet. The previous image is named in the evidence: the version a rollback would run.
"""

from __future__ import annotations

from typing import Any

from .base import Findings, NoParams, ProbeContext, ProbeResult, failed, profile_services
from .k8s_client import K8s, deployments, k8s_probe, none_deployed, ns_path

REVISION = "deployment.kubernetes.io/revision"


def _revision(obj: dict[str, Any]) -> int:
    value = (obj.get("metadata", {}).get("annotations") or {}).get(REVISION, "")
    return int(value) if str(value).isdigit() else 0


def _images(obj: dict[str, Any]) -> str:
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "containers"
    ) or []
    return ", ".join(str(c.get("image", "?")) for c in containers) or "?"


@k8s_probe("k8s.rollback-history", NoParams)
def rollback_history(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Each service's Deployment keeps revision history and has a previous ReplicaSet to roll back
    to."""
    services = profile_services(ctx)
    k8s = K8s(ctx)
    deploys = deployments(k8s)
    if not deploys:
        return none_deployed(ctx)
    sets = k8s.list(ns_path(ctx, "apps/v1", "replicasets"))
    owned: dict[str, list[dict[str, Any]]] = {}
    for rs in sets:
        for ref in rs.get("metadata", {}).get("ownerReferences") or []:
            if ref.get("kind") == "Deployment" and ref.get("controller"):
                owned.setdefault(str(ref.get("name")), []).append(rs)
    found = Findings()
    found.line(
        f"namespace {ctx.profile.target.namespace}: {len(deploys)} deployments, {len(sets)} "
        "ReplicaSets"
    )
    for service in services:
        deploy = deploys.get(service)
        if deploy is None:
            found.problem(f"deployment/{service} not found", f"  deployment/{service}: NOT FOUND")
            continue
        limit = (deploy.get("spec") or {}).get("revisionHistoryLimit", 10)
        current = _revision(deploy)
        older = sorted(
            (rs for rs in owned.get(service, []) if 0 < _revision(rs) < current), key=_revision
        )
        where = f"  deployment/{service}: revision {current or '?'}, revisionHistoryLimit {limit}"
        if limit == 0:
            found.problem(
                f"deployment/{service} keeps no history (revisionHistoryLimit 0)",
                f"{where}: NO HISTORY KEPT",
            )
        elif not older:
            found.problem(
                f"deployment/{service} has no previous revision to roll back to",
                f"{where}: no older ReplicaSet (first rollout, or history pruned)",
            )
        else:
            previous = older[-1]
            found.line(
                f"{where}: rollback to revision {_revision(previous)} "
                f"({previous['metadata'].get('name')}, {_images(previous)}); now {_images(deploy)}"
            )
    if not services:
        return failed("no service to check", found.evidence)
    return found.result(f"{len(services)} deployments can roll back to their previous revision")
