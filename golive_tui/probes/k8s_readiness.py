"""A service's health as its pods' readiness probes report it, for a role the service proxy refuses.

The usual read-only role may not use `services/proxy`, so it cannot GET a service's health
path the way the seed's in-cluster curl does. But when the pods' readiness probe *is* that
path (`readinessProbe.httpGet.path`), the kubelet asks it every `periodSeconds` and the
pod's Ready condition is the answer: Ready means the last check answered 2xx/3xx. Only pods
whose readiness probe is the health path count; none such leaves the service undecided.
"""

from __future__ import annotations

from typing import Any

from . import k8s_rules as rules
from .base import ProbeError
from .k8s_client import K8s, ns_path


def _probes_path(pod: dict[str, Any], path: str) -> bool:
    wanted = path.rstrip("/") or "/"
    return any(
        ((c.get("readinessProbe") or {}).get("httpGet") or {}).get("path", "").rstrip("/")
        == wanted.rstrip("/")
        for c in rules.spec(pod).get("containers") or []
    )


def health_from_readiness(k8s: K8s, service: str, path: str) -> tuple[str, str] | None:
    """(outcome, evidence line) inferred from the readiness of the Service's pods, or None when
    nothing decides it."""
    try:
        svc = k8s.find(ns_path(k8s.ctx, "v1", "services", service))
        if svc is None:
            return (
                "service not found",
                f"{service}: no such Service (read instead of the forbidden proxy)",
            )
        selector = {"matchLabels": rules.spec(svc).get("selector") or {}}
        pods = [
            p
            for p in k8s.list(ns_path(k8s.ctx, "v1", "pods"))
            if selector["matchLabels"] and rules.selector_matches(selector, rules.labels(p))
        ]
    except ProbeError:
        return None  # pods forbidden too: nothing visible decides
    probed = [p for p in pods if _probes_path(p, path)]
    if not probed:
        return None
    ready = [rules.name(p) for p in probed if rules.condition_true(p)]
    not_ready = [rules.name(p) for p in probed if not rules.condition_true(p)]
    how = (
        f"inferred from readiness: {len(ready)}/{len(probed)} pods Ready, their readiness probe is "
        f"GET {path} (Ready: the kubelet's last check answered 2xx/3xx; the service proxy is "
        "forbidden to this role)"
    )
    if not_ready:
        return "not Ready", f"{service}: {how}; not Ready: {', '.join(not_ready[:4])}"
    return "ok", f"{service}: {how}"
