"""What `golive init` and `golive doctor` read from Kubernetes: the kubeconfig's contexts and plain
JSON.

The client and its errors are the probes' (`golive_tui.probes.k8s_client`, `k8s_config`): the same
kubeconfig search, auth plugins and one-line reasons. Responses are read as plain JSON
(no model classes), and an HTTP error status is returned, not raised, so a 403 on one
resource type becomes a comment in the profile instead of a failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..probes.base import ClientCache, ProbeContext, ProbeError
from ..probes.k8s_client import K8s, status_message
from ..probes.k8s_config import kubeconfig_path

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease", "default"})


def probe_context(
    profile: Any, timeout: float = 8.0, clients: ClientCache | None = None
) -> ProbeContext:
    """A probe context for set-up work (no checklist item behind it)."""
    from ..model import Item

    item = Item(id="setup", title="golive set-up")
    object.__setattr__(item, "key", "setup")
    return ProbeContext(
        profile=profile, item=item, clients=clients or ClientCache(), timeout=timeout
    )


@dataclass(frozen=True)
class KubeContext:
    """One kubeconfig context: its name, cluster, user and namespace, and the file(s) it came
    from."""

    name: str
    cluster: str
    user: str
    namespace: str
    files: str
    server: str = ""


def kube_context(ctx: ProbeContext) -> KubeContext:
    """The context golive will use: the profile's kubernetes.context, else the kubeconfig's current
    one."""
    from kubernetes import config

    files = kubeconfig_path(ctx)
    if files is None:
        return KubeContext(
            "(in-cluster)",
            "(in-cluster)",
            "(service account)",
            _in_cluster_namespace(),
            "(in-cluster)",
        )
    try:
        # the kubernetes client ships py.typed but leaves this function unannotated
        contexts, current = config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
            config_file=files
        )
    except config.ConfigException as exc:
        raise ProbeError(f"kubeconfig {files}: {' '.join(str(exc).split())}") from None
    except Exception as exc:  # YAML errors quote the file, which may hold a token: the type only
        raise ProbeError(f"kubeconfig {files}: unreadable ({type(exc).__name__})") from None
    wanted = ctx.profile.kubernetes.context
    chosen = (
        next((c for c in contexts or [] if c.get("name") == wanted), None) if wanted else current
    )
    if not chosen:
        names = ", ".join(c.get("name", "?") for c in contexts or []) or "none"
        raise ProbeError(
            f"kubeconfig {files}: no context {wanted!r} (contexts: {names})"
            if wanted
            else f"kubeconfig {files}: no current context (contexts: {names}); pass --context"
        )
    detail = chosen.get("context") or {}
    return KubeContext(
        chosen.get("name", ""),
        detail.get("cluster", ""),
        detail.get("user", ""),
        detail.get("namespace", ""),
        files,
    )


def _in_cluster_namespace() -> str:
    try:
        with open(
            "/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding="utf-8"
        ) as handle:
            return handle.read().strip()
    except OSError:
        return ""


@dataclass
class Answer:
    """One GET: the HTTP status, the JSON body on success, the server's message otherwise."""

    status: int
    body: Any = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def items(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("items") or []) if self.ok else []

    def why(self, what: str) -> str:
        """Why `what` could not be read, for a comment in the profile."""
        if self.status == 403:
            return f"not allowed to read {what} (403: {self.message})"
        if self.status == 404:
            return f"{what}: not served by this API server (404)"
        return f"{what}: API server answered {self.status} {self.message}".rstrip()


class KubeReader:
    """GETs against the API server of one context, as plain JSON, within a deadline per call."""

    def __init__(self, ctx: ProbeContext) -> None:
        self.ctx = ctx
        self.k8s = K8s(ctx)
        self.host = self.k8s.host

    def get(self, path: str, **query: str) -> Answer:
        """GET `path`; transport failures raise ProbeError (one line), HTTP errors are returned."""
        self.k8s.deadline = None  # each call gets the full timeout: set-up reads are not one probe
        status, body = self.k8s.request(path, query)
        if 200 <= status < 300:
            try:
                return Answer(status, json.loads(body))
            except (ValueError, UnicodeDecodeError) as exc:
                raise ProbeError(
                    f"unexpected answer from the API server at {self.host} ({type(exc).__name__})"
                ) from None
        return Answer(status, None, status_message(body)[:240])
