"""The judgement behind the Kubernetes probes, free of I/O: selectors, readiness, PDB math, Polaris
rules.

Functions take objects as the API server sends them: JSON dicts with camelCase keys.
"""

from __future__ import annotations

import math
import re
from typing import Any

Obj = dict[str, Any]

SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|(^|_)KEY($|_)"
)
NOT_A_SECRET = re.compile(r"_(FILE|PATH|DIR|NAME|REF)$")
"""`JWT_SECRET_FILE=/run/secrets/jwt` names where a secret lives, which is fine as a literal."""


def secret_like(name: str) -> bool:
    upper = name.upper()
    return bool(SECRET_NAME.search(upper)) and not NOT_A_SECRET.search(upper)


def name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", "?"))


def labels(obj: Obj) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def status(obj: Obj) -> Obj:
    return obj.get("status") or {}


def template_labels(deployment: Obj) -> dict[str, str]:
    return labels(spec(deployment).get("template") or {})


def pod_spec(deployment: Obj) -> Obj:
    return spec(spec(deployment).get("template") or {})


def containers(pod_spec: Obj, *, init: bool = True) -> list[tuple[Obj, bool]]:
    """(container, is_init) for the init containers (if `init`) then the containers."""
    out = [(c, True) for c in pod_spec.get("initContainers") or []] if init else []
    return out + [(c, False) for c in pod_spec.get("containers") or []]


def selector_matches(selector: Obj | None, pod_labels: dict[str, str]) -> bool:
    """metav1.LabelSelector semantics: matchLabels AND every matchExpression; an empty selector
    matches all, None nothing."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if pod_labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, values = expr.get("key", ""), expr.get("values") or []
        present, value = key in pod_labels, pod_labels.get(key)
        ok = {
            "In": present and value in values,
            "NotIn": not present or value not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(expr.get("operator", ""), False)
        if not ok:
            return False
    return True


def selector_text(selector: Obj | None) -> str:
    if selector is None:
        return "(no selector)"
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    parts += [
        f"{e.get('key')} {e.get('operator')} ({','.join(e.get('values') or [])})"
        for e in selector.get("matchExpressions") or []
    ]
    return ", ".join(parts) or "(everything)"


def condition_true(obj: Obj, kind: str = "Ready") -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True"
        for c in status(obj).get("conditions") or []
    )


def replicas(deployment: Obj) -> int:
    value = spec(deployment).get("replicas")
    return int(value) if value is not None else 1


def _scaled(value: int | str, total: int, round_up: bool) -> int:
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    percent = float(str(value).rstrip("%"))
    exact = total * percent / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def pdb_blocks_all(pdb: Obj, pods: int) -> str:
    """Why this PDB allows no voluntary disruption of its `pods` pods ("" if it allows some)."""
    budget = spec(pdb)
    if pods <= 0:
        return ""
    if budget.get("maxUnavailable") is not None:
        # Kubernetes rounds a percentage maxUnavailable up, so only 0 / 0% allows nothing.
        if _scaled(budget["maxUnavailable"], pods, round_up=True) <= 0:
            return f"maxUnavailable {budget['maxUnavailable']}"
        return ""
    if (
        budget.get("minAvailable") is not None
        and _scaled(budget["minAvailable"], pods, round_up=True) >= pods
    ):
        return f"minAvailable {budget['minAvailable']} of {pods} pods"
    return ""


def pdb_budget(pdb: Obj) -> str:
    budget = spec(pdb)
    if budget.get("maxUnavailable") is not None:
        return f"maxUnavailable {budget['maxUnavailable']}"
    if budget.get("minAvailable") is not None:
        return f"minAvailable {budget['minAvailable']}"
    return "no budget"


def container_findings(pod_spec: Obj) -> list[tuple[str, list[str]]]:
    """(container label, reasons) for every container (init containers too) failing the Polaris
    checks.

    The container's securityContext overrides the pod's: runAsNonRoot true or runAsUser > 0 at
    the effective level, readOnlyRootFilesystem true, allowPrivilegeEscalation false, not
    privileged.
    """
    pod_sc = pod_spec.get("securityContext") or {}
    out = []
    for container, init in containers(pod_spec):
        own = container.get("securityContext")
        sc = own or {}
        own_user, own_non_root = sc.get("runAsUser"), sc.get("runAsNonRoot")
        user = own_user if own_user is not None else pod_sc.get("runAsUser")
        non_root = own_non_root if own_non_root is not None else pod_sc.get("runAsNonRoot")
        reasons = []
        if user == 0:
            reasons.append(
                "runAsUser 0 (root)"
                + (
                    " overrides the pod's runAsNonRoot"
                    if own_user == 0 and pod_sc.get("runAsNonRoot")
                    else ""
                )
            )
        elif not (non_root or (user is not None and user > 0)):
            reasons.append("may run as root (no runAsNonRoot: true or runAsUser > 0)")
        if sc.get("privileged"):
            reasons.append("privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            reasons.append("allowPrivilegeEscalation not false")
        if not sc.get("readOnlyRootFilesystem"):
            reasons.append("root filesystem writable")
        if reasons:
            out.append((f"{container.get('name', '?')}{' (init)' if init else ''}", reasons))
    return out


def pod_problems(pod: Obj, max_restarts: int) -> list[str]:
    """CrashLoopBackOff, restarts above the limit, not Ready: what a reviewer names about a pod."""
    found = []
    statuses = status(pod).get("containerStatuses") or []
    for cs in statuses:
        waiting = ((cs.get("state") or {}).get("waiting") or {}).get("reason", "")
        if waiting == "CrashLoopBackOff":
            found.append(f"{cs.get('name', '?')} CrashLoopBackOff")
        if int(cs.get("restartCount") or 0) > max_restarts:
            found.append(f"{cs['restartCount']} restarts")
    if not condition_true(pod) and not found:
        waiting = [
            w["reason"]
            for cs in statuses
            if (w := (cs.get("state") or {}).get("waiting")) and w.get("reason")
        ]
        found.append(
            f"not Ready ({waiting[0] if waiting else status(pod).get('phase', 'Unknown')})"
        )
    elif not condition_true(pod):
        found.append("not Ready")
    return found


def alert_names(data: dict[str, str]) -> list[str]:
    """The `alert:` rules of a Prometheus rules ConfigMap, by name, as `grep alert:` would find
    them."""
    return [
        m[1].strip().strip("'\"") or "(unnamed)"
        for text in data.values()
        for m in re.finditer(r"(?m)^\s*(?:-\s*)?alert:\s*(.*)$", text)
    ]


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:2])
