"""The judgement behind the Kubernetes probes, free of I/O: selectors, readiness, PDB math, Polaris rules.

Functions take the kubernetes client's model objects (snake_case attributes).
"""

from __future__ import annotations

import math
import re
from typing import Any

SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|(^|_)KEY($|_)")
NOT_A_SECRET = re.compile(r"_(FILE|PATH|DIR|NAME|REF)$")
"""`JWT_SECRET_FILE=/run/secrets/jwt` names where a secret lives, which is fine as a literal."""


def secret_like(name: str) -> bool:
    upper = name.upper()
    return bool(SECRET_NAME.search(upper)) and not NOT_A_SECRET.search(upper)


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """metav1.LabelSelector semantics: matchLabels AND every matchExpression; an empty selector matches all, None nothing."""
    if selector is None:
        return False
    for key, value in (selector.match_labels or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.match_expressions or []:
        present, value, values = expr.key in labels, labels.get(expr.key), expr.values or []
        ok = {"In": present and value in values, "NotIn": not present or value not in values,
              "Exists": present, "DoesNotExist": not present}.get(expr.operator, False)
        if not ok:
            return False
    return True


def selector_text(selector: Any) -> str:
    if selector is None:
        return "(no selector)"
    parts = [f"{k}={v}" for k, v in (selector.match_labels or {}).items()]
    parts += [f"{e.key} {e.operator} ({','.join(e.values or [])})" for e in selector.match_expressions or []]
    return ", ".join(parts) or "(everything)"


def condition_true(obj: Any, kind: str = "Ready") -> bool:
    return any(c.type == kind and c.status == "True" for c in (obj.status.conditions if obj.status else None) or [])


def replicas(deployment: Any) -> int:
    return deployment.spec.replicas if deployment.spec.replicas is not None else 1


def _scaled(value: int | str, total: int, round_up: bool) -> int:
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    percent = float(str(value).rstrip("%"))
    exact = total * percent / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def pdb_blocks_all(pdb: Any, pods: int) -> str:
    """Why this PDB allows no voluntary disruption of its `pods` pods ("" if it allows some)."""
    spec = pdb.spec
    if pods <= 0:
        return ""
    if spec.max_unavailable is not None:
        # Kubernetes rounds a percentage maxUnavailable up, so only 0 / 0% allows nothing.
        if _scaled(spec.max_unavailable, pods, round_up=True) <= 0:
            return f"maxUnavailable {spec.max_unavailable}"
        return ""
    if spec.min_available is not None and _scaled(spec.min_available, pods, round_up=True) >= pods:
        return f"minAvailable {spec.min_available} of {pods} pods"
    return ""


def pdb_budget(pdb: Any) -> str:
    spec = pdb.spec
    if spec.max_unavailable is not None:
        return f"maxUnavailable {spec.max_unavailable}"
    if spec.min_available is not None:
        return f"minAvailable {spec.min_available}"
    return "no budget"


def container_findings(pod_spec: Any) -> list[tuple[str, list[str]]]:
    """(container label, reasons) for every container (init containers too) failing the Polaris checks.

    The container's securityContext overrides the pod's: runAsNonRoot true or runAsUser > 0 at
    the effective level, readOnlyRootFilesystem true, allowPrivilegeEscalation false, not privileged.
    """
    pod_sc = pod_spec.security_context
    out = []
    containers = [(c, True) for c in pod_spec.init_containers or []] + [(c, False) for c in pod_spec.containers or []]
    for container, init in containers:
        sc = container.security_context
        own_user = sc.run_as_user if sc else None
        own_non_root = sc.run_as_non_root if sc else None
        user = own_user if own_user is not None else (pod_sc.run_as_user if pod_sc else None)
        non_root = own_non_root if own_non_root is not None else (pod_sc.run_as_non_root if pod_sc else None)
        reasons = []
        if user == 0:
            pod_non_root = pod_sc is not None and pod_sc.run_as_non_root
            reasons.append("runAsUser 0 (root)" + (" overrides the pod's runAsNonRoot" if own_user == 0 and pod_non_root else ""))
        elif not (non_root or (user is not None and user > 0)):
            reasons.append("may run as root (no runAsNonRoot: true or runAsUser > 0)")
        if sc is not None and sc.privileged:
            reasons.append("privileged")
        if not (sc is not None and sc.allow_privilege_escalation is False):
            reasons.append("allowPrivilegeEscalation not false")
        if not (sc is not None and sc.read_only_root_filesystem):
            reasons.append("root filesystem writable")
        if reasons:
            out.append((f"{container.name}{' (init)' if init else ''}", reasons))
    return out


def pod_problems(pod: Any, max_restarts: int) -> list[str]:
    """CrashLoopBackOff, restarts above the limit, not Ready: what a reviewer names about a pod."""
    found = []
    for cs in (pod.status.container_statuses if pod.status else None) or []:
        waiting = cs.state.waiting.reason if cs.state and cs.state.waiting else ""
        if waiting == "CrashLoopBackOff":
            found.append(f"{cs.name} CrashLoopBackOff")
        if cs.restart_count > max_restarts:
            found.append(f"{cs.restart_count} restarts")
    if not condition_true(pod) and not found:
        phase = pod.status.phase if pod.status else "Unknown"
        waiting = [cs.state.waiting.reason for cs in (pod.status.container_statuses or []) if cs.state and cs.state.waiting]
        found.append(f"not Ready ({waiting[0] if waiting else phase})")
    elif not condition_true(pod):
        found.append("not Ready")
    return found


def alert_names(data: dict[str, str]) -> list[str]:
    """The `alert:` rules of a Prometheus rules ConfigMap, by name, as `grep alert:` would find them."""
    return [m[1].strip().strip("'\"") or "(unnamed)" for text in data.values()
            for m in re.finditer(r"(?m)^\s*(?:-\s*)?alert:\s*(.*)$", text)]


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:2])
