"""Per-pod figures that are per pod: a `by (pod)` query over series without a `pod` label is a
service total.

`avg(sum by (pod) (rate(x[5m])))` is a per-pod average only when the series carry a `pod`
label; without one (a service-level exporter: an ingress, a mesh gateway, the ALB), `by
(pod)` makes a single group and the figure is the whole service's rate. So a per-pod query
first asks whether its series have the label:

- they do: the figure is per pod, and the evidence names the pods the series come from;
- they do not, and the row names the deployment (`per_pod_of`): the service total is
  divided by that Deployment's Ready pods, read from the cluster, and the label says so;
- they do not and no cluster answers: the figure is per service and is labelled so. A total
  that already misses the target fails (each pod's share is lower still); one that meets it
  decides nothing per pod: `error` with the reason.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from .base import ProbeContext, ProbeError, ProbeResult, Verdict, errored
from .k8s_client import K8s, api_client, ns_path

PER_POD = re.compile(r"\bby\s*\(\s*pod\s*\)")
SHOWN_PODS = 6


def is_per_pod(promql: str) -> bool:
    return bool(PER_POD.search(promql))


def _ready_pods(ctx: ProbeContext, deployment: str) -> int:
    """Ready pods of `deployment` in target.namespace (its status.readyReplicas), from the
    cluster."""
    with ctx.setup():
        api_client(ctx)
    found = K8s(ctx).find(ns_path(ctx, "apps/v1", "deployments", deployment))
    if found is None:
        raise ProbeError(
            f"deployment/{deployment} not found in namespace {ctx.profile.target.namespace}"
        )
    return int((found.get("status") or {}).get("readyReplicas") or 0)


async def judge_per_pod(
    ctx: ProbeContext,
    api: Callable[..., Awaitable[Any]],
    selector: str,
    per_pod_of: str,
    value: float,
    unit: str,
    label: str,
    evidence: str,
) -> ProbeResult:
    """Judge a per-pod query's `value`, saying in the label and evidence whether it is per pod or
    per service."""
    groups = await api(ctx, "/api/v1/query", query=f"count by (pod) ({selector})")
    pods = sorted(
        {
            str(g.get("metric", {}).get("pod"))
            for g in groups.get("result", [])
            if g.get("metric", {}).get("pod")
        }
    )
    if pods:
        shown = ", ".join(pods[:SHOWN_PODS]) + (
            f" … (+{len(pods) - SHOWN_PODS})" if len(pods) > SHOWN_PODS else ""
        )
        return ctx.judge(
            value,
            unit,
            label,
            f"{evidence}\nper pod: {selector} carries a pod label; {len(pods)} pods: {shown}",
        )
    lines = [
        evidence,
        f"{selector} carries no pod label: `by (pod)` is one group, the whole service's rate "
        f"({value:.4g}{unit})",
    ]
    name = ctx.profile.target.gateway_service if per_pod_of == "gateway" else per_pod_of
    if name:
        try:
            ready = await asyncio.to_thread(_ready_pods, ctx, name)
        except ProbeError as exc:
            lines.append(f"Ready pods of deployment/{name}: not read ({exc})")
        else:
            if ready > 0:
                lines.append(
                    f"per pod: {value:.4g}{unit} / {ready} Ready pods of deployment/{name} (from "
                    f"the cluster) = {value / ready:.4g}{unit}"
                )
                return ctx.judge(
                    value / ready,
                    unit,
                    f"{label} (service total / {ready} Ready pods)",
                    "\n".join(lines),
                )
            lines.append(f"deployment/{name} has no Ready pod: nothing serves to divide by")
    service_label = (
        label.replace("per pod", "per service") if "per pod" in label else f"{label} per service"
    )
    total = ctx.judge(value, unit, f"{service_label} (no pod label)", "\n".join(lines))
    if total.verdict is Verdict.FAIL:
        return total  # the total misses it: each pod's share misses it too
    return errored(
        "no per-pod figure: the series carry no pod label and the service total "
        f"({value:.4g}{unit}) cannot be "
        f"divided{f' (Ready pods of deployment/{name} unknown)' if name else ' (set per_pod_of)'}",
        "\n".join(lines),
    )
