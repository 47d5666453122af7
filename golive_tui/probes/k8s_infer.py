"""What the pods say about Secret references a read-only role may not read.

A role without `get secrets` (the usual read-only cluster role) cannot look inside a
Secret, but the kubelet already did: a container whose `secretKeyRef` / `secretRef` does
not resolve never starts. It waits in `CreateContainerConfigError` with the missing name
in its message (`couldn't find key url in Secret ns/name`, `secret "name" not found`); a
container that is running (or an init container that completed) started with its
references resolved. So each unreadable reference is decided by the containers of its
deployment's pods, and the evidence says it was inferred and from which pod:

- a pod's container in CreateContainerConfigError naming this Secret (and key) -> fail;
- else a container of the deployment running, or an init container completed -> resolved
  *when it started* (a key removed since shows only at the next restart: said so);
- else (no pods, all pending or crashing for other reasons) -> undecided: `error`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import k8s_rules as rules
from .k8s_client import K8s, ns_path

CONFIG_ERROR = "CreateContainerConfigError"


@dataclass(frozen=True)
class Unread:
    """A reference to a Secret the role may not read, where it is used."""

    label: str
    """`deployment/<name>/<container>[ (init)]`."""
    deployment: str
    container: str
    init: bool
    what: str
    """The variable name, or `envFrom`."""
    secret: str
    key: str | None


@dataclass(frozen=True)
class Inferred:
    """How an unreadable reference was decided: problem (fail), resolved (pass) or neither
    (error)."""

    problem: str = ""
    resolved: str = ""
    undecided: str = ""


class PodStates:
    """The namespace's pods, read once, grouped by the deployment whose selector matches them."""

    def __init__(self, k8s: K8s, deployments: dict[str, dict[str, Any]]) -> None:
        self.namespace = k8s.ctx.profile.target.namespace
        pods = k8s.list(ns_path(k8s.ctx, "v1", "pods"))
        self.by_deployment: dict[str, list[dict[str, Any]]] = {}
        for name, dep in deployments.items():
            selector = (dep.get("spec") or {}).get("selector")
            self.by_deployment[name] = sorted(
                (p for p in pods if rules.selector_matches(selector, rules.labels(p))),
                key=lambda p: str(p.get("metadata", {}).get("name", "")),
            )

    def decide(self, ref: Unread) -> Inferred:
        target = f"secret {ref.secret}" + (f" key {ref.key}" if ref.key else "")
        pods = self.by_deployment.get(ref.deployment, [])
        started: tuple[str, str] | None = None
        for pod in pods:
            pod_name = str(pod.get("metadata", {}).get("name", "?"))
            state = _container_state(pod, ref.container, ref.init)
            waiting = state.get("waiting") or {}
            message = " ".join(str(waiting.get("message") or "").split())
            if waiting.get("reason") == CONFIG_ERROR and self._names(message, ref):
                missing = (
                    f"has no key {ref.key}"
                    if ref.key and "couldn't find key" in message
                    else "which does not exist"
                )
                return Inferred(
                    problem=f"{ref.label}: {ref.what} -> secret {ref.secret} {missing} "
                    f"(inferred: pod {pod_name} {CONFIG_ERROR}: {message})"
                )
            running = state.get("running")
            done = (
                (state.get("terminated") or {}).get("reason") == "Completed" if ref.init else False
            )
            if started is None and (running or done):
                started = (
                    pod_name,
                    str((running or state.get("terminated") or {}).get("startedAt", "?")),
                )
        if started is not None:
            pod_name, since = started
            return Inferred(
                resolved=f"{ref.label}: {ref.what} -> {target}: Secret "
                "not readable (403); resolved when pod "
                f"{pod_name}'s container started ({since}), inferred from its state "
                "(a key removed since shows at the next restart)"
            )
        seen = (
            f"{len(pods)} pods, none with this container started or in {CONFIG_ERROR}"
            if pods
            else "no pods"
        )
        return Inferred(
            undecided=f"{ref.label}: {ref.what} -> {target}: not verifiable (403; {seen})"
        )

    def _names(self, message: str, ref: Unread) -> bool:
        """True if a CreateContainerConfigError message is about this reference's Secret (and
        key)."""
        if f'secret "{ref.secret}" not found' in message:
            return True
        return (
            bool(ref.key)
            and f"couldn't find key {ref.key} in Secret {self.namespace}/{ref.secret}" in message
        )


def _container_state(pod: dict[str, Any], container: str, init: bool) -> dict[str, Any]:
    statuses = (pod.get("status") or {}).get(
        "initContainerStatuses" if init else "containerStatuses"
    ) or []
    found = next((s for s in statuses if s.get("name") == container), None)
    return (found or {}).get("state") or {}
